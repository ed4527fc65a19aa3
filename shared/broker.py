"""Kafka plumbing shared by every service: the producer the relay uses and the consumer wrapper.

The consumer commits an offset only after the messages before it were handled (FastStream's
default would commit on receipt, i.e. at-most-once), in small steps: the inbox is written and
the handled prefix committed once per ``COMMIT_EVERY`` messages or ``COMMIT_AFTER_S`` seconds of
work, so a crash redoes little and a commit per message does not become the broker's largest
cost in the deadline rush.

Failures are told apart (``shared.failures``):

- **transient** (store or broker down, busy or slow): the consumer waits with capped backoff and
  tries the same event again, for as long as it takes; nothing is committed past it and nothing
  is dead-lettered. Logs and ``/health`` say it is waiting and why;
- **poison** (a message that cannot be decoded, or that a handler rejects with
  ``PermanentError``): written to the service's dead-letter topic at once, then passed;
- **a handler bug** (any other exception): retried ``max_attempts`` times with backoff; if it
  still fails it is dead-lettered with the error, so one bad event does not stop its partition.
  Operators replay it after the fix (``python -m shared.admin dlq replay``).

A dead letter carries a bounded excerpt of the original and its topic, partition and offset,
so it always fits the producer's limit (``shared.deadletters``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import structlog
from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared import deadletters, topics
from shared.envelope import Envelope, EventPayload, decode
from shared.failures import is_transient
from shared.inbox import Inbox
from shared.logging import CORRELATION_HEADER, set_correlation_id

log = structlog.get_logger(__name__)

Handler = Callable[[Envelope, Any], Awaitable[None]]
BatchHandler = Callable[[Sequence[tuple[Envelope, Any]]], Awaitable[None]]
BATCH = 500  # at most this many messages per poll
RUN = 100  # at most this many events per call of a batch handler
COMMIT_EVERY = 100
COMMIT_AFTER_S = 1.0
PATIENCE_S = 60.0  # waiting on a dependency inside one poll at most this long (Kafka's poll interval is 300 s)


_FASTSTREAM_LOG = logging.getLogger("faststream.errors")
_FASTSTREAM_LOG.setLevel(logging.WARNING)


class PermanentError(Exception):
    """Raised by a handler when retrying cannot help (the event contradicts known state)."""


class _Transient(Exception):
    """A handler met a transient failure: wait and try the same event again."""


def make_broker(bootstrap: str, client_id: str, middlewares: Sequence[Any] = ()) -> KafkaBroker:
    # enable_idempotence implies acks=all: no duplicates from producer retries, no loss on leader change.
    return KafkaBroker(
        bootstrap,
        client_id=client_id,
        middlewares=tuple(middlewares),
        enable_idempotence=True,
        acks="all",
        request_timeout_ms=15_000,
        logger=_FASTSTREAM_LOG,  # its errors only: one line per message received would drown the logs
    )


def relay_publisher(broker: KafkaBroker) -> Callable[[Sequence[Envelope]], Awaitable[None]]:
    """Publish envelopes in order and return only once Kafka has acknowledged all of them."""

    async def publish(envs: Sequence[Envelope]) -> None:
        futures = [
            await broker.publish(
                env.model_dump_json().encode(),
                env.topic,
                key=env.key.encode(),
                headers={
                    CORRELATION_HEADER: env.correlation_id,
                    "event-type": env.event_type,
                    "content-type": "application/json",
                },
                no_confirm=True,
            )
            for env in envs
        ]
        await asyncio.gather(*futures)

    return publish


class _Item(NamedTuple):
    record: Any
    raw: bytes
    env: Envelope | None  # None: undecodable
    payload: Any
    error: str = ""


@dataclass
class _Run:
    """One poll's records and how far their handling got (kept across waits on a dependency)."""

    records: Sequence[Any]
    items: list[_Item] | None = None
    seen: set[str] | None = None
    next: int = 0  # items before this one are handled, ignored or dead-lettered
    unrecorded: list[Envelope] = field(default_factory=list)  # handled, not yet in the inbox


class _PartitionsMoved(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commits what was handled before partitions change hands, and tells the inbox (see
    ``shared.inbox``)."""

    def __init__(self, consumer: Consumer) -> None:
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self._consumer.flush_commits(set(revoked))
        self._consumer.inbox.partitions_moved()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self._consumer.inbox.partitions_moved()


async def _raw_body(msg: Any) -> Any:
    """Envelopes are decoded (once) by ``shared.envelope.decode``, not by FastStream."""
    return msg.body


class Consumer:
    """One service's subscription: event type -> handler, with inbox, failure classification and
    dead letters.

    Messages arrive in batches of whatever the broker has (at most ``BATCH``); the inbox is asked
    once per batch. Handlers run one event at a time and in order, except a *batch handler*
    (``batch_handlers``), which gets each run of consecutive events of its type (at most ``RUN``)
    at once, so it can write them in one command. Besides its topics, the consumer reads its
    service's replay topic, where operators put dead letters back.
    """

    def __init__(
        self,
        broker: KafkaBroker,
        *,
        service: str,
        group_id: str,
        inbox: Inbox,
        handlers: Mapping[type[EventPayload], Handler],
        batch_handlers: Mapping[type[EventPayload], BatchHandler] | None = None,
        max_attempts: int = 5,
        backoff: float = 0.2,
        max_wait: float = 10.0,
        patience: float = PATIENCE_S,
    ) -> None:
        self._broker = broker
        self._service = service
        self.inbox = inbox
        self._handlers = {cls.event_type: h for cls, h in handlers.items()}
        self._batch_handlers = {cls.event_type: h for cls, h in (batch_handlers or {}).items()}
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._max_wait = max_wait
        self._patience = patience
        self._dlq = topics.dead_letter(service).name
        self.topics = sorted({cls.topic for cls in handlers} | {cls.topic for cls in batch_handlers or {}}
                             | {topics.replay(service).name})
        self.handled = 0
        self.dead_lettered = 0
        self.transient_retries = 0
        self.waiting_since: datetime | None = None
        self._kafka: Any = None  # the aiokafka consumer, known from the first message
        self._to_commit: dict[TopicPartition, int] = {}
        self._handled_to: dict[TopicPartition, int] = {}  # next offset to handle, for the lag metric
        self._committing = asyncio.Lock()  # commits in order: an older one never lands after a newer one
        self._flusher: asyncio.Task[None] | None = None
        self._uncommitted = 0
        self._last_commit = time.monotonic()
        broker.subscriber(
            *self.topics,
            group_id=group_id,
            ack_policy=AckPolicy.MANUAL,
            auto_offset_reset="earliest",
            batch=True,
            max_records=BATCH,
            listener=_PartitionsMoved(self),
            decoder=_raw_body,
        )(self._on_batch)

    def lag(self) -> dict[tuple[str, int], int]:
        """Per partition of this consumer: the broker's high watermark as last fetched, less the
        next offset this consumer will hand to a handler (from memory: no request)."""
        kafka = self._kafka
        if kafka is None:
            return {}
        out: dict[tuple[str, int], int] = {}
        for tp in kafka.assignment():
            high = kafka.highwater(tp)
            if high is not None:
                out[(tp.topic, tp.partition)] = max(0, high - self._handled_to.get(tp, high))
        return out

    def status(self) -> dict[str, Any]:
        """For ``/health``: the state, never error text (that is in the logs, not for strangers)."""
        return {"state": "waiting" if self.waiting_since else "running", "handled": self.handled,
                "dead_lettered": self.dead_lettered, "transient_retries": self.transient_retries,
                "waiting_since": self.waiting_since.isoformat() if self.waiting_since else None}

    # ------------------------------------------------------------ one poll

    async def _on_batch(self, body: Any, msg: KafkaMessage) -> None:
        records = msg.raw_message if isinstance(msg.raw_message, tuple) else (msg.raw_message,)
        self._kafka = getattr(msg, "consumer", None) or self._kafka
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_idle(), name=f"{self._service}-commit-flusher")
        run = _Run(records)
        try:
            await self._until_done(run)
        except BaseException:
            # Whatever stopped this poll (a cancellation, or a bug in this very code), the records
            # not yet handled must come again: FastStream would otherwise go on past them.
            self._rewind(run)
            raise
        if self._uncommitted >= COMMIT_EVERY or time.monotonic() - self._last_commit >= COMMIT_AFTER_S:
            await self._commit()

    async def _until_done(self, run: _Run) -> None:
        delay = self._backoff
        started = time.monotonic()
        while True:
            try:
                await self._process(run)
                break
            except Exception as exc:
                transient = is_transient(exc)
                self.transient_retries += 1
                if self.waiting_since is None:
                    self.waiting_since = datetime.now(UTC)
                (log.warning if transient else log.error)(
                    "consumer.waiting", transient=transient, error=f"{type(exc).__name__}: {str(exc)[:200]}",
                    retry_in=round(delay, 2),
                    since=self.waiting_since.isoformat())
                if time.monotonic() - started > self._patience:
                    # Let the poll loop run (Kafka drops a member that stops polling); the records
                    # from the first unhandled one come again with the next poll.
                    self._rewind(run)
                    await asyncio.sleep(delay)
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_wait)
        if self.waiting_since is not None:
            log.info("consumer.resumed", waited_s=round((datetime.now(UTC) - self.waiting_since).total_seconds(), 1))
            self.waiting_since = None

    async def _process(self, run: _Run) -> None:
        if run.items is None:
            run.items = [self._decode(r) for r in run.records]
        items = run.items
        if run.seen is None:
            envs = [t.env for t in items[run.next:] if t.env is not None and self._wanted(t.env)]
            run.seen = await self.inbox.seen_ids(envs)
        checkpoint = time.monotonic()
        since = 0
        while run.next < len(items):
            item = items[run.next]
            step = 1
            if item.env is None:
                await self._dead_letter(item.record, item.raw, f"undecodable message: {item.error}", attempts=0)
            elif not self._wanted(item.env):
                pass  # an event on a topic we read but of a type we do not need
            elif item.env.event_id in run.seen:
                log.info("event.duplicate_ignored", event_id=item.env.event_id, event_type=item.env.event_type)
            elif item.env.event_type in self._batch_handlers:
                group = self._run_of(items, run.next, run.seen)
                step = len(group)
                done = await self._run_batch(group)
                run.unrecorded.extend(done)
                run.seen.update(t.env.event_id for t in group if t.env is not None)
            else:
                if await self._run_one(item, functools.partial(self._handlers[item.env.event_type], item.env,
                                                               item.payload)):
                    run.unrecorded.append(item.env)
                run.seen.add(item.env.event_id)  # the same event twice in one batch (a relay re-publishing)
            for t in items[run.next:run.next + step]:
                self._advance(t.record)
            run.next += step
            since += step
            if since >= COMMIT_EVERY or time.monotonic() - checkpoint >= COMMIT_AFTER_S:
                await self._record(run)
                await self._commit()
                checkpoint, since = time.monotonic(), 0
        await self._record(run)

    def _wanted(self, env: Envelope) -> bool:
        return env.event_type in self._handlers or env.event_type in self._batch_handlers

    @staticmethod
    def _decode(record: Any) -> _Item:
        raw: bytes = record.value or b""
        try:
            env, payload = decode(raw)
        except Exception as exc:
            return _Item(record, raw, None, None, str(exc)[:1000])
        return _Item(record, raw, env, payload)

    @staticmethod
    def _run_of(items: list[_Item], start: int, seen: set[str]) -> list[_Item]:
        """Consecutive fresh events of the type of ``items[start]``, at most ``RUN``."""
        first = items[start].env
        assert first is not None
        group, ids = [items[start]], {first.event_id}
        for t in items[start + 1:start + RUN]:
            if t.env is None or t.env.event_type != first.event_type or t.env.event_id in seen or t.env.event_id in ids:
                break
            group.append(t)
            ids.add(t.env.event_id)
        return group

    async def _record(self, run: _Run) -> None:
        if run.unrecorded:
            await self.inbox.record_all(run.unrecorded)
            self.handled += len(run.unrecorded)
            run.unrecorded = []

    # ------------------------------------------------------------ offsets

    def _advance(self, record: Any) -> None:
        tp = TopicPartition(record.topic, record.partition)
        self._to_commit[tp] = max(self._to_commit.get(tp, 0), record.offset + 1)
        self._handled_to[tp] = max(self._handled_to.get(tp, 0), record.offset + 1)
        self._uncommitted += 1

    async def _flush_idle(self) -> None:
        """When messages stop coming, what was handled last is committed within a second or two."""
        while not getattr(self._kafka, "_closed", False):
            await asyncio.sleep(COMMIT_AFTER_S)
            if self._to_commit and time.monotonic() - self._last_commit >= COMMIT_AFTER_S:
                with contextlib.suppress(Exception):
                    await self._commit()

    async def _commit(self, only: set[TopicPartition] | None = None) -> None:
        async with self._committing:
            await self._commit_now(only)

    async def _commit_now(self, only: set[TopicPartition] | None) -> None:
        offsets = {tp: o for tp, o in self._to_commit.items() if only is None or tp in only}
        if not offsets or self._kafka is None:
            return
        try:
            await self._kafka.commit(offsets)
        except (KafkaError, AssertionError) as exc:
            # E.g. a rebalance under way: partitions still ours are committed by the next commit;
            # a new owner of the others starts from their last commit, and the inbox absorbs that.
            log.warning("consumer.commit_failed", error=str(exc))
            with contextlib.suppress(Exception):
                assigned = self._kafka.assignment()
                self._to_commit = {tp: o for tp, o in self._to_commit.items() if tp in assigned}
            return
        for tp, o in offsets.items():
            if self._to_commit.get(tp) == o:
                del self._to_commit[tp]
        if only is None:
            self._uncommitted = 0
            self._last_commit = time.monotonic()

    async def flush_commits(self, partitions: set[TopicPartition]) -> None:
        """Before partitions are taken away: commit what was handled on them."""
        await self._commit(partitions)
        for tp in partitions:
            self._to_commit.pop(tp, None)

    def _rewind(self, run: _Run) -> None:
        """Seek each partition back to its first record not yet handled, so it comes again. A
        partition taken away meanwhile is skipped (its new owner starts from the last commit)."""
        consumer = self._kafka
        if consumer is None:
            return
        earliest: dict[TopicPartition, int] = {}
        for r in run.records[run.next:]:
            tp = TopicPartition(r.topic, r.partition)
            earliest[tp] = min(r.offset, earliest.get(tp, r.offset))
        assigned = consumer.assignment()
        for tp, offset in earliest.items():
            if tp in assigned:
                try:
                    consumer.seek(tp, offset)
                except Exception as exc:
                    log.warning("consumer.rewind_failed", topic=tp.topic, partition=tp.partition, error=str(exc))

    # ------------------------------------------------------------ handlers

    async def _run_one(self, item: _Item, call: Callable[[], Awaitable[None]]) -> bool:
        """Handle one event; False when it went to the dead-letter topic instead. A transient
        failure is raised (as ``_Transient``) for the poll to wait and come back to this event."""
        env = item.env
        assert env is not None
        set_correlation_id(env.correlation_id)
        bound = log.bind(event_id=env.event_id, event_type=env.event_type, key=env.key)
        for attempt in range(1, self._max_attempts + 1):
            try:
                await call()
                break
            except PermanentError as exc:
                await self._dead_letter(item.record, item.raw, f"rejected: {exc}", attempts=attempt)
                return False
            except Exception as exc:
                if is_transient(exc):
                    raise _Transient(f"{env.event_type}: {exc}") from exc
                bound.warning("event.handler_failed", attempt=attempt, error=repr(exc))
                if attempt == self._max_attempts:
                    await self._dead_letter(item.record, item.raw, f"failed {attempt} times: {exc!r}",
                                            attempts=attempt)
                    return False
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
        bound.info("event.handled")
        return True

    async def _run_batch(self, items: Sequence[_Item]) -> list[Envelope]:
        """A run of one type through its batch handler; if that keeps failing, one event at a
        time, so only the event that cannot be handled goes to the dead-letter topic."""
        envs = [t.env for t in items if t.env is not None]
        kind = envs[0].event_type
        handler = self._batch_handlers[kind]
        if len(items) > 1:
            for attempt in range(1, self._max_attempts + 1):
                try:
                    await handler([(e, t.payload) for t in items if (e := t.env) is not None])
                    log.info("events.handled", event_type=kind, count=len(items))
                    return envs
                except Exception as exc:
                    if is_transient(exc):
                        raise _Transient(f"{kind}: {exc}") from exc
                    log.warning("events.handler_failed", event_type=kind, count=len(items), attempt=attempt,
                                error=repr(exc))
                    if attempt < self._max_attempts:
                        await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
        return [e for t in items if (e := t.env) is not None
                and await self._run_one(t, functools.partial(handler, [(e, t.payload)]))]

    async def _dead_letter(self, record: Any, raw: bytes, reason: str, *, attempts: int) -> None:
        await deadletters.send(self._broker, self._dlq, deadletters.letter(
            self._service, record, raw, reason, attempts=attempts))
        self.dead_lettered += 1
        log.error("event.dead_lettered", topic=getattr(record, "topic", None), offset=getattr(record, "offset", None),
                  reason=reason[:300])
