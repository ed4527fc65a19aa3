"""Small helpers for tests that talk to the test profile's Kafka directly."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.envelope import EventPayload, register

PROBE_TOPIC = "test.outbox"


@register
class OutboxProbe(EventPayload):
    """What the outbox tests publish; each test run tells its own apart by ``run``."""

    event_type: ClassVar[str] = "TestOutboxProbe"
    topic: ClassVar[str] = PROBE_TOPIC
    key_field: ClassVar[str] = "thing_id"
    thing_id: str
    run: str
    n: int = 0


async def ensure_topics(bootstrap: str, *names: str, partitions: int = 3) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(n, partitions, 1) for n in names if n not in existing]
        if missing:
            await admin.create_topics(missing)
    finally:
        await admin.close()


async def read_all(bootstrap: str, topic: str, *, until: Callable[[list[Any]], bool], wait_s: float = 60,
                   ) -> list[Any]:
    """Read ``topic`` from the beginning with a fresh group until ``until(messages)`` or timeout."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"test-reader-{uuid.uuid4().hex[:8]}",
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    out: list[Any] = []
    deadline = time.monotonic() + wait_s
    try:
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for r in records:
                    try:
                        out.append(json.loads(r.value))
                    except ValueError:
                        out.append({"_raw": r.value})
            if until(out):
                # one more short poll to catch duplicates that would arrive right behind
                await asyncio.sleep(1.0)
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    out.extend(json.loads(r.value) for r in records)
                return out
    finally:
        await consumer.stop()
    return out
