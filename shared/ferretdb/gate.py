"""FerretDB 1.24 (SQLite) made to behave like MongoDB for one process: a write gate per document,
compare-and-set conditions checked in Python, and ``SQLITE_BUSY`` retried.

FerretDB applies an update as an unisolated read-modify-write: two concurrent updates of one
document lose one of them, and a compare-and-set filter can match twice (measured: 8 tasks x 100
concurrent ``$inc`` applied 110). Only a filter that is exactly ``{_id: <string or ObjectId>}``
reaches SQLite, and even that scans the table. This module fixes both *within one process*; two
processes writing one document concurrently are still not isolated (see README, FerretDB vs MongoDB).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, TypeVar

import structlog
from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, PyMongoError
from pymongo.results import DeleteResult, InsertOneResult, UpdateResult

from shared.failures import is_busy
from shared.ferretdb.docmatch import Unsupported, check_supported, matches
from shared.mongo import Doc, plain_id

log = structlog.get_logger(__name__)
T = TypeVar("T")


class DocGate:
    """Lets one write at a time touch a document, or one write the whole collection.

    FerretDB 1.24 (SQLite) applies an update as an unisolated read-modify-write: two concurrent
    updates of one document lose one of them, and a compare-and-set filter can match twice
    (measured: 8 tasks x 100 concurrent ``$inc`` applied 110). Queueing this process's writes per
    document makes single-document updates and compare-and-set atomic again, as long as one
    process writes the document. MongoDB needs none of this (``*_STORE=mongodb``).
    """

    def __init__(self) -> None:
        self._cond = asyncio.Condition()
        self._busy: set[Any] = set()
        self._whole = False

    @contextlib.asynccontextmanager
    async def document(self, doc_id: Any) -> AsyncIterator[None]:
        async with self._cond:
            await self._cond.wait_for(lambda: not self._whole and doc_id not in self._busy)
            self._busy.add(doc_id)
        try:
            yield
        finally:
            async with self._cond:
                self._busy.discard(doc_id)
                self._cond.notify_all()

    @contextlib.asynccontextmanager
    async def collection(self) -> AsyncIterator[None]:
        async with self._cond:
            await self._cond.wait_for(lambda: not self._whole and not self._busy)
            self._whole = True
        try:
            yield
        finally:
            async with self._cond:
                self._whole = False
                self._cond.notify_all()


def _by_id(filter: Any) -> tuple[Any, Doc] | None:
    """``(_id, other conditions)`` when a filter pins one document by a string or ObjectId ``_id``
    and its other conditions can be checked in Python (``shared.ferretdb.docmatch``)."""
    if not isinstance(filter, Mapping) or len(filter) < 2:
        return None  # no _id, or exactly {_id}: FerretDB already serves that from its index
    doc_id = filter.get("_id")
    if not isinstance(doc_id, str | ObjectId):
        return None
    rest = {k: v for k, v in filter.items() if k != "_id"}
    try:
        check_supported(rest)
    except Unsupported:
        return None
    return doc_id, rest


def _widen(projection: Any, conditions: Doc) -> tuple[Any, set[str]] | None:
    """A projection that also returns the top-level fields ``conditions`` look at, and the
    fields to drop again; ``None`` when the projection is not a plain field mapping."""
    if projection is None:
        return None, set()
    if not isinstance(projection, Mapping) or any(
        "." in k or isinstance(v, Mapping) or not isinstance(v, int | bool) for k, v in projection.items()
    ):
        return None
    needed = {path.split(".")[0] for path in conditions}
    inclusion = any(v for k, v in projection.items() if k != "_id") or (
        set(projection) == {"_id"} and bool(projection["_id"]))
    if inclusion:
        added = {f for f in needed if not projection.get(f)}
        return {**projection, **dict.fromkeys(added, 1)}, added
    added = {f for f in needed if f in projection}
    return {k: v for k, v in projection.items() if k not in added}, added


BUSY_ATTEMPTS = 8  # about 6 s of waiting in all


async def busy_retry(call: Callable[[], Awaitable[T]]) -> T:
    """Run a single-document write again while FerretDB/SQLite answers ``SQLITE_BUSY``: the write
    did not happen, and a moment later it goes through. Users never see the lock."""
    delay = 0.02
    for attempt in range(1, BUSY_ATTEMPTS + 1):
        try:
            return await call()
        except BulkWriteError:
            raise  # part of it may be written: the caller judges each document
        except PyMongoError as exc:
            if not is_busy(exc) or attempt == BUSY_ATTEMPTS:
                raise
            log.warning("store.busy_retry", attempt=attempt, error=str(exc)[:200])
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")


_Base = AsyncCollection


class SerialCollection(AsyncCollection[Doc]):
    """A collection adapted to FerretDB 1.24 on SQLite (see ``DocGate`` and ``shared.ferretdb.docmatch``).

    Read-modify-write operations go through its database's ``DocGate``; a single-document
    operation whose filter pins ``_id`` and adds conditions (a compare-and-set on a revision,
    an ownership check) fetches the document by ``_id`` alone, which FerretDB serves from its
    index, and checks the conditions in Python: the write gate makes that check-then-write
    atomic within this process.
    """

    async def _pinned(self, doc_id: Any, conditions: Doc, projection: Any = None) -> Doc | None:
        doc = await super().find_one({"_id": doc_id}, projection)
        return doc if doc is not None and matches(doc, conditions) else None

    async def find_one(self, filter: Any = None, *args: Any, **kwargs: Any) -> Any:
        split = _by_id(filter)
        extra = set(kwargs) - {"projection"}
        widened = _widen(args[0] if args else kwargs.get("projection"), split[1]) if split else None
        if split is None or widened is None or len(args) > 1 or extra:
            return await busy_retry(lambda: _Base.find_one(self, filter, *args, **kwargs))
        projection, added = widened
        try:
            doc = await self._pinned(split[0], split[1], projection)
        except Unsupported:  # the document has an array where the filter expects a field
            return await busy_retry(lambda: _Base.find_one(self, filter, *args, **kwargs))
        if doc is not None:
            for field in added:
                doc.pop(field, None)
        return doc

    async def _pinned_write(self, filter: Any, upsert: bool) -> tuple[bool, Any]:
        """Under the document's gate: ``(handled, filter to write with)``. ``handled`` with a
        ``None`` filter means the conditions do not hold and nothing is to be written."""
        split = None if upsert else _by_id(filter)
        if split is None:
            return False, filter
        try:
            doc = await self._pinned(split[0], split[1], dict.fromkeys({p.split(".")[0] for p in split[1]}, 1))
        except Unsupported:
            return False, filter
        return True, ({"_id": split[0]} if doc is not None else None)

    def _gate(self, filter: Any) -> contextlib.AbstractAsyncContextManager[None]:
        database = self.database
        assert isinstance(database, SerialDatabase)
        gate = database.gate(self.name)
        doc_id = plain_id(filter)
        return gate.collection() if doc_id is None else gate.document(doc_id)

    async def insert_one(self, document: Any, *args: Any, **kwargs: Any) -> InsertOneResult:
        return await busy_retry(lambda: _Base.insert_one(self, document, *args, **kwargs))

    async def update_one(self, filter: Any, update: Any, *args: Any, **kwargs: Any) -> UpdateResult:
        async with self._gate(filter):
            handled, pinned = (False, filter) if args or _positional(update) else await self._pinned_write(
                filter, bool(kwargs.get("upsert")))
            if handled and pinned is None:
                return UpdateResult({"n": 0, "nModified": 0, "ok": 1.0}, acknowledged=True)
            return await busy_retry(lambda: _Base.update_one(self, pinned, update, *args, **kwargs))

    async def delete_one(self, filter: Any, *args: Any, **kwargs: Any) -> DeleteResult:
        async with self._gate(filter):
            handled, pinned = (False, filter) if args else await self._pinned_write(filter, False)
            if handled and pinned is None:
                return DeleteResult({"n": 0, "ok": 1.0}, acknowledged=True)
            return await busy_retry(lambda: _Base.delete_one(self, pinned, *args, **kwargs))

    async def replace_one(self, filter: Any, replacement: Any, *args: Any, **kwargs: Any) -> UpdateResult:
        async with self._gate(filter):
            return await busy_retry(lambda: _Base.replace_one(self, filter, replacement, *args, **kwargs))

    async def find_one_and_update(self, filter: Any, update: Any, *args: Any, **kwargs: Any) -> Any:
        async with self._gate(filter):
            handled, pinned = (False, filter) if args or _positional(update) else await self._pinned_write(
                filter, bool(kwargs.get("upsert")))
            if handled and pinned is None:
                return None
            return await busy_retry(lambda: _Base.find_one_and_update(self, pinned, update, *args, **kwargs))

    async def find_one_and_replace(self, filter: Any, replacement: Any, *args: Any, **kwargs: Any) -> Any:
        async with self._gate(filter):
            return await busy_retry(lambda: _Base.find_one_and_replace(self, filter, replacement, *args, **kwargs))

    async def find_one_and_delete(self, filter: Any, *args: Any, **kwargs: Any) -> Any:
        async with self._gate(filter):
            return await busy_retry(lambda: _Base.find_one_and_delete(self, filter, *args, **kwargs))

    async def update_many(self, filter: Any, update: Any, *args: Any, **kwargs: Any) -> UpdateResult:
        async with self._gate(None):
            return await busy_retry(lambda: _Base.update_many(self, filter, update, *args, **kwargs))


def _positional(update: Any) -> bool:
    """Whether an update uses ``$``, which needs the array condition of the filter on the server."""
    if not isinstance(update, Mapping):
        return True  # a pipeline: leave it to the server as written
    return any(".$" in str(path) for fields in update.values() if isinstance(fields, Mapping) for path in fields)


class SerialDatabase(AsyncDatabase[Doc]):
    """A database handing out ``SerialCollection``s that share one gate per collection."""

    def __init__(self, client: AsyncMongoClient[Doc], name: str) -> None:
        super().__init__(client, name)
        self._gates: dict[str, DocGate] = {}

    def gate(self, collection: str) -> DocGate:
        return self._gates.setdefault(collection, DocGate())

    def __getitem__(self, name: str) -> SerialCollection:
        return SerialCollection(self, name)

    def get_collection(self, name: str, *args: Any, **kwargs: Any) -> SerialCollection:
        return SerialCollection(self, name, *args, **kwargs)


