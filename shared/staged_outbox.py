"""Creation events kept beside the new document, in the service's ``outbox`` collection.

The events of a *change* travel inside the changed document (``shared.outbox``). For a *new*
document that would cost, on FerretDB 1.24 (SQLite), two more table scans per document: the
relay's read and its "published" rewrite (SQLite never uses the ``_id`` index there; measured
390 ms per rewrite with 3,500 entries stored), which throttled the deadline rush to 40–80
submissions/s. So a creation first writes its events as records of the ``outbox`` collection,
then inserts the document:

- the insert succeeds: the records are *confirmed* in memory and the relay publishes them
  straight away;
- the server refuses the insert (a duplicate key): the records are never published;
- anything else (a crash, a timeout, a cancelled request): the relay's scan judges the records
  once no write of them can still be under way: the document exists, so the events are
  published; it does not, so they are dropped. A new document is inserted in one atomic write,
  so its existence proves the events describe real state. Records this process wrote are judged
  ``grace`` seconds after writing (a timed-out command may still reach the store); records of a
  previous process (each record names its writer) ``restart_grace`` seconds after this one
  started, since a process that is gone writes nothing more: after a crash the creations whose
  outcome was unknown reach Kafka within seconds of the restart, not a minute.

Published records are not deleted one by one (on FerretDB every delete parses the whole
collection): when nothing is outstanding the collection is dropped, which costs the same
whatever it holds. So it must be written by one process only, which is how every service runs
(the same rule as ``shared.mongo.DocGate``). A crash before the drop re-publishes what was
already out, which consumers absorb by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

from shared.envelope import Envelope
from shared.mongo import DUPLICATE_KEY, Doc

log = structlog.get_logger(__name__)

COLLECTION = "outbox"


@dataclass
class _Pending:
    coll: AsyncCollection[Doc]
    doc: Doc
    recs: list[Doc]
    fut: asyncio.Future[None]


def _write_error(err: Mapping[str, Any]) -> WriteError:
    cls = DuplicateKeyError if err.get("code") == DUPLICATE_KEY else WriteError
    return cls(err.get("errmsg", ""), err.get("code"), dict(err))


class StagedOutbox:
    """A service's ``outbox`` collection and what this process knows about its records."""

    def __init__(self, records: AsyncCollection[Doc], *, grace: float = 60.0, restart_grace: float = 3.0,
                 drop_every: float = 10.0, max_group: int = 64) -> None:
        self.records = records
        self.grace = grace
        self.restart_grace = restart_grace
        self.writer = uuid.uuid4().hex  # names this process's records
        self.started_at = datetime.now(UTC)
        # A drop and the re-creation by the next insert change SQLite's schema, which makes every
        # connection prepare its statements again: at most one per ``drop_every`` seconds.
        self.drop_every = drop_every
        self._last_drop = time.monotonic()
        self.on_ready: Callable[[], None] | None = None
        self._ready: list[Doc] = []
        self._writing = 0  # records being written, or written and not yet published or refused
        self._settled: set[Any] = set()  # published or refused by this process, still stored
        self._unknown = True  # the collection may hold records of a previous run not yet judged
        self._doubts = 0  # writes whose outcome is unknown, ever (a scan clears _unknown only if none came meanwhile)
        self._dropping: asyncio.Lock = asyncio.Lock()
        self.drops = 0
        self.max_group = max_group
        self.groups = 0  # groups written (each of one or more creations)
        self._queue: list[_Pending] = []
        self._writer: asyncio.Task[None] | None = None
        self._in_flight: list[_Pending] = []

    async def insert(self, coll: AsyncCollection[Doc], doc: Doc, *events: Envelope) -> None:
        """Insert ``doc``; its ``events`` reach Kafka if and only if the document exists.

        Concurrent calls are written together (group commit): while one group is being written
        the next one gathers, and each group costs two commands (its event records, then its
        documents) instead of two per document. The outcome is each caller's own: a document the
        server refuses raises that caller's ``DuplicateKeyError`` and nobody else's."""
        if not events:
            await coll.insert_one(doc)
            return
        recs = [{"_id": e.event_id, "coll": coll.name, "doc_id": doc["_id"], "writer": self.writer,
                 "envelope": e.model_dump(mode="json")} for e in events]
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(coll, doc, recs, fut))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_groups())
        # A caller that goes away (a cancelled request) does not stop its write: the group's
        # outcome decides whether its events are published, as for everyone else.
        await asyncio.shield(fut)

    async def _write_groups(self) -> None:
        try:
            while self._queue:
                group, self._queue = self._queue[:self.max_group], self._queue[self.max_group:]
                by_coll: dict[str, list[_Pending]] = {}
                for p in group:
                    by_coll.setdefault(p.coll.name, []).append(p)
                self._in_flight = group
                for pending in by_coll.values():
                    await self._write_group(pending)
                self._in_flight = []
        finally:
            # Stopped half-way (the service shutting down): nobody is left waiting, and what may
            # have been written is for the scan to judge.
            waiting = [p for p in self._in_flight + self._queue if not p.fut.done()]
            self._in_flight, self._queue = [], []
            if waiting:
                self.mark_unknown()
                for p in waiting:
                    p.fut.set_exception(ConnectionError("stopped before the write finished"))

    async def close(self, within: float = 10.0) -> None:
        """Let the creations under way finish (at shutdown, before the relay stops)."""
        if self._writer is not None and not self._writer.done():
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._writer), within)
            if not self._writer.done():
                self._writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._writer

    async def _write_group(self, group: list[_Pending]) -> None:
        recs: list[Doc] = []
        owner: list[int] = []
        now = datetime.now(UTC)  # when written, which is what the scan's ``grace`` is measured from
        for i, p in enumerate(group):
            for r in p.recs:
                r["at"] = now
                recs.append(r)
                owner.append(i)
        self.groups += 1
        counted = False
        failed: dict[int, WriteError] = {}
        unstored: set[int] = set()  # records the server refused
        try:
            async with self._dropping:  # never write into a collection being dropped
                self._writing += len(recs)
                counted = True
            try:
                await self.records.insert_many(recs, ordered=False)
            except BulkWriteError as exc:
                if exc.details.get("writeConcernErrors"):
                    raise
                for err in exc.details.get("writeErrors", []):
                    unstored.add(err["index"])
                    failed.setdefault(owner[err["index"]], _write_error(err))
            for k, r in enumerate(recs):
                if owner[k] in failed and k not in unstored:
                    self._settled.add(r["_id"])  # stored, but its document will not be written
            writing = [i for i in range(len(group)) if i not in failed]
            docs = [group[i].doc for i in writing]
            try:
                if len(docs) == 1:
                    await group[writing[0]].coll.insert_one(docs[0])
                elif docs:
                    await group[writing[0]].coll.insert_many(docs, ordered=False)
            except BulkWriteError as exc:
                if exc.details.get("writeConcernErrors"):
                    raise
                for err in exc.details.get("writeErrors", []):
                    failed[writing[err["index"]]] = _write_error(err)
            except WriteError as exc:
                failed[writing[0]] = exc
        except BaseException as exc:
            # Outcome unknown (timeout, lost connection): the scan judges these records later.
            self.mark_unknown()
            if counted:
                self._release(len(recs))
            for p in group:
                if not p.fut.done():
                    p.fut.set_exception(exc if isinstance(exc, Exception) else ConnectionError(repr(exc)))
            if not isinstance(exc, Exception):
                raise
            return
        for i, p in enumerate(group):
            if i in failed:
                # Refused by the server (e.g. a duplicate key): the document does not exist.
                self._settled.update(r["_id"] for k, r in enumerate(recs) if owner[k] == i and k not in unstored)
                self._release(len(p.recs))
                p.fut.set_exception(failed[i])
            else:
                self._ready.extend(p.recs)
                p.fut.set_result(None)
        if len(failed) < len(group) and self.on_ready is not None:
            self.on_ready()

    def mark_unknown(self) -> None:
        """The collection holds records only a scan can judge: no drop until one has."""
        self._unknown = True
        self._doubts += 1

    def _release(self, n: int) -> None:
        self._writing -= n

    def in_flight(self) -> int:
        """Creation events written (or being written) and not yet published or refused."""
        return self._writing

    def take_ready(self, limit: int) -> list[Doc]:
        taken, self._ready = self._ready[:limit], self._ready[limit:]
        return taken

    def put_back(self, recs: list[Doc]) -> None:
        """Records whose publishing failed go back to the front, keeping their order."""
        self._ready[:0] = recs

    def ready_ids(self) -> set[Any]:
        return {r["_id"] for r in self._ready}

    def published(self, recs: list[Doc], *, confirmed: int) -> None:
        """``recs`` are on Kafka; the first ``confirmed`` of them were written by this process."""
        self._settled.update(r["_id"] for r in recs)
        self._release(confirmed)

    async def compact(self) -> bool:
        """Drop the collection when every record in it is settled; True when dropped."""
        if self._writing or self._ready or self._unknown or not self._settled:
            return False
        if time.monotonic() - self._last_drop < self.drop_every:
            return False
        async with self._dropping:
            if self._writing or self._ready or self._unknown:
                return False
            await self.records.drop()
            self._settled.clear()
            self.drops += 1
            self._last_drop = time.monotonic()
        return True

    def recheck_in(self) -> float:
        """Seconds until records too young to judge now can be: a previous process's soon after
        start, this process's own after ``grace``."""
        left = (self.started_at + timedelta(seconds=self.restart_grace) - datetime.now(UTC)).total_seconds()
        return max(left, 0) + 0.2 if left > 0 else self.grace + 1

    async def recover(self, known: set[Any], limit: int) -> tuple[list[Doc], int]:
        """Records this process has not settled, once ``grace`` old: those whose document exists
        are returned for publishing, the others are settled as orphans. Also returns how many
        are still too young to judge (the caller looks again after ``grace``)."""
        doubts = self._doubts
        now = datetime.now(UTC)
        cutoff = now - timedelta(seconds=self.grace)
        previous_settled = now >= self.started_at + timedelta(seconds=self.restart_grace)
        found = await self.records.find({}).to_list()
        found.sort(key=lambda r: (r["at"], r["_id"]))
        publish: list[Doc] = []
        orphans = young = 0
        for rec in found:
            if rec["_id"] in known or rec["_id"] in self._settled:
                continue
            at = rec["at"] if rec["at"].tzinfo else rec["at"].replace(tzinfo=UTC)
            if not (previous_settled if rec.get("writer") != self.writer else at <= cutoff):
                young += 1
                continue
            if len(publish) >= limit:
                young += 1  # not judged in this round
                continue
            exists = await self.records.database[rec["coll"]].find_one({"_id": rec["doc_id"]}, {"_id": 1})
            if exists is not None:
                publish.append(rec)
            else:
                orphans += 1
                self._settled.add(rec["_id"])
        if orphans:
            log.warning("outbox.orphan_events_dropped", count=orphans)
        self._unknown = bool(young) or doubts != self._doubts
        return publish, young
