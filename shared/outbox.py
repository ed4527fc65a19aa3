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
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import structlog
from cachetools import TTLCache
from pymongo import monitoring
from pymongo.asynchronous.collection import AsyncCollection

from shared.envelope import Envelope
from shared.mongo import Doc, plain_id

if TYPE_CHECKING:
    from shared.staged_outbox import StagedOutbox

OUTBOX = "_outbox"
T = TypeVar("T")
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


class PendingHints(monitoring.CommandListener):
    """Watches the client's writes and tells the relay which documents just queued events.

    FerretDB's SQLite backend uses no index except ``_id``: ``find({"_outbox_pending": True})``
    parses every document of the collection. Polling that several times a second saturates the
    store, so the relay looks up hinted documents by ``_id`` instead and scans only at start
    and every ``rescan`` seconds as a safety net. The hints come from PyMongo's
    command monitoring, so no write site has to remember to send one.
    """

    def __init__(self) -> None:
        self._started: dict[int, tuple[str, str, list[Any]]] = {}
        self.on_hint: Callable[[str, str, list[Any]], None] | None = None

    @staticmethod
    def _queues(update: Any) -> bool:
        if not isinstance(update, Mapping):
            return False
        return any(isinstance(update.get(op), Mapping) and update[op].get(PENDING) is True
                   for op in ("$set", "$setOnInsert")) or update.get(PENDING) is True

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        cmd, ids = event.command, []
        if event.command_name == "insert":
            ids = [d.get("_id") for d in cmd.get("documents", []) if d.get(PENDING) is True]
        elif event.command_name == "update":
            ids = [plain_id(u.get("q")) for u in cmd.get("updates", []) if self._queues(u.get("u"))]
        elif event.command_name == "findAndModify" and self._queues(cmd.get("update")):
            ids = [plain_id(cmd.get("query"))]
        ids = [i for i in ids if i is not None]
        if ids:
            self._started[event.request_id] = (event.database_name, str(cmd.get(event.command_name)), ids)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        hint = self._started.pop(event.request_id, None)
        if hint is not None and self.on_hint is not None:
            self.on_hint(*hint)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._started.pop(event.request_id, None)


class OutboxRelay:
    """Publishes pending events from the given collections until stopped.

    A hint (``hint()``, fed by ``PendingHints``) wakes it right after a write, so the latency of
    a healthy system is one round trip to Kafka. It scans the collections at start, after a
    failed scan and every ``rescan`` seconds; a failed publish puts its hinted documents back.
    While Kafka is down it backs off (up to ``max_backoff``) and keeps the events where they are.
    """

    def __init__(
        self,
        collections: Sequence[AsyncCollection[Doc]],
        publish: Publish,
        *,
        interval: float = 0.2,
        rescan: float = 300.0,
        max_backoff: float = 5.0,
        batch: int = 500,
        parallel: int = 1,
        staged: StagedOutbox | None = None,
        remember: float = 600.0,
    ) -> None:
        self._collections = {(c.database.name, c.name): c for c in collections}
        self._staged = staged
        self._recheck: float | None = None
        self._publish = publish
        self._interval = interval
        self._rescan = rescan
        self._max_backoff = max_backoff
        self._batch = batch
        self._parallel = parallel
        self._wake = asyncio.Event()
        self._hinted: dict[tuple[str, str], set[Any]] = {}
        self._in_flight: dict[tuple[str, str], set[Any]] = {}
        # Published, not yet removed from their documents: a read that raced the removal must not
        # publish them again. Ids whose removal finished wait in ``_marked`` until the next drain
        # starts, because the drain under way may have read the document before the removal.
        self._unmarked: set[str] = set()
        self._marked: set[str] = set()
        self._marking: set[asyncio.Task[None]] = set()
        # Every event this process had acknowledged in the last ``remember`` seconds. An event found
        # again after its removal is removed again, not re-published: a store that does not isolate
        # an update from the relay's removal (FerretDB without its adapter: measured, the removal
        # matches and a concurrent write puts the old envelopes back) would otherwise send it twice.
        # Kept in memory only, so a crash still re-publishes (at-least-once; consumers dedupe).
        self._recent: TTLCache[str, bool] = TTLCache(maxsize=200_000, ttl=remember)
        self._marking_turn = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._more = False  # the last scan stopped at ``batch``: there may be more pending
        self.published = 0
        self.last_error: str | None = None

    def kick(self) -> None:
        self._wake.set()

    def backlog(self) -> int:
        """Documents a write announced (or a failed publish put back) and not yet published: what
        this process knows waits, without asking the store."""
        return sum(len(ids) for ids in self._hinted.values()) + sum(len(ids) for ids in self._in_flight.values())

    def hint(self, database: str, collection: str, ids: list[Any]) -> None:
        key = (database, collection)
        if key in self._collections:
            self._hinted.setdefault(key, set()).update(ids)
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
        if self._marking:
            await asyncio.gather(*self._marking, return_exceptions=True)

    async def _run(self) -> None:
        backoff = self._interval
        loop = asyncio.get_running_loop()
        next_scan = loop.time()  # scan first: events left by a previous run or another process
        while True:
            full = loop.time() >= next_scan
            try:
                await self.drain_once(full=full)
                backoff = self._interval
                self.last_error = None
                if full:
                    next_scan = loop.time() + self._rescan
                    if self._recheck is not None:  # staged records too young to judge: look again then
                        next_scan = min(next_scan, loop.time() + self._recheck)
                if full and self._more:
                    next_scan = loop.time()  # the scan stopped at a full batch: scan again at once
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = str(exc)
                log.warning("outbox.publish_failed", error=str(exc), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                if full:
                    next_scan = loop.time()  # hinted documents were put back; a failed scan is redone
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.01, min(self._rescan, next_scan - loop.time())))
            self._wake.clear()

    async def _pending_docs(self, key: tuple[str, str], coll: AsyncCollection[Doc], full: bool) -> list[Doc]:
        if full:
            self._hinted.pop(key, None)
            return await self._scan(coll)
        ids = self._hinted.pop(key, set())
        self._in_flight[key] = ids
        # One _id lookup each (the only lookup FerretDB/SQLite serves without parsing every
        # document), ``parallel`` at a time: 1 by default, since even an _id lookup walks the
        # SQLite table and concurrent ones starve the application's own writes on FerretDB.
        found = await self._bounded(coll.find_one({"_id": doc_id}, {OUTBOX: 1, SEQ: 1, PENDING: 1}) for doc_id in ids)
        return [doc for doc in found if doc is not None and doc.get(PENDING)]

    async def _scan(self, coll: AsyncCollection[Doc]) -> list[Doc]:
        """Pending documents with events not yet published, up to ``batch``, page by page in
        ``_id`` order. Pages whose events are all out and only waiting for their removal are
        passed over: otherwise, with a backlog of removals (each rewrite is slow on FerretDB),
        every scan would read the same first page and never reach an event nobody published."""
        found: list[Doc] = []
        last: Any = None
        while len(found) < self._batch:
            query: Doc = {PENDING: True} if last is None else {PENDING: True, "_id": {"$gt": last}}
            page = await coll.find(query, {OUTBOX: 1, SEQ: 1}).sort("_id", 1).limit(self._batch).to_list()
            found += [d for d in page if any(e.get("event_id") not in self._unmarked for e in d.get(OUTBOX, []))]
            if len(page) < self._batch:
                break
            last = page[-1]["_id"]
        self._more = self._more or len(found) >= self._batch
        return found[: self._batch]

    async def _bounded(self, calls: Iterable[Awaitable[T]]) -> list[T]:
        gate = asyncio.Semaphore(self._parallel)

        async def one(call: Awaitable[T]) -> T:
            async with gate:
                return await call

        return await asyncio.gather(*(one(c) for c in calls))

    async def _mark(self, key: tuple[str, str], coll: AsyncCollection[Doc],
                    pending: list[tuple[Doc, list[Envelope]]], ids: set[str]) -> None:
        try:
            # One rewrite at a time: on FerretDB each one scans the table under the store's writer
            # lock, and concurrent ones starve the application's own writes (measured: 6/s).
            async with self._marking_turn:
                for doc, es in pending:
                    await _mark_published(coll, doc, es)
        except Exception as exc:
            # Published but still in the documents: look again (a re-publish is absorbed by consumers).
            log.warning("outbox.mark_failed", error=str(exc))
            self.hint(*key, [doc["_id"] for doc, _ in pending])
        finally:
            self._marked |= ids

    async def drain_once(self, *, full: bool = True) -> int:
        """Publish what is pending (hinted documents, or a scan of every collection when
        ``full``); returns how many events went out."""
        self._unmarked -= self._marked  # every read from here on sees those removals
        self._marked = set()
        if full:
            self._more = False
        total = await self._drain_staged(full) if self._staged is not None else 0
        for key, coll in self._collections.items():
            try:
                docs = await self._pending_docs(key, coll, full)
                pending = [(d, [Envelope.model_validate(e) for e in d.get(OUTBOX, [])]) for d in docs]
                # Events already out whose removal from the document is still under way are skipped.
                envs = [e for _, es in pending for e in es
                        if e.event_id not in self._unmarked and e.event_id not in self._recent]
                if envs:
                    await self._publish(envs)
                    self._recent.update(dict.fromkeys((e.event_id for e in envs), True))
            except BaseException:
                # Put the hinted documents back, so an outage costs no scan of the collections.
                self._hinted.setdefault(key, set()).update(self._in_flight.pop(key, set()))
                raise
            self._in_flight.pop(key, None)
            if pending:
                # Removing published events rewrites each document, which on FerretDB waits for the
                # store's writer; do it beside the next round of publishing, not before it.
                ids = {e.event_id for e in envs}
                self._unmarked |= ids
                task = asyncio.create_task(self._mark(key, coll, pending, ids))
                self._marking.add(task)
                task.add_done_callback(self._marking.discard)
            total += len(envs)
            self.published += len(envs)
        if total:
            log.debug("outbox.published", count=total, scan=full)
        return total


    async def _drain_staged(self, full: bool) -> int:
        """Creation events: those this process confirmed, and on a scan the unconfirmed ones
        old enough to judge (``StagedOutbox.recover``)."""
        staged = self._staged
        assert staged is not None
        ready = staged.take_ready(self._batch)
        found: list[Doc] = []
        try:
            if full:
                known = {r["_id"] for r in ready} | staged.ready_ids()
                found, young = await staged.recover(known, self._batch)
                self._recheck = staged.recheck_in() if young else None
                self._more = self._more or len(found) >= self._batch
            if ready or found:
                await self._publish([Envelope.model_validate(r["envelope"]) for r in ready + found])
        except BaseException:
            staged.put_back(ready)
            if found:
                staged.mark_unknown()  # found again by the next scan
            raise
        if ready or found:
            staged.published(ready + found, confirmed=len(ready))
            self.published += len(ready) + len(found)
        if ready or found or full:
            task = asyncio.create_task(self._compact(staged))
            self._marking.add(task)
            task.add_done_callback(self._marking.discard)
        return len(ready) + len(found)

    async def _compact(self, staged: StagedOutbox) -> None:
        try:
            async with self._marking_turn:
                await staged.compact()
        except Exception as exc:
            log.warning("outbox.compact_failed", error=str(exc))


async def _mark_published(coll: AsyncCollection[Doc], doc: Doc, published: Sequence[Envelope]) -> None:
    # Common case first: nothing was queued since the read, so one write empties it.
    done = await coll.update_one({"_id": doc["_id"], SEQ: doc.get(SEQ, 0)}, {"$set": {OUTBOX: [], PENDING: False}})
    if not done.matched_count:
        await _remove_published(coll, doc["_id"], {e.event_id for e in published})


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
