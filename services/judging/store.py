"""Judging's collections. A ``reviews`` document holds everything about one entry in one
round: its judges, their no-conflict declarations, their sheets, the append-only audit trail
of every score change and the round result, so submitting a sheet and publishing the result
are one atomic single-document write (compare-and-set on ``rev``)."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Doc


def review_id(contest_id: str, round_no: int, entry_id: str) -> str:
    return f"{contest_id}:{round_no}:{entry_id}"


def round_id(contest_id: str, round_no: int) -> str:
    return f"{contest_id}:{round_no}"


class JudgingStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.judges = db["judges"]
        self.contests = db["contests"]
        self.entries = db["entries"]
        self.rounds = db["rounds"]
        self.reviews = db["reviews"]
        self.reminders = db["reminders"]
        self.reminder_firings = db["reminder_firings"]  # one per scheduled reminder sent (its key as _id)
        self.feedback = db["feedback"]  # one per contest and entry released to its author

    async def ensure_indexes(self) -> None:
        await self.entries.create_index([("contest_id", ASCENDING), ("withdrawn", ASCENDING)])
        await self.reviews.create_index([("contest_id", ASCENDING), ("round_no", ASCENDING)])
        await self.reviews.create_index("judge_ids")
        await self.reviews.create_index("entry_id")
        await self.reminders.create_index([("judge_id", ASCENDING), ("at", ASCENDING)])


class DocLocks:
    """One asyncio lock per review, held across a whole read-decide-write of it (a judge's save,
    a recusal, a rebalance), so the decision is made on what is really stored.

    Single driver calls are already queued per document by the database itself
    (``shared.mongo.SerialDatabase``, for FerretDB's unisolated updates); this lock is the
    application-level critical section above that.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            yield
