"""Copies kept from other services' events (judges, contests, blind entries)."""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from services.judging.assignment import Assignments
from services.judging.core import (
    rubric_doc,
)
from services.judging.domain.rubric import default_rubric
from shared.errors import Refused
from shared.events.accounts import AccountRegistered, AccountUpdated
from shared.events.contests import ContestClosed, ContestDeadlineExtended, ContestOpened, ContestUpdated
from shared.events.entries import EntryBecameEligible, EntryWithdrawnFromJudging
from shared.mongo import Doc

log = structlog.get_logger(__name__)


class Projections(Assignments):
    """Copies kept from other services' events (judges, contests, blind entries)."""

    async def on_account(self, e: AccountRegistered | AccountUpdated) -> None:
        """Idempotent upsert. A judge who leaves (deactivated or no longer a judge) loses the
        unscored work of open rounds, which is rebalanced over the rest of the panel."""
        is_judge = "judge" in e.roles and e.active
        if "judge" in e.roles:
            await self.repos.judges.save(e.account_id, full_name=e.full_name, unit=e.unit,
                                         categories=list(e.categories), active=e.active)
        else:
            await self.repos.judges.deactivate(e.account_id)
        if not is_judge:
            await self._judge_left(e.account_id)

    async def _judge_left(self, judge_id: str) -> None:
        for contest_id, round_no in sorted(await self.repos.reviews.open_rounds_of(judge_id)):
            try:
                await self.rebalance_round(contest_id, round_no, actor="system", note="judge_left")
            except Refused as exc:
                log.warning("judging.rebalance_failed", contest_id=contest_id, round_no=round_no, detail=exc.message)

    async def on_contest(self, e: ContestOpened | ContestUpdated | ContestDeadlineExtended | ContestClosed) -> None:
        known = await self.repos.contests.revision(e.contest_id)
        if known is not None and known >= e.revision:
            return  # a repeated or out-of-order older snapshot
        await self.repos.contests.save_snapshot(
            e.contest_id,
            {"name": e.name, "code": e.code, "categories": [c.model_dump() for c in e.categories],
             "closes_at": e.closes_at, "status": e.status, "revision": e.revision},
            on_insert={"rubric": rubric_doc(default_rubric()), "rubric_history": [], "judging_status": "setup",
                       "frozen": False})
        if known is None:
            await self.publish_setup(e.contest_id)

    async def on_eligible(self, e: EntryBecameEligible) -> None:
        await self.on_eligible_many([e])

    async def on_eligible_many(self, events: Sequence[EntryBecameEligible]) -> None:
        """Store the blind entries and, where the first round is already released, assign them.

        A backlog (a round released while screening goes on, or a restart) arrives as runs of
        these events: new entries are inserted in one command and assigned in one plan per
        contest, not one scan of the store per entry (on FerretDB every lookup but ``_id`` scans)."""
        latest = {e.entry_id: e for e in events}
        docs: dict[str, Doc] = {}
        for e in latest.values():
            docs[e.entry_id] = {"_id": e.entry_id, "contest_id": e.contest_id, "code": e.code, "title": e.title,
                                "category": e.category, "sections": e.sections.model_dump(),
                                "attachments": [a.model_dump() for a in e.attachments], "version": e.version,
                                "conflict_unit": e.conflict_unit, "submitted_at": e.submitted_at, "withdrawn": False}
        # Inserted in one command; an entry judging already knew (a newer deadline version, an entry
        # made eligible again) is refused by its _id and updated instead, keeping its withdrawn flag.
        known = await self.repos.entries.insert_new(list(docs.values()))
        for entry_id in sorted(known):
            docs[entry_id]["withdrawn"] = await self.repos.entries.update_known(entry_id, docs[entry_id])
        by_contest: dict[str, list[Doc]] = {}
        for d in docs.values():
            if not d["withdrawn"]:
                by_contest.setdefault(d["contest_id"], []).append(d)
        for contest_id, arrived in sorted(by_contest.items()):
            rnd = await self.repos.rounds.get(contest_id, 1)
            if rnd is None or rnd.get("released") is not True or rnd.get("closed") is not False:
                continue
            ids = [d["_id"] for d in arrived]
            try:
                await self._assign(rnd, only=ids, known=arrived)
            except Refused as exc:  # not enough judges yet: the next release assigns them
                log.warning("judging.entries_wait_for_judges", contest_id=contest_id, count=len(ids),
                            detail=exc.message)

    async def on_withdrawn(self, e: EntryWithdrawnFromJudging) -> None:
        """The entry leaves every queue at once and can never produce a result; bumping ``rev``
        makes any sheet save in flight fail its compare-and-set."""
        self._forget_rounds()
        await self.repos.entries.mark_withdrawn(e.entry_id, e.contest_id)
        for rid in await self.repos.reviews.of_entry(e.entry_id):
            async with self.locks.hold(rid):
                await self.repos.reviews.withdraw(rid, e.reason)
        self._forget_rounds()

