"""Copies kept from other services' events (judges, contests, blind entries)."""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from services.judging.assignment import Assignments
from services.judging.core import (
    rubric_doc,
)
from services.judging.domain.rubric import default_rubric
from services.judging.store import round_id
from shared.errors import Refused
from shared.events.accounts import AccountRegistered
from shared.events.contests import ContestOpened
from shared.events.entries import EntryBecameEligible, EntryWithdrawnFromJudging
from shared.mongo import Doc, insert_new

log = structlog.get_logger(__name__)


class Projections(Assignments):
    """Copies kept from other services' events (judges, contests, blind entries)."""

    async def on_account(self, e: AccountRegistered) -> None:
        """Idempotent upsert. A judge who leaves (deactivated or no longer a judge) loses the
        unscored work of open rounds, which is rebalanced over the rest of the panel."""
        is_judge = "judge" in e.roles and e.active
        if "judge" in e.roles:
            await self.store.judges.update_one(
                {"_id": e.account_id},
                {"$set": {"full_name": e.full_name, "unit": e.unit, "categories": e.categories, "active": e.active}},
                upsert=True)
        else:
            await self.store.judges.update_one({"_id": e.account_id}, {"$set": {"active": False}})
        if not is_judge:
            await self._judge_left(e.account_id)

    async def _judge_left(self, judge_id: str) -> None:
        open_rounds = {(r["contest_id"], r["round_no"]) async for r in self.store.reviews.find(
            {"judge_ids": judge_id, "closed": {"$ne": True}, "withdrawn": {"$ne": True}},
            {"contest_id": 1, "round_no": 1})}
        for contest_id, round_no in sorted(open_rounds):
            try:
                await self.rebalance_round(contest_id, round_no, actor="system", note="judge_left")
            except Refused as exc:
                log.warning("judging.rebalance_failed", contest_id=contest_id, round_no=round_no, detail=exc.message)

    async def on_contest(self, e: ContestOpened) -> None:
        known = await self.store.contests.find_one({"_id": e.contest_id}, {"revision": 1})
        if known is not None and known.get("revision", 0) >= e.revision:
            return  # a repeated or out-of-order older snapshot
        await self.store.contests.update_one(
            {"_id": e.contest_id},
            {"$set": {"name": e.name, "code": e.code, "categories": [c.model_dump() for c in e.categories],
                      "closes_at": e.closes_at, "status": e.status, "revision": e.revision},
             "$setOnInsert": {"rubric": rubric_doc(default_rubric()), "rubric_history": [],
                              "judging_status": "setup", "frozen": False}},
            upsert=True)
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
        known = await insert_new(self.store.entries, list(docs.values()))
        for entry_id in sorted(known):
            fields = {k: v for k, v in docs[entry_id].items() if k not in ("_id", "withdrawn")}
            await self.store.entries.update_one({"_id": entry_id}, {"$set": fields})
            stored = await self.store.entries.find_one({"_id": entry_id}, {"withdrawn": 1})
            docs[entry_id]["withdrawn"] = bool((stored or {}).get("withdrawn"))
        by_contest: dict[str, list[Doc]] = {}
        for d in docs.values():
            if not d["withdrawn"]:
                by_contest.setdefault(d["contest_id"], []).append(d)
        for contest_id, arrived in sorted(by_contest.items()):
            rnd = await self.store.rounds.find_one({"_id": round_id(contest_id, 1), "released": True,
                                                    "closed": False})
            if rnd is None:
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
        await self.store.entries.update_one({"_id": e.entry_id},
                                            {"$set": {"withdrawn": True, "contest_id": e.contest_id}}, upsert=True)
        async for r in self.store.reviews.find({"entry_id": e.entry_id, "withdrawn": {"$ne": True}}, {"_id": 1}):
            async with self.locks.hold(r["_id"]):
                await self.store.reviews.update_one(
                    {"_id": r["_id"]}, {"$set": {"withdrawn": True, "withdrawn_reason": e.reason}, "$inc": {"rev": 1}})
        self._forget_rounds()

