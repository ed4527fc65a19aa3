"""Judging's collections. A ``reviews`` document holds everything about one entry in one
round: its judges, their sheets, the audit trail of every score change and the round result,
so submitting a sheet and publishing the result are one atomic single-document write."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Doc


def review_id(contest_id: str, round_no: int, entry_id: str) -> str:
    return f"{contest_id}:{round_no}:{entry_id}"


class JudgingStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.judges = db["judges"]
        self.contests = db["contests"]
        self.entries = db["entries"]
        self.rounds = db["rounds"]
        self.reviews = db["reviews"]

    async def ensure_indexes(self) -> None:
        await self.entries.create_index([("contest_id", ASCENDING), ("withdrawn", ASCENDING)])
        await self.reviews.create_index([("contest_id", ASCENDING), ("round_no", ASCENDING)])
        await self.reviews.create_index("judge_ids")
