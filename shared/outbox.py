"""The transactional outbox without transactions.

FerretDB (and a MongoDB without replica-set sessions) cannot write two documents atomically,
so the events a change causes are stored *inside the changed document* in the same
single-document write: ``_outbox`` holds the pending envelopes, ``_outbox_pending`` is an
indexed flag the relay looks for and ``_outbox_seq`` counts every event ever queued. The
relay publishes with the idempotent producer, waits for the broker's acknowledgement, and
only then removes the published envelopes with a compare-and-set on ``_outbox_seq`` (FerretDB
silently ignores ``$pull`` with a condition, so the relay rewrites the array instead and
retries if a writer queued more events meanwhile). A crash between publish and removal
re-publishes, which consumers absorb by event id: at-least-once delivery, effectively-once
effects.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import structlog
from pymongo.asynchronous.collection import AsyncCollection

from shared.envelope import Envelope
from shared.mongo import Doc

OUTBOX = "_outbox"
PENDING = "_outbox_pending"
SEQ = "_outbox_seq"

log = structlog.get_logger(__name__)

Publish = Callable[[Sequence[Envelope]], Awaitable[None]]


def _wire(envs: Iterable[Envelope]) -> list[dict[str, Any]]:
    return [e.model_dump(mode="json") for e in envs]


def new_document(doc: Doc, *events: Envelope) -> Doc:
    """A document to insert, carrying the events its creation causes."""
    return {**doc, OUTBOX: _wire(events), PENDING: bool(events), SEQ: len(events)}


def with_events(update: Doc, *events: Envelope) -> Doc:
    """Extend a MongoDB update so the same single-document write also queues ``events``."""
    if not events:
        return update
    merged = {k: dict(v) for k, v in update.items()}
    merged.setdefault("$push", {})[OUTBOX] = {"$each": _wire(events)}
    merged.setdefault("$set", {})[PENDING] = True
    merged.setdefault("$inc", {})[SEQ] = len(events)
    return merged


async def ensure_indexes(collections: Iterable[AsyncCollection[Doc]]) -> None:
    for coll in collections:
        await coll.create_index(PENDING)


class OutboxRelay:
    """Publishes pending events from the given collections until stopped.

    ``kick()`` wakes it right after a write, so the latency of a healthy system is one round
    trip to Kafka; otherwise it polls every ``interval`` seconds. While Kafka is down it backs
    off (up to ``max_backoff``) and keeps the events where they are.
    """

    def __init__(
        self,
        collections: Sequence[AsyncCollection[Doc]],
        publish: Publish,
        *,
        interval: float = 0.2,
        max_backoff: float = 5.0,
        batch: int = 500,
    ) -> None:
        self._collections = collections
        self._publish = publish
        self._interval = interval
        self._max_backoff = max_backoff
        self._batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.published = 0

    def kick(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = self._interval
        while True:
            try:
                sent = await self.drain_once()
                backoff = self._interval
                if sent:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox.publish_failed", error=str(exc), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()

    async def drain_once(self) -> int:
        """Publish one batch from every collection; returns how many events went out."""
        total = 0
        for coll in self._collections:
            docs = await coll.find({PENDING: True}, {OUTBOX: 1, SEQ: 1}).limit(self._batch).to_list()
            pending = [(d, [Envelope.model_validate(e) for e in d.get(OUTBOX, [])]) for d in docs]
            envs = [e for _, es in pending for e in es]
            if envs:
                await self._publish(envs)
            for doc, es in pending:
                # Common case first: nothing was queued since the read, so one write empties it.
                done = await coll.update_one({"_id": doc["_id"], SEQ: doc.get(SEQ, 0)},
                                             {"$set": {OUTBOX: [], PENDING: False}})
                if not done.matched_count:
                    await _remove_published(coll, doc["_id"], {e.event_id for e in es})
            total += len(envs)
        self.published += total
        if total:
            log.debug("outbox.published", count=total)
        return total


async def _remove_published(coll: AsyncCollection[Doc], doc_id: Any, published: set[str]) -> None:
    """Drop the published envelopes, keeping any queued since the relay read the document."""
    while True:
        cur = await coll.find_one({"_id": doc_id}, {OUTBOX: 1, SEQ: 1})
        if cur is None:
            return
        remaining = [e for e in cur.get(OUTBOX, []) if e.get("event_id") not in published]
        res = await coll.update_one(
            {"_id": doc_id, SEQ: cur.get(SEQ, 0)}, {"$set": {OUTBOX: remaining, PENDING: bool(remaining)}}
        )
        if res.matched_count:
            return
