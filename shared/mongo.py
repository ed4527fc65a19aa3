"""One async MongoDB client per process, with the settings every service uses.

Works against MongoDB and FerretDB alike: no sessions or transactions are ever started, and
``retryWrites`` is off because FerretDB 1.x does not support retryable writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]


def connect(url: str, listeners: Sequence[monitoring.CommandListener] = ()) -> AsyncMongoClient[Doc]:
    return AsyncMongoClient(
        url, retryWrites=False, serverSelectionTimeoutMS=5000, tz_aware=True, uuidRepresentation="standard",
        event_listeners=list(listeners),
    )


def database(client: AsyncMongoClient[Doc], name: str) -> AsyncDatabase[Doc]:
    return client[name]
