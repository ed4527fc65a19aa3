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
import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared import topics
from shared.envelope import Envelope, EventPayload, decode
from shared.inbox import Inbox
from shared.logging import CORRELATION_HEADER, set_correlation_id

log = structlog.get_logger(__name__)

Handler = Callable[[Envelope, Any], Awaitable[None]]
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


class Consumer:
    """One service's subscription: event type -> handler, with inbox and dead-letter handling."""

    def __init__(
        self,
        broker: KafkaBroker,
        *,
        service: str,
        group_id: str,
        inbox: Inbox,
        handlers: Mapping[type[EventPayload], Handler],
        max_attempts: int = 3,
        backoff: float = 0.2,
    ) -> None:
        self._broker = broker
        self._service = service
        self._inbox = inbox
        self._handlers = {cls.event_type: h for cls, h in handlers.items()}
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._dlq = topics.dead_letter(service).name
        self.topics = sorted({cls.topic for cls in handlers})
        self.handled = 0
        self.dead_lettered = 0
        self._uncommitted = 0
        self._last_commit = time.monotonic()
        broker.subscriber(
            *self.topics,
            group_id=group_id,
            ack_policy=AckPolicy.MANUAL,
            auto_offset_reset="earliest",
        )(self._on_message)

    async def _on_message(self, body: Any, msg: KafkaMessage) -> None:
        try:
            await self._handle(msg)
        except BaseException:
            # Not handled (even the dead-letter write failed): rewind, so it comes again.
            with contextlib.suppress(Exception):
                await msg.nack()
            raise
        self._uncommitted += 1
        if self._uncommitted >= COMMIT_EVERY or time.monotonic() - self._last_commit >= COMMIT_AFTER_S:
            try:
                await msg.ack()  # commits the position, i.e. every message handled so far
            except Exception as exc:  # e.g. a rebalance under way: the next commit covers these
                log.warning("consumer.commit_failed", error=str(exc))
                return
            self._uncommitted = 0
            self._last_commit = time.monotonic()

    async def _handle(self, msg: KafkaMessage) -> None:
        raw: bytes = msg.body
        record = msg.raw_message
        try:
            env, payload = decode(raw)
        except Exception as exc:
            await self._dead_letter(record, raw, f"undecodable message: {exc}", attempts=0)
            return
        handler = self._handlers.get(env.event_type)
        if handler is None:
            return  # an event on a topic we read but a type we do not need
        set_correlation_id(env.correlation_id)
        bound = log.bind(event_id=env.event_id, event_type=env.event_type, key=env.key)
        if await self._inbox.seen(env.event_id):
            bound.info("event.duplicate_ignored")
            return
        for attempt in range(1, self._max_attempts + 1):
            try:
                await handler(env, payload)
                break
            except PermanentError as exc:
                await self._dead_letter(record, raw, f"rejected: {exc}", attempts=attempt)
                return
            except Exception as exc:
                bound.warning("event.handler_failed", attempt=attempt, error=repr(exc))
                if attempt == self._max_attempts:
                    await self._dead_letter(record, raw, f"failed {attempt} times: {exc!r}", attempts=attempt)
                    return
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
        await self._inbox.record(env)
        self.handled += 1
        bound.info("event.handled")

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
