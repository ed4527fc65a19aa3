"""Awards' collections: its own copies of contests, entries (with authors) and scores, and the
stored official results (canonical inputs + result, content-addressed by the result's hash)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import structlog
from bson import Binary
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Doc, insert_new

log = structlog.get_logger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def gz(data: bytes) -> Binary:
    """Stored results are compressed, deterministically (no timestamp in the stream)."""
    return Binary(gzip.compress(data, compresslevel=6, mtime=0))


def gunzip(data: bytes) -> bytes:
    return gzip.decompress(bytes(data))


class AwardsStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.contests = db["contests"]
        self.entries = db["entries"]
        self.statuses = db["statuses"]  # insert-only status facts (domain.participation)
        self.results = db["results"]
        self.adoption = db["adoption"]  # insert-only facts of adoption.plans (domain.season_report)

    async def migrate(self) -> None:
        """Carry the per-entry ``participation`` documents of earlier versions over as facts
        (dated at the epoch, so any later real status wins); safe to run again."""
        old = self.statuses.database["participation"]
        facts = [{"_id": f"participation:{d['_id']}", "entry_id": d["_id"], "contest_id": d.get("contest_id", ""),
                  "category": d.get("category", ""), "unit": d.get("unit", ""), "status": d.get("status", ""),
                  "at": EPOCH} async for d in old.find({})]
        if facts:
            await insert_new(self.statuses, facts)
            log.info("awards.participation_migrated", facts=len(facts))
        await old.drop()

    async def ensure_indexes(self) -> None:
        await self.entries.create_index("contest_id")
        await self.entries.create_index("owner_account_id")
        await self.statuses.create_index("contest_id")
        await self.results.create_index("contest_id")
        await self.adoption.create_index("plan_id")
        await self.adoption.create_index("initiative_id")
