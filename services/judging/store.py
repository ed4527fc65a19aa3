"""Judging's collections. A ``reviews`` document holds everything about one entry in one
round: its judges, their no-conflict declarations, their sheets, the append-only audit trail
of every score change and the round result, so submitting a sheet and publishing the result
are one atomic single-document write (compare-and-set on ``rev``)."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.results import UpdateResult

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

    async def ensure_indexes(self) -> None:
        await self.entries.create_index([("contest_id", ASCENDING), ("withdrawn", ASCENDING)])
        await self.reviews.create_index([("contest_id", ASCENDING), ("round_no", ASCENDING)])
        await self.reviews.create_index("judge_ids")
        await self.reviews.create_index("entry_id")
        await self.reminders.create_index([("judge_id", ASCENDING), ("at", ASCENDING)])


class DocLocks:
    """One asyncio lock per document id, for every write this process makes to a review.

    FerretDB 1.24 (SQLite) does not make a single-document update atomic: two concurrent
    updates of one document, even compare-and-set ones, can both "succeed" and one is lost
    (measured: 40 concurrent ``$set`` of different paths keep about 5). MongoDB needs no lock;
    locally the service is one process, so serialising its own writes per document is enough.
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


class LockedWrites:
    """The reviews collection as the outbox relay sees it: its updates take the document's lock
    too, so removing published events never overwrites a judge's concurrent save."""

    def __init__(self, coll: AsyncCollection[Doc], locks: DocLocks) -> None:
        self._coll = coll
        self._locks = locks

    def __getattr__(self, name: str) -> Any:
        return getattr(self._coll, name)

    async def update_one(self, filter: Doc, update: Doc, *args: Any, **kwargs: Any) -> UpdateResult:
        async with self._locks.hold(str(filter.get("_id"))):
            return await self._coll.update_one(filter, update, *args, **kwargs)
