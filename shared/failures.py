"""Telling failures apart: a dependency that is down, busy or slow (transient) versus everything else.

A transient failure is never the message's fault: a consumer waits and tries again without
committing, and a request answers 503 with ``Retry-After``. Anything else is either a poison
message (dead-lettered by the consumer) or a bug (a JSON 500 at the edge).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from aiokafka import errors as kafka_errors
from pymongo import errors as mongo_errors

# What FerretDB's SQLite backend answers when another connection holds the write lock.
_BUSY_MARKERS = ("SQLITE_BUSY", "database is locked", "SQLITE_LOCKED")

_TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    mongo_errors.ConnectionFailure,  # ServerSelectionTimeoutError, AutoReconnect, NetworkTimeout
    mongo_errors.ExecutionTimeout,
    mongo_errors.WTimeoutError,
    kafka_errors.KafkaConnectionError,
    kafka_errors.KafkaTimeoutError,
    kafka_errors.NodeNotReadyError,
    kafka_errors.RequestTimedOutError,
    kafka_errors.KafkaUnavailableError,
    TimeoutError,
    ConnectionError,
)


class StoreUnavailable(Exception):
    """The store could not be reached (raised where code has to name the condition itself)."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def is_busy(exc: BaseException) -> bool:
    """The store refused a write because another one holds its lock (FerretDB/SQLite)."""
    return isinstance(exc, mongo_errors.PyMongoError) and any(m in str(exc) for m in _BUSY_MARKERS)


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says a store or broker is down, busy or slow."""
    for e in _chain(exc):
        if isinstance(e, (StoreUnavailable, *_TRANSIENT_TYPES)):
            return True
        if isinstance(e, asyncio.CancelledError):
            return False
        if is_busy(e):
            return True
        if isinstance(e, mongo_errors.PyMongoError) and (
                e.has_error_label("RetryableWriteError") or e.has_error_label("TransientTransactionError")):
            return True
        if isinstance(e, kafka_errors.KafkaError) and getattr(e, "retriable", False):
            return True
    return False


def which_dependency(exc: BaseException) -> str:
    """``store`` or ``broker``: which one a transient failure came from (for messages and logs)."""
    for e in _chain(exc):
        if isinstance(e, kafka_errors.KafkaError):
            return "broker"
        if isinstance(e, mongo_errors.PyMongoError | StoreUnavailable):
            return "store"
    return "store"
