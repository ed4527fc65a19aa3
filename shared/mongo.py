"""One async MongoDB client per process, with the settings every service uses.

Works against MongoDB and FerretDB alike: no sessions or transactions are ever started, and
``retryWrites`` is off because FerretDB 1.x does not support retryable writes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.results import UpdateResult

Doc = dict[str, Any]


def connect(url: str, listeners: Sequence[monitoring.CommandListener] = ()) -> AsyncMongoClient[Doc]:
    return AsyncMongoClient(
        url, retryWrites=False, serverSelectionTimeoutMS=5000, tz_aware=True, uuidRepresentation="standard",
        event_listeners=list(listeners),
    )


class DocGate:
    """Lets one write at a time touch a document, or one write the whole collection.

    FerretDB 1.24 (SQLite) applies an update as an unisolated read-modify-write: two concurrent
    updates of one document lose one of them, and a compare-and-set filter can match twice
    (measured: 8 tasks x 100 concurrent ``$inc`` applied 110). Queueing this process's writes per
    document makes single-document updates and compare-and-set atomic again, as long as one
    process writes a database, which is how every service runs. MongoDB needs none of this
    (``*_MONGO_SERIALISE_WRITES=false`` in production).
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


def _plain_id(filter: Any) -> Any:
    doc_id = filter.get("_id") if isinstance(filter, Mapping) else None
    return None if doc_id is None or isinstance(doc_id, Mapping) else doc_id


class SerialCollection(AsyncCollection[Doc]):
    """A collection whose read-modify-write operations go through its database's ``DocGate``."""

    def _gate(self, filter: Any) -> contextlib.AbstractAsyncContextManager[None]:
        database = self.database
        assert isinstance(database, SerialDatabase)
        gate = database.gate(self.name)
        doc_id = _plain_id(filter)
        return gate.collection() if doc_id is None else gate.document(doc_id)

    async def update_one(self, filter: Any, update: Any, *args: Any, **kwargs: Any) -> UpdateResult:
        async with self._gate(filter):
            return await super().update_one(filter, update, *args, **kwargs)

    async def replace_one(self, filter: Any, replacement: Any, *args: Any, **kwargs: Any) -> UpdateResult:
        async with self._gate(filter):
            return await super().replace_one(filter, replacement, *args, **kwargs)

    async def find_one_and_update(self, filter: Any, update: Any, *args: Any, **kwargs: Any) -> Any:
        async with self._gate(filter):
            return await super().find_one_and_update(filter, update, *args, **kwargs)

    async def find_one_and_replace(self, filter: Any, replacement: Any, *args: Any, **kwargs: Any) -> Any:
        async with self._gate(filter):
            return await super().find_one_and_replace(filter, replacement, *args, **kwargs)

    async def find_one_and_delete(self, filter: Any, *args: Any, **kwargs: Any) -> Any:
        async with self._gate(filter):
            return await super().find_one_and_delete(filter, *args, **kwargs)

    async def update_many(self, filter: Any, update: Any, *args: Any, **kwargs: Any) -> UpdateResult:
        async with self._gate(None):
            return await super().update_many(filter, update, *args, **kwargs)


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


def database(client: AsyncMongoClient[Doc], name: str, *, serialise_writes: bool) -> AsyncDatabase[Doc]:
    """The service's database; with ``serialise_writes`` (FerretDB), writes are gated per document."""
    return SerialDatabase(client, name) if serialise_writes else client[name]
