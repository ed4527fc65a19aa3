"""Awards' use cases: keep the ranking up to date from judging's events, and show it.

Scores are recorded per entry and round as they arrive; the live ranking is a pure function
of what is recorded (``domain.ranking.rank``), marked provisional until judging closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import HTTPException

from services.awards.domain.ranking import EntryScores, RankedEntry, rank
from services.awards.settings import AwardsSettings
from services.awards.store import AwardsStore
from shared.envelope import Envelope, EventPayload
from shared.events.authors import EntryAuthorsRecorded
from shared.events.contests import ContestOpened
from shared.events.judging import EntryRoundScored, JudgingClosed
from shared.events.statuses import EntryStatusChanged
from shared.mongo import Doc


@dataclass
class AwardsService:
    store: AwardsStore
    settings: AwardsSettings

    def _env(self, payload: EventPayload) -> Envelope:
        return Envelope.wrap(payload, producer=self.settings.service_name)

    async def on_contest(self, e: ContestOpened) -> None:
        known = await self.store.contests.find_one({"_id": e.contest_id}, {"revision": 1})
        if known is not None and known.get("revision", 0) >= e.revision:
            return
        await self.store.contests.update_one(
            {"_id": e.contest_id},
            {"$set": {"name": e.name, "code": e.code, "issuing_body": e.issuing_body, "revision": e.revision,
                      "categories": [c.model_dump() for c in e.categories], "closes_at": e.closes_at},
             "$setOnInsert": {"judging_closed": False, "announced": False}},
            upsert=True)

    async def on_authors(self, e: EntryAuthorsRecorded) -> None:
        await self.store.entries.update_one(
            {"_id": e.entry_id},
            {"$set": {"contest_id": e.contest_id, "code": e.code, "title": e.title, "category": e.category,
                      "unit": e.unit, "summary": e.summary, "authors": [a.model_dump() for a in e.authors],
                      "owner_account_id": e.owner_account_id, "submitted_at": e.submitted_at}},
            upsert=True)

    async def on_scored(self, e: EntryRoundScored) -> None:
        """Record a round result; after the announcement it is kept and flagged, never applied."""
        contest = await self.store.contests.find_one({"_id": e.contest_id}, {"announced": 1})
        record = e.model_dump(mode="python", exclude={"contest_id", "entry_id"})
        if contest is not None and contest.get("announced"):
            await self.store.entries.update_one(
                {"_id": e.entry_id}, {"$set": {f"late_scores.r{e.round_no}": record | {"at": datetime.now(UTC)}}},
                upsert=True)
            return
        await self.store.entries.update_one(
            {"_id": e.entry_id},
            {"$set": {"contest_id": e.contest_id, f"rounds.r{e.round_no}": record}},
            upsert=True)

    async def on_judging_closed(self, e: JudgingClosed) -> None:
        await self.store.contests.update_one(
            {"_id": e.contest_id},
            {"$set": {"judging_closed": True, "final_round": e.round_no, "final_entries": e.entries,
                      "rubric_version": e.rubric_version}}, upsert=True)

    async def on_status(self, e: EntryStatusChanged) -> None:
        await self.store.participation.update_one(
            {"_id": e.entry_id},
            {"$set": {"contest_id": e.contest_id, "category": e.category, "unit": e.unit, "status": e.status}},
            upsert=True)

    # ------------------------------------------------------------ ranking

    async def contest(self, contest_id: str) -> Doc:
        c = await self.store.contests.find_one({"_id": contest_id})
        if c is None:
            raise HTTPException(404, detail="Không tìm thấy cuộc thi.")
        return c

    async def scores(self, contest_id: str) -> tuple[list[EntryScores], dict[str, Doc]]:
        """Each entry's latest round result: the final round's once there is one."""
        out: list[EntryScores] = []
        docs: dict[str, Doc] = {}
        async for d in self.store.entries.find({"contest_id": contest_id, "rounds": {"$exists": True}}):
            rounds = d.get("rounds") or {}
            if not rounds:
                continue
            latest = rounds[max(rounds, key=lambda k: int(k[1:]))]
            docs[d["_id"]] = d
            out.append(EntryScores(
                entry_id=d["_id"], category=d.get("category", ""),
                submitted_at=d.get("submitted_at") or datetime(1970, 1, 1, tzinfo=UTC),
                judge_totals=tuple(s["total"] for s in latest["sheets"]),
                criterion_means=latest["criterion_means"], official_total=latest["official_total"],
                title=d.get("title", "")))
        return out, docs

    async def ranking(self, contest_id: str) -> tuple[list[RankedEntry], dict[str, Doc]]:
        entries, docs = await self.scores(contest_id)
        return rank(entries, ("total", "criterion:effectiveness", "median", "submitted_at")), docs
