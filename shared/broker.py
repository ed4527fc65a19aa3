"""Kafka plumbing shared by every service: the producer the relay uses and the consumer wrapper.

The consumer commits an offset only after its handler has finished (FastStream's default would
commit on receipt, i.e. at-most-once), and not after every message: once per ``COMMIT_EVERY``
messages or ``COMMIT_AFTER_S`` seconds (a commit per message was the broker's largest cost in
the deadline rush). Messages handled but not yet committed are delivered again after a
restart or rebalance, and the inbox ignores them. A handler error is retried
a few times with backoff; a message that cannot be decoded, or keeps failing, is written to
the service's dead-letter topic with the reason and then committed, so one poisoned message
never blocks a partition. If even the dead-letter write fails (Kafka down) the error
propagates and the message is redelivered.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import structlog
from aiokafka import ConsumerRebalanceListener, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared import topics
from shared.envelope import Envelope, EventPayload, decode
from shared.inbox import Inbox
from shared.logging import CORRELATION_HEADER, set_correlation_id

log = structlog.get_logger(__name__)

Handler = Callable[[Envelope, Any], Awaitable[None]]
BatchHandler = Callable[[Sequence[tuple[Envelope, Any]]], Awaitable[None]]
BATCH = 500  # at most this many messages per batch
COMMIT_EVERY = 100
COMMIT_AFTER_S = 1.0


class PermanentError(Exception):
    """Raised by a handler when retrying cannot help (the event contradicts known state)."""


def make_broker(bootstrap: str, client_id: str) -> KafkaBroker:
    # enable_idempotence implies acks=all: no duplicates from producer retries, no loss on leader change.
    return KafkaBroker(
        bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        request_timeout_ms=15_000,
        logger=None,
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
    env: Envelope
    payload: Any


class _PartitionsMoved(ConsumerRebalanceListener):  # type: ignore[misc]
    """Tells the inbox when partitions change hands (see ``shared.inbox``)."""

    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox

    async def on_partitions_revoked(self, revoked: Any) -> None:
        self._inbox.partitions_moved()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self._inbox.partitions_moved()


async def _raw_body(msg: Any) -> Any:
    """Envelopes are decoded (once) by ``shared.envelope.decode``, not by FastStream."""
    return msg.body


class Consumer:
    """One service's subscription: event type -> handler, with inbox and dead-letter handling.

    Messages arrive in batches of whatever the broker has (at most ``BATCH``): the inbox is asked
    once per batch and written once per batch. Handlers run one event at a time and in order,
    except a *batch handler* (``batch_handlers``), which gets each run of consecutive events of
    its type at once, so it can write them in one command.
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
        max_attempts: int = 3,
        backoff: float = 0.2,
    ) -> None:
        self._broker = broker
        self._service = service
        self._inbox = inbox
        self._handlers = {cls.event_type: h for cls, h in handlers.items()}
        self._batch_handlers = {cls.event_type: h for cls, h in (batch_handlers or {}).items()}
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._dlq = topics.dead_letter(service).name
        self.topics = sorted({cls.topic for cls in handlers} | {cls.topic for cls in batch_handlers or {}})
        self.handled = 0
        self.dead_lettered = 0
        self._uncommitted = 0
        self._last_commit = time.monotonic()
        broker.subscriber(
            *self.topics,
            group_id=group_id,
            ack_policy=AckPolicy.MANUAL,
            auto_offset_reset="earliest",
            batch=True,
            max_records=BATCH,
            listener=_PartitionsMoved(inbox),
            decoder=_raw_body,
        )(self._on_batch)

    async def _on_batch(self, body: Any, msg: KafkaMessage) -> None:
        records = msg.raw_message if isinstance(msg.raw_message, tuple) else (msg.raw_message,)
        try:
            await self._handle_batch(records)
        except BaseException:
            # Not all handled (even a dead-letter write failed): rewind, so they come again.
            self._rewind(msg, records)
            raise
        self._uncommitted += len(records)
        if self._uncommitted >= COMMIT_EVERY or time.monotonic() - self._last_commit >= COMMIT_AFTER_S:
            try:
                await msg.ack()  # commits the position, i.e. every message handled so far
            except Exception as exc:  # e.g. a rebalance under way: the next commit covers these
                log.warning("consumer.commit_failed", error=str(exc))
                return
            self._uncommitted = 0
            self._last_commit = time.monotonic()

    @staticmethod
    def _rewind(msg: KafkaMessage, records: Sequence[Any]) -> None:
        """Seek each partition of the batch back to its first record. A partition taken away
        meanwhile is skipped, not allowed to stop the others (FastStream's ``nack`` would stop
        at it): its new owner starts from the committed offset anyway."""
        consumer: Any = getattr(msg, "consumer", None)
        if consumer is None:
            return
        earliest: dict[TopicPartition, int] = {}
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            earliest[tp] = min(r.offset, earliest.get(tp, r.offset))
        assigned = consumer.assignment()
        for tp, offset in earliest.items():
            if tp in assigned:
                try:
                    consumer.seek(tp, offset)
                except Exception as exc:
                    log.warning("consumer.rewind_failed", topic=tp.topic, partition=tp.partition, error=str(exc))

    async def _handle_batch(self, records: Sequence[Any]) -> None:
        todo: list[_Item] = []
        for record in records:
            raw: bytes = record.value or b""
            try:
                env, payload = decode(raw)
            except Exception as exc:
                await self._dead_letter(record, raw, f"undecodable message: {exc}", attempts=0)
                continue
            if env.event_type in self._handlers or env.event_type in self._batch_handlers:
                todo.append(_Item(record, raw, env, payload))
            # else: an event on a topic we read but a type we do not need
        seen = await self._inbox.seen_ids([t.env for t in todo])
        fresh = []
        for item in todo:
            if item.env.event_id in seen:
                log.info("event.duplicate_ignored", event_id=item.env.event_id, event_type=item.env.event_type)
                continue
            seen.add(item.env.event_id)  # the same event twice in one batch (a relay re-publishing)
            fresh.append(item)
        done: list[Envelope] = []
        try:
            i = 0
            while i < len(fresh):
                item = fresh[i]
                kind = item.env.event_type
                if kind in self._batch_handlers:
                    j = i
                    while j < len(fresh) and fresh[j].env.event_type == kind:
                        j += 1
                    done.extend(await self._run_batch(fresh[i:j]))
                    i = j
                    continue
                if await self._run_one(item, functools.partial(self._handlers[kind], item.env, item.payload)):
                    done.append(item.env)
                i += 1
        finally:
            # What was handled is recorded even if a later event stopped the batch.
            await self._inbox.record_all(done)
            self.handled += len(done)

    async def _run_one(self, item: _Item, call: Callable[[], Awaitable[None]]) -> bool:
        """Handle one event with retries; False when it went to the dead-letter topic instead."""
        env = item.env
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
        kind = items[0].env.event_type
        handler = self._batch_handlers[kind]
        if len(items) > 1:
            for attempt in range(1, self._max_attempts + 1):
                try:
                    await handler([(t.env, t.payload) for t in items])
                    log.info("events.handled", event_type=kind, count=len(items))
                    return [t.env for t in items]
                except Exception as exc:
                    log.warning("events.handler_failed", event_type=kind, count=len(items), attempt=attempt,
                                error=repr(exc))
                    if attempt < self._max_attempts:
                        await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
        return [t.env for t in items if await self._run_one(t, functools.partial(handler, [(t.env, t.payload)]))]

    async def _dead_letter(self, record: Any, raw: bytes, reason: str, *, attempts: int) -> None:
        try:
            text: str | None = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        letter = {
            "service": self._service,
            "reason": reason[:2000],
            "attempts": attempts,
            "failed_at": datetime.now(UTC).isoformat(),
            "topic": getattr(record, "topic", None),
            "partition": getattr(record, "partition", None),
            "offset": getattr(record, "offset", None),
            "value": text,
            "value_b64": None if text is not None else base64.b64encode(raw).decode(),
        }
        key = getattr(record, "key", None)
        await self._broker.publish(json.dumps(letter).encode(), self._dlq, key=key)
        self.dead_lettered += 1
        log.error("event.dead_lettered", topic=letter["topic"], offset=letter["offset"], reason=reason[:300])
