"""Creation events on FerretDB: kept beside the new document, in this process's staging collection.

The events of a *change* travel inside the changed document (``shared.outbox``). For a *new*
document that would cost, on FerretDB 1.24 (SQLite), two more table scans per document: the
relay's read and its "published" rewrite (SQLite never uses the ``_id`` index there; measured
390 ms per rewrite with 3,500 entries stored), which throttled the deadline rush to 40–80
submissions/s. So a creation first writes its events as records of a staging collection, then
inserts the document:

- the insert succeeds: the records are *confirmed* in memory and the relay publishes them
  straight away;
- the server refuses the insert (a duplicate key): the records are never published;
- anything else (a crash, a timeout, a cancelled request): the relay's scan judges the records
  once no write of them can still be under way: the document exists, so the events are
  published; it does not, so they are dropped. A new document is inserted in one atomic write,
  so its existence proves the events describe real state. Records this process wrote are judged
  ``grace`` seconds after writing (a timed-out command may still reach the store).

Published records are not deleted one by one (on FerretDB every delete parses the whole
collection): when nothing in it is outstanding the collection is dropped, which costs the same
whatever it holds. So each process writes its own collection, ``outbox_p_<writer>``, and holds a
lease on it in ``outbox_leases`` (renewed every ``lease / 5`` s): a replica's drop never touches
another's records. A collection whose holder is gone (its lease expired, or its process is no
longer alive on this host, or no lease: the single ``outbox`` of earlier versions) is *adopted*
by whichever process claims its lease: ``restart_grace`` s after it is seen gone (a killed
process's last command may still land), its records are judged like this process's own, then the
collection is dropped and its lease deleted. After a crash the creations whose outcome was
unknown reach Kafka within seconds of the restart. Two processes may both claim one lease on
FerretDB (a compare-and-set can match twice): both then publish the same records, which consumers
absorb by event id, as they do a crash before the drop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
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
from shared.staged_outbox import StagedOutbox

log = structlog.get_logger(__name__)

OWN = "_p_"  # outbox_p_<writer>: one process's staging collection
LEASES = "_leases"


@dataclass
class _Pending:
    coll: AsyncCollection[Doc]
    doc: Doc
    recs: list[Doc]
    fut: asyncio.Future[None]


def _write_error(err: Mapping[str, Any]) -> WriteError:
    cls = DuplicateKeyError if err.get("code") == DUPLICATE_KEY else WriteError
    return cls(err.get("errmsg", ""), err.get("code"), dict(err))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class _Adopted:
    """A gone process's staging collection this process claimed: what it read and settled."""

    seen: set[Any]
    settled: set[Any]


class FerretStagedOutbox(StagedOutbox):
    """This process's staging collection, its lease, and the collections it adopted."""

    def __init__(self, records: AsyncCollection[Doc], *, grace: float = 60.0, restart_grace: float = 3.0,
                 drop_every: float = 10.0, max_group: int = 64, lease: float = 15.0, **_: Any) -> None:
        super().__init__(records)
        self.base = records.name
        self.database = records.database
        self.leases = self.database[self.base + LEASES]
        self.lease = lease
        self.host = socket.gethostname()
        self._own_lease = False
        self._lease_lock = asyncio.Lock()
        self._heartbeat: asyncio.Task[None] | None = None
        self._claimed: dict[str, _Adopted] = {}
        self._gone_since: dict[str, datetime] = {}
        self._new_writer()
        self.grace = grace
        self.restart_grace = restart_grace
        self.started_at = datetime.now(UTC)
        # A drop and the re-creation by the next insert change SQLite's schema, which makes every
        # connection prepare its statements again: at most one per ``drop_every`` seconds.
        self.drop_every = drop_every
        self._last_drop = time.monotonic()
        self.on_ready: Callable[[], None] | None = None
        self._ready: list[Doc] = []
        self._writing = 0  # records being written, or written and not yet published or refused
        self._settled: set[Any] = set()  # published or refused by this process, still stored
        self._unknown = False  # the collection holds records only a scan can judge
        self._doubts = 0  # writes whose outcome is unknown, ever (a scan clears _unknown only if none came meanwhile)
        self._dropping: asyncio.Lock = asyncio.Lock()
        self.drops = 0
        self.max_group = max_group
        self.groups = 0  # groups written (each of one or more creations)
        self._queue: list[_Pending] = []
        self._writer: asyncio.Task[None] | None = None
        self._in_flight: list[_Pending] = []

    def _new_writer(self) -> None:
        self.writer = uuid.uuid4().hex  # names this process's records and its collection
        self.records = self.database[f"{self.base}{OWN}{self.writer}"]
        self._own_lease = False

    def _holder(self) -> Doc:
        return {"writer": self.writer, "host": self.host, "pid": os.getpid(),
                "until": datetime.now(UTC) + timedelta(seconds=self.lease)}

    async def _hold_lease(self) -> None:
        """Taken before this process's first record, renewed while it lives."""
        if self._own_lease:
            return
        async with self._lease_lock:
            if not self._own_lease:
                await self.leases.update_one({"_id": self.records.name}, {"$set": self._holder()}, upsert=True)
                self._own_lease = True
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(self._renewing(), name="outbox-lease")

    async def _renewing(self) -> None:
        while True:
            await asyncio.sleep(self.lease / 5)
            try:
                await self._renew()
            except Exception as exc:  # the store is away: the next renewal may reach it
                log.warning("outbox.lease_renewal_failed", error=str(exc)[:200])

    async def _renew(self) -> None:
        names = ([self.records.name] if self._own_lease else []) + list(self._claimed)
        for name in names:
            res = await self.leases.update_one({"_id": name, "writer": self.writer}, {"$set": self._holder()})
            if not res.matched_count and name == self.records.name:
                # Stalled past the lease and adopted by another process: what is in that collection is
                # theirs to judge now (including this process's unknown writes); go on in a new one.
                log.warning("outbox.lease_lost", collection=name)
                self.mark_unknown()
                self._new_writer()

    async def insert(self, coll: AsyncCollection[Doc], doc: Doc, *events: Envelope) -> None:
        """Insert ``doc``; its ``events`` reach Kafka if and only if the document exists.

        Concurrent calls are written together (group commit): while one group is being written
        the next one gathers, and each group costs two commands (its event records, then its
        documents) instead of two per document. The outcome is each caller's own: a document the
        server refuses raises that caller's ``DuplicateKeyError`` and nobody else's."""
        if not events:
            await coll.insert_one(doc)
            return
        recs = [{"_id": e.event_id, "coll": coll.name, "doc_id": doc["_id"],
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

    async def _finish_writes(self, within: float) -> None:
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
            await self._hold_lease()
            for r in recs:
                r["writer"] = self.writer
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
        for r in recs:
            self._settle(r)
        self._release(confirmed)

    def _settle(self, rec: Doc) -> None:
        adopted = self._claimed.get(rec.get("_from", ""))
        (adopted.settled if adopted is not None else self._settled).add(rec["_id"])

    async def compact(self) -> bool:
        """Drop this process's collection when every record in it is settled, and each adopted
        one whose records all are; True when this process's own was dropped."""
        for name, adopted in list(self._claimed.items()):
            if adopted.seen <= adopted.settled:
                await self._release_adopted(name, adopted)
        if self._writing or self._ready or self._unknown or not self._settled:
            return False
        if time.monotonic() - self._last_drop < self.drop_every:
            return False
        return await self._drop_own()

    async def _drop_own(self) -> bool:
        async with self._dropping:
            if self._writing or self._ready or self._unknown:
                return False
            await self.records.drop()
            self._settled.clear()
            self.drops += 1
            self._last_drop = time.monotonic()
        return True

    async def _release_adopted(self, name: str, adopted: _Adopted) -> None:
        """Drop an adopted collection, unless a record appeared that was not judged (its holder was
        only stalled after all): then it is judged by the next scan first."""
        stored = {r["_id"] for r in await self.database[name].find({}, {"_id": 1}).to_list()}
        if not stored <= adopted.seen:
            return
        await self.database[name].drop()
        await self.leases.delete_one({"_id": name, "writer": self.writer})
        del self._claimed[name]
        log.info("outbox.adopted_collection_dropped", collection=name, records=len(adopted.seen))

    async def close(self, within: float = 10.0) -> None:
        """Let the creations under way finish, drop this process's collection if all of it is
        settled (so nobody adopts and re-publishes it), and stop renewing the lease."""
        await self._finish_writes(within)
        with contextlib.suppress(Exception):
            if not (self._writing or self._ready or self._unknown) and (not self._settled or await self._drop_own()):
                await self.leases.delete_one({"_id": self.records.name, "writer": self.writer})
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat

    def recheck_in(self) -> float:
        """Seconds until records too young to judge now can be: a gone process's soon after it
        was seen gone, this process's own after ``grace``."""
        now = datetime.now(UTC)
        starts = [self.started_at, *self._gone_since.values()]
        left = max((t + timedelta(seconds=self.restart_grace) - now).total_seconds() for t in starts)
        return max(left, 0) + 0.2 if left > 0 else self.grace + 1

    def _gone(self, lease: Doc | None, name: str, now: datetime) -> bool:
        """Whether the holder of ``name`` is gone (so its records are for this process to judge)."""
        if lease is None:
            return True  # every holder takes its lease before its first record
        until = lease["until"] if lease["until"].tzinfo else lease["until"].replace(tzinfo=UTC)
        if lease.get("writer") == self.writer:
            return name in self._claimed
        return until < now or (lease.get("host") == self.host and not _alive(int(lease.get("pid", 0))))

    async def _claim(self, name: str, lease: Doc | None) -> bool:
        if lease is not None and lease.get("writer") == self.writer:
            return True
        holder = self._holder()
        if lease is None:
            try:
                await self.leases.insert_one({"_id": name, **holder})
            except DuplicateKeyError:
                return False
            return True
        res = await self.leases.update_one({"_id": name, "writer": lease.get("writer"), "until": lease["until"]},
                                           {"$set": holder})
        return bool(res.matched_count)

    async def _abandoned(self, now: datetime) -> list[str]:
        """Other processes' staging collections whose holder is gone and that this process claimed,
        ``restart_grace`` after they were first seen gone (and after this process started)."""
        names = [n for n in await self.database.list_collection_names()
                 if (n == self.base or n.startswith(self.base + OWN)) and n != self.records.name]
        leases = {d["_id"]: d async for d in self.leases.find({"_id": {"$in": names}})} if names else {}
        ready: list[str] = []
        for name in names:
            if not self._gone(leases.get(name), name, now):
                self._gone_since.pop(name, None)
                continue
            since = self._gone_since.setdefault(name, max(now, self.started_at))
            if now < since + timedelta(seconds=self.restart_grace):
                continue
            if name in self._claimed or await self._claim(name, leases.get(name)):
                self._claimed.setdefault(name, _Adopted(set(), set()))
                self._gone_since.pop(name, None)
                ready.append(name)
        return ready

    async def recover(self, known: set[Any], limit: int) -> tuple[list[Doc], int]:
        """Records not yet settled, once old enough to judge: this process's own ``grace`` after
        writing, an adopted collection's at once. Those whose document exists are returned for
        publishing, the others are settled as orphans. Also returns how many are still too young
        to judge, or waiting for a gone process's collection (the caller looks again)."""
        doubts = self._doubts
        now = datetime.now(UTC)
        cutoff = now - timedelta(seconds=self.grace)
        previous_settled = now >= self.started_at + timedelta(seconds=self.restart_grace)
        publish: list[Doc] = []
        orphans = young = 0
        adopted = await self._abandoned(now)
        for name in [self.records.name, *adopted]:
            found = await self.database[name].find({}).to_list()
            found.sort(key=lambda r: (r["at"], r["_id"]))
            claim = self._claimed.get(name)
            settled = claim.settled if claim is not None else self._settled
            for rec in found:
                if rec["_id"] in known or rec["_id"] in settled:
                    continue
                at = rec["at"] if rec["at"].tzinfo else rec["at"].replace(tzinfo=UTC)
                if claim is None and not (previous_settled if rec.get("writer") != self.writer else at <= cutoff):
                    young += 1
                    continue
                if len(publish) >= limit:
                    young += 1  # not judged in this round
                    continue
                if claim is not None:
                    claim.seen.add(rec["_id"])
                    rec["_from"] = name
                exists = await self.database[rec["coll"]].find_one({"_id": rec["doc_id"]}, {"_id": 1})
                if exists is not None:
                    publish.append(rec)
                else:
                    orphans += 1
                    settled.add(rec["_id"])
        if orphans:
            log.warning("outbox.orphan_events_dropped", count=orphans)
        if adopted:
            log.info("outbox.adopted", collections=adopted, publishing=len(publish))
        self._unknown = bool(young) or doubts != self._doubts  # this process's own records only
        return publish, young + len(self._gone_since)
