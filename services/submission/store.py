"""Submission's collections and indexes (``mongo_repositories`` reads and writes them). Contests
and entries carry their own outbox.

``attachments`` holds one document per uploaded file (the bytes as BSON binary, at most
15 MB, well under MongoDB's 16 MB document limit); an entry lists the files it uses and each
version freezes that list, so a file is never deleted once a version refers to it.
"""

from __future__ import annotations

from datetime import timedelta

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Doc


class SubmissionStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
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
        self.feedback = db["feedback"]  # entry id -> judges' scores and comments for its author (FeedbackReleased)
        self.adoption_plans = db["adoption_plans"]  # plan id -> where an initiative is applied (adoption.plans)

    async def ensure_indexes(self) -> None:
        await self.contests.create_index("code", unique=True)
        await self.entries.create_index([("contest_id", ASCENDING), ("status", ASCENDING)])
        await self.entries.create_index("owner_id")
        await self.entries.create_index("code", unique=True, sparse=True)
        await self.attachments.create_index("entry_id")
        await self.standings.create_index("contest_id")
        await self.adoption_plans.create_index("initiative_id")


#: An upload no entry lists after this long is an orphan (``AttachmentsPart.remove_orphan_files``).
ORPHAN_GRACE = timedelta(minutes=10)
