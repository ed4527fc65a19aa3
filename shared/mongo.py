"""One async MongoDB client per process, with the settings every service uses, and the service's
database for its store (``store=mongodb``: the database as the driver gives it; ``ferretdb``:
through the adapter in ``shared.ferretdb``).

Works against MongoDB and FerretDB alike: no sessions or transactions are ever started, and
``retryWrites`` is off because FerretDB 1.x does not support retryable writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

Doc = dict[str, Any]
Store = Literal["ferretdb", "mongodb"]


# How long an operation waits for an unreachable store before failing (then: 503, or a consumer
# that waits and tries again): seconds, not the driver's default 30 s.
SERVER_SELECTION_MS = 3000


def connect(url: str, listeners: Sequence[monitoring.CommandListener] = ()) -> AsyncMongoClient[Doc]:
    return AsyncMongoClient(
        url, retryWrites=False, serverSelectionTimeoutMS=SERVER_SELECTION_MS, tz_aware=True,
        uuidRepresentation="standard", event_listeners=list(listeners),
    )


DUPLICATE_KEY = 11000


async def insert_new(coll: AsyncCollection[Doc], docs: Sequence[Doc]) -> set[Any]:
    """Insert ``docs`` in one command, skipping any whose ``_id`` is already stored (the way an
    insert-only record stays idempotent); returns the ``_id``s so skipped. Any other write error
    is raised."""
    if not docs:
        return set()
    try:
        if len(docs) == 1:
            await coll.insert_one(docs[0])
        else:
            await coll.insert_many(docs, ordered=False)
    except DuplicateKeyError:
        return {docs[0]["_id"]}
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if exc.details.get("writeConcernErrors") or any(err.get("code") != DUPLICATE_KEY for err in errors):
            raise
        return {docs[err["index"]]["_id"] for err in errors}
    return set()


def plain_id(filter: Any) -> Any:
    """The ``_id`` a filter pins with a plain value, or None (no ``_id``, or an operator)."""
    doc_id = filter.get("_id") if isinstance(filter, Mapping) else None
    return None if doc_id is None or isinstance(doc_id, Mapping) else doc_id



def database(client: AsyncMongoClient[Doc], name: str, store: Store | None = None, *,
             serialise_writes: bool | None = None) -> AsyncDatabase[Doc]:
    """The service's database on its ``store``; ``serialise_writes=True`` is the older name of
    ``store="ferretdb"`` (what ``ServiceSettings.mongo_serialise_writes`` still answers)."""
    if store == "ferretdb" or (store is None and serialise_writes):
        from shared.ferretdb.gate import SerialDatabase

        return SerialDatabase(client, name)
    return client[name]
