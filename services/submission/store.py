"""Submission's collections and indexes. Contests and entries carry their own outbox.

``attachments`` holds one document per uploaded file (the bytes as BSON binary, at most
15 MB, well under MongoDB's 16 MB document limit); an entry lists the files it uses and each
version freezes that list, so a file is never deleted once a version refers to it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Doc

#: Sequence numbers are reserved from the counter in blocks, so a rush of new entries costs
#: one counter write per block rather than one per entry (numbers left in a block when the
#: process stops are skipped: receipt codes are unique and increasing, not gap-free).
SEQ_BLOCK = 50


class SubmissionStore:
    def __init__(self, db: AsyncDatabase[Doc], *, seq_block: int = SEQ_BLOCK) -> None:
        self.db = db
        # Writes are queued per document by the database itself (shared.mongo.SerialDatabase).
        self.contests = db["contests"]
        self.entries = db["entries"]
        self.attachments = db["attachments"]
        self.counters = db["counters"]
        self.fingerprints = db["fingerprints"]
        self.reviewers = db["reviewers"]  # entry id -> the judges of each round (from judging's events)
        self.blind_files = db["blind_files"]  # attachments without their metadata, as judges get them
        self.standings = db["standings"]  # each closed round's totals and who went on (judging's RoundClosed)
        self._seq_block = seq_block
        self._blocks: dict[str, tuple[int, int]] = {}
        self._seq_lock = asyncio.Lock()

    async def ensure_indexes(self) -> None:
        await self.contests.create_index("code", unique=True)
        await self.entries.create_index([("contest_id", ASCENDING), ("status", ASCENDING)])
        await self.entries.create_index("owner_id")
        await self.entries.create_index("code", unique=True, sparse=True)
        await self.attachments.create_index("entry_id")
        await self.standings.create_index("contest_id")

    async def add_to(self, name: str, amount: int) -> int:
        """Add to a named counter (a quota's use) and return its new value."""
        doc = await self.counters.find_one_and_update({"_id": name}, {"$inc": {"n": amount}}, upsert=True,
                                                      return_document=True)
        assert doc is not None
        return int(doc["n"])

    async def next_seq(self, name: str) -> int:
        """The next number of a named sequence (findAndModify is atomic on MongoDB and FerretDB)."""
        async with self._seq_lock:
            nxt, end = self._blocks.get(name, (0, 0))
            if nxt >= end:
                doc = await self.counters.find_one_and_update(
                    {"_id": name}, {"$inc": {"n": self._seq_block}}, upsert=True, return_document=True
                )
                assert doc is not None
                end = int(doc["n"]) + 1
                nxt = end - self._seq_block
            self._blocks[name] = (nxt + 1, end)
            return nxt

    async def remove_orphan_files(self, older_than: datetime) -> int:
        """Delete uploads no entry refers to (a crash between storing a file and listing it)."""
        removed = 0
        async for f in self.attachments.find({"created_at": {"$lt": older_than}}, {"entry_id": 1}):
            owner = await self.entries.find_one({"_id": f["entry_id"], "file_ids": f["_id"]}, {"_id": 1})
            if owner is None:
                await self.attachments.delete_one({"_id": f["_id"]})
                removed += 1
        return removed


ORPHAN_GRACE = timedelta(minutes=10)
