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

FastStream is used as designed where that keeps these guarantees. The one subscriber per service
declares its real message type, a list of the typed envelopes it handles (``SkipValidation``:
the consumer decodes each record itself, so a poison message reaches the dead-letter topic
instead of failing the whole batch in FastStream's validation), so FastStream's AsyncAPI of the
running broker documents every topic it reads; the relay publishes through one declared
publisher per topic (``EventPublishers``); the correlation id is a broker middleware
(``shared.correlation``); the waits and retries are ``tenacity`` policies. Retry and dead
letters stay in this consumer rather than in middlewares: a FastStream middleware sees a batch
as one message, and the offset commits (the handled prefix only, never past a waiting event)
depend on where in the batch handling stopped. Batching stays because it was measured to
matter in the deadline rush: one inbox query and one commit per batch instead of per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, NamedTuple, Union

import structlog
from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.publisher.usecase import DefaultPublisher
from pydantic import Field, SkipValidation
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    RetryError,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from shared import deadletters, topics
from shared.correlation import CorrelationMiddleware
from shared.envelope import Envelope, EventPayload, decode, envelope_class, registry
from shared.failures import is_transient
from shared.handlers import Route
from shared.inbox import Inbox
from shared.logging import get_correlation_id, set_correlation_id

log = structlog.get_logger(__name__)
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
        middlewares=(CorrelationMiddleware, *middlewares),
        id_generator=get_correlation_id,  # a publish names the work it belongs to (shared.correlation)
        enable_idempotence=True,
        acks="all",
        request_timeout_ms=15_000,
        logger=_FASTSTREAM_LOG,  # its errors only: one line per message received would drown the logs
    )


def _message_type(types: Iterable[type[EventPayload]]) -> Any:
    """The typed envelope of ``types``, a union discriminated on ``event_type`` when several."""
    models = [envelope_class(t) for t in sorted(set(types), key=lambda t: t.event_type)]
    if len(models) == 1:
        return models[0]
    return Annotated[Union[tuple(models)], Field(discriminator="event_type")]  # noqa: UP007 (built at run time)


class EventPublishers:
    """One FastStream publisher per topic this service writes, each declaring the envelopes of
    the event types on it (so the AsyncAPI document of the running broker lists them with their
    fields). Calling it publishes envelopes in order and returns only once Kafka has
    acknowledged all of them: what the outbox relay needs before it removes them.

    Publishers are declared when the broker is built, before it starts. A topic not declared
    (a test's own) gets a publisher on first use.
    """

    def __init__(self, broker: KafkaBroker, service: str) -> None:
        self._broker = broker
        self._publishers: dict[str, DefaultPublisher] = {}
        by_topic: dict[str, list[type[EventPayload]]] = {}
        for cls in registry().values():
            if cls.topic.split(".")[0] == service:
                by_topic.setdefault(cls.topic, []).append(cls)
        for topic, types in sorted(by_topic.items()):
            self._declare(topic, types)

    def _declare(self, topic: str, types: Sequence[type[EventPayload]]) -> DefaultPublisher:
        names = ", ".join(sorted(t.event_type for t in types))
        described = next((t.doc for t in topics.ALL if t.name == topic), "")
        publisher = self._broker.publisher(
            topic, title=f"{topic}:publish", schema=_message_type(types) if types else None,
            description=f"{described} Events: {names}.".strip())
        assert isinstance(publisher, DefaultPublisher)
        self._publishers[topic] = publisher
        return publisher

    @property
    def topics(self) -> list[str]:
        return sorted(self._publishers)

    def publisher(self, topic: str) -> DefaultPublisher:
        found = self._publishers.get(topic)
        if found is None:  # nothing to set up: a publisher sends through the broker's producer
            found = self._declare(topic, [c for c in registry().values() if c.topic == topic])
        return found

    async def __call__(self, envs: Sequence[Envelope]) -> None:
        # The correlation id goes as FastStream's own; ``CorrelationMiddleware`` also writes it
        # under the platform's header. Each call queues the record and returns its delivery future.
        futures = [
            await self.publisher(env.topic).publish(
                env.model_dump_json().encode(),
                key=env.key.encode(),
                correlation_id=env.correlation_id,
                headers={"event-type": env.event_type, "content-type": "application/json"},
                no_confirm=True,
            )
            for env in envs
        ]
        # Kafka's producer gives one delivery future per record; FastStream's in-process test
        # producer (TestKafkaBroker) delivers at once and gives None.
        await asyncio.gather(*(f for f in futures if f is not None))


def relay_publisher(broker: KafkaBroker, service: str = "") -> EventPublishers:
    """The relay's publish function: see ``EventPublishers``."""
    return EventPublishers(broker, service)


class _Item(NamedTuple):
    record: Any
    raw: bytes
    env: Envelope[EventPayload] | None  # None: undecodable
    error: str = ""


@dataclass
class _Run:
    """One poll's records and how far their handling got (kept across waits on a dependency)."""

    records: Sequence[Any]
    items: list[_Item] | None = None
    seen: set[str] | None = None
    next: int = 0  # items before this one are handled, ignored or dead-lettered
    unrecorded: list[Envelope[EventPayload]] = field(default_factory=list)  # handled, not yet in the inbox


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
    """One service's subscription: its routes (``shared.handlers.on``), with inbox, failure
    classification and dead letters.

    Messages arrive in batches of whatever the broker has (at most ``BATCH``); the inbox is asked
    once per batch. Handlers run one event at a time and in order, except a *batch route*
    (``on_batch``), whose handler gets each run of consecutive events of its types (at most
    ``RUN``) at once, so it can write them in one command. Besides its topics, the consumer
    reads its service's replay topic, where operators put dead letters back. ``after`` is told
    the payloads of every handler call, whatever its outcome.
    """

    def __init__(
        self,
        broker: KafkaBroker,
        *,
        service: str,
        group_id: str,
        inbox: Inbox,
        routes: Sequence[Route],
        after: Callable[[Sequence[EventPayload]], None] | None = None,
        max_attempts: int = 5,
        backoff: float = 0.2,
        max_wait: float = 10.0,
        patience: float = PATIENCE_S,
    ) -> None:
        self._broker = broker
        self._service = service
        self.inbox = inbox
        self._routes: dict[str, Route] = {}
        for route in routes:
            for t in route.types:
                if t.event_type in self._routes:
                    raise ValueError(f"{t.event_type} has two handlers: {self._routes[t.event_type].name}, "
                                     f"{route.name}")
                self._routes[t.event_type] = route
        self._after = after
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._wait = wait_exponential(multiplier=backoff, max=max_wait)  # backoff, 2x, 4x ... at most max_wait
        self._last_wait = backoff
        self._patience = patience
        self._dlq = topics.dead_letter(service).name
        self.consumed = [t for r in routes for t in r.types]
        self.topics = sorted({t.topic for t in self.consumed} | {topics.replay(service).name})
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
        async def on_batch(body: Any, msg: KafkaMessage) -> None:
            await self._on_batch(msg)

        # What the subscriber documents: the typed envelopes, never validated by FastStream.
        on_batch.__annotations__ = {"body": SkipValidation[list[_message_type(self.consumed)]],  # type: ignore[misc]
                                    "msg": KafkaMessage, "return": None}
        on_batch.__name__ = on_batch.__qualname__ = f"{service}_consumer"
        by_topic: dict[str, list[str]] = {}
        for t in self.consumed:
            by_topic.setdefault(t.topic, []).append(t.event_type)
        handled = "; ".join(f"{topic}: {', '.join(sorted(kinds))}" for topic, kinds in sorted(by_topic.items()))
        broker.subscriber(
            *self.topics,
            group_id=group_id,
            ack_policy=AckPolicy.MANUAL,
            auto_offset_reset="earliest",
            batch=True,
            max_records=BATCH,
            listener=_PartitionsMoved(self),
            decoder=_raw_body,
            title=f"{service}:consume",
            description=(f"One batch subscriber over every topic {service} reads; it handles {handled} "
                         f"(others are skipped), and what operators replay on {topics.replay(service).name}."),
        )(on_batch)

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

    async def _on_batch(self, msg: KafkaMessage) -> None:
        records = tuple(msg.raw_message) if isinstance(msg.raw_message, tuple | list) else (msg.raw_message,)
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
        """Handle the poll, waiting on a failing dependency (or a bug in this code) with capped
        backoff, for at most ``patience`` seconds within one poll."""
        patient = AsyncRetrying(retry=retry_if_exception(lambda e: isinstance(e, Exception)), wait=self._wait,
                                stop=stop_after_delay(self._patience), after=self._waiting)
        try:
            await patient(self._process, run)
        except RetryError:
            # Let the poll loop run (Kafka drops a member that stops polling); the records
            # from the first unhandled one come again with the next poll.
            self._rewind(run)
            await asyncio.sleep(self._last_wait)
            return
        if self.waiting_since is not None:
            log.info("consumer.resumed", waited_s=round((datetime.now(UTC) - self.waiting_since).total_seconds(), 1))
            self.waiting_since = None

    def _waiting(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        transient = exc is not None and is_transient(exc)
        self._last_wait = self._wait(state)
        self.transient_retries += 1
        if self.waiting_since is None:
            self.waiting_since = datetime.now(UTC)
        (log.warning if transient else log.error)(
            "consumer.waiting", transient=transient, error=f"{type(exc).__name__}: {str(exc)[:200]}",
            retry_in=round(self._last_wait, 2), since=self.waiting_since.isoformat())

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
            elif (route := self._routes[item.env.event_type]).handle_batch is not None:
                group = self._run_of(items, run.next, run.seen)
                step = len(group)
                done = await self._run_batch(route, group)
                run.unrecorded.extend(done)
                run.seen.update(t.env.event_id for t in group if t.env is not None)
            else:
                if await self._run_one(item, route):
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

    def _wanted(self, env: Envelope[EventPayload]) -> bool:
        return env.event_type in self._routes

    @staticmethod
    def _decode(record: Any) -> _Item:
        raw: bytes = record.value or b""
        try:
            env = decode(raw)
        except Exception as exc:
            return _Item(record, raw, None, str(exc)[:1000])
        return _Item(record, raw, env)

    def _run_of(self, items: list[_Item], start: int, seen: set[str]) -> list[_Item]:
        """Consecutive fresh events of the route of ``items[start]``, at most ``RUN``."""
        first = items[start].env
        assert first is not None
        route = self._routes[first.event_type]
        group, ids = [items[start]], {first.event_id}
        for t in items[start + 1:start + RUN]:
            if (t.env is None or self._routes.get(t.env.event_type) is not route or t.env.event_id in seen
                    or t.env.event_id in ids):
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

    def _attempts(self, retryable: Callable[[BaseException], bool],
                  failed: Callable[[RetryCallState], None]) -> AsyncRetrying:
        """``max_attempts`` tries of a handler, ``backoff`` x 1, 2, 4 ... apart, retrying only what
        ``retryable`` accepts (never a cancellation); ``failed`` is told of each failed try."""
        return AsyncRetrying(stop=stop_after_attempt(self._max_attempts),
                             wait=wait_exponential(multiplier=self._backoff),
                             retry=retry_if_exception(lambda e: isinstance(e, Exception) and retryable(e)),
                             after=failed, reraise=True)

    async def _call(self, route: Route, envs: Sequence[Envelope[EventPayload]]) -> None:
        try:
            if route.handle_batch is not None:
                await route.handle_batch(envs)
            else:
                assert route.handle is not None and len(envs) == 1
                await route.handle(envs[0])
        finally:
            if self._after is not None:
                self._after([e.payload for e in envs])

    async def _run_one(self, item: _Item, route: Route) -> bool:
        """Handle one event; False when it went to the dead-letter topic instead. A transient
        failure is raised (as ``_Transient``) for the poll to wait and come back to this event."""
        env = item.env
        assert env is not None
        set_correlation_id(env.correlation_id)  # per event: FastStream's middlewares see the batch as one message
        bound = log.bind(event_id=env.event_id, event_type=env.event_type, key=env.key)

        def failed(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            bound.warning("event.handler_failed", attempt=state.attempt_number, error=repr(exc))

        attempt = 0
        try:
            async for tried in self._attempts(lambda e: not isinstance(e, PermanentError) and not is_transient(e),
                                              failed):
                attempt = tried.retry_state.attempt_number
                with tried:
                    await self._call(route, [env])
        except PermanentError as exc:
            await self._dead_letter(item.record, item.raw, f"rejected: {exc}", attempts=attempt)
            return False
        except Exception as exc:
            if is_transient(exc):
                raise _Transient(f"{env.event_type}: {exc}") from exc
            await self._dead_letter(item.record, item.raw, f"failed {attempt} times: {exc!r}", attempts=attempt)
            return False
        bound.info("event.handled")
        return True

    async def _run_batch(self, route: Route, items: Sequence[_Item]) -> list[Envelope[EventPayload]]:
        """A run through its batch handler; if that keeps failing, one event at a time, so only
        the event that cannot be handled goes to the dead-letter topic."""
        envs = [t.env for t in items if t.env is not None]
        kind = envs[0].event_type
        if len(items) > 1:
            def failed(state: RetryCallState) -> None:
                exc = state.outcome.exception() if state.outcome is not None else None
                log.warning("events.handler_failed", event_type=kind, count=len(items),
                            attempt=state.attempt_number, error=repr(exc))

            try:
                async for tried in self._attempts(lambda e: not is_transient(e), failed):
                    with tried:
                        await self._call(route, envs)
                log.info("events.handled", event_type=kind, count=len(items))
                return envs
            except Exception as exc:
                if is_transient(exc):
                    raise _Transient(f"{kind}: {exc}") from exc
        return [e for t in items if (e := t.env) is not None and await self._run_one(t, route)]

    async def _dead_letter(self, record: Any, raw: bytes, reason: str, *, attempts: int) -> None:
        await deadletters.send(self._broker, self._dlq, deadletters.letter(
            self._service, record, raw, reason, attempts=attempts))
        self.dead_lettered += 1
        log.error("event.dead_lettered", topic=getattr(record, "topic", None), offset=getattr(record, "offset", None),
                  reason=reason[:300])
