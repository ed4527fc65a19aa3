"""Submission's collections and indexes. Contests and entries carry their own outbox."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Doc


class SubmissionStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.db = db
        self.contests = db["contests"]
        self.entries = db["entries"]
        self.attachments = db["attachments"]
        self.counters = db["counters"]

    async def ensure_indexes(self) -> None:
        await self.contests.create_index("code", unique=True)
        await self.entries.create_index([("contest_id", ASCENDING), ("status", ASCENDING)])
        await self.entries.create_index("owner_id")
        await self.entries.create_index("code", unique=True, sparse=True)
        await self.attachments.create_index("entry_id")

    async def next_seq(self, name: str) -> int:
        """A gap-free-enough sequence (findAndModify is atomic on MongoDB and FerretDB)."""
        doc = await self.counters.find_one_and_update(
            {"_id": name}, {"$inc": {"n": 1}}, upsert=True, return_document=True
        )
        assert doc is not None
        return int(doc["n"])
