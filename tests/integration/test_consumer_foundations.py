"""The idempotent consumer and the dead-letter topic, against the real broker and FerretDB.

The handler's effect is deliberately not idempotent (``$inc``), so only the inbox stands
between a redelivered event and a double effect.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import ClassVar

import pytest
from faststream.kafka import KafkaBroker

from shared.broker import Consumer
from shared.envelope import Envelope, EventPayload, register
from shared.inbox import Inbox
from shared.mongo import connect
from shared.topics import dead_letter
from tests.conftest import PROFILE
from tests.integration.kafka_util import ensure_topics, read_all

pytestmark = pytest.mark.integration
TOPIC = "test.consumer"
SERVICE = "testsvc"


@register
class ConsumerProbe(EventPayload):
    event_type: ClassVar[str] = "TestConsumerProbe"
    topic: ClassVar[str] = TOPIC
    key_field: ClassVar[str] = "account"
    account: str
    amount: int


async def test_duplicates_change_state_once_and_poison_goes_to_dead_letter() -> None:
    run = uuid.uuid4().hex[:8]
    dlq = dead_letter(SERVICE).name
    await ensure_topics(PROFILE.kafka_bootstrap, TOPIC, dlq)
    client = connect(PROFILE.mongo_url)
    db = client[f"contest_test_consumer_{run}"]
    broker = KafkaBroker(PROFILE.kafka_bootstrap, client_id="consumer-test")
    attempts: dict[int, int] = {}

    async def handle(env: Envelope, e: ConsumerProbe) -> None:
        if e.account != run:
            return  # a message left on the topic by an earlier run
        attempts[e.amount] = attempts.get(e.amount, 0) + 1
        if e.amount < 0:
            raise RuntimeError("this amount can never be applied")
        await db["balances"].update_one({"_id": e.account}, {"$inc": {"total": e.amount}}, upsert=True)

    consumer = Consumer(broker, service=SERVICE, group_id=f"test-{run}", inbox=Inbox(db["inbox"]),
                        handlers={ConsumerProbe: handle}, max_attempts=3, backoff=0.05)
    await db["inbox"].create_index("handled_at")
    await broker.start()
    try:
        def raw(amount: int) -> bytes:
            return Envelope.wrap(ConsumerProbe(account=run, amount=amount), producer="test").model_dump_json().encode()

        first = raw(1)
        for message in (first, first, f"{{not json {run}".encode(), raw(-1), first, raw(5)):
            await broker.publish(message, TOPIC, key=run.encode())
        bad_payload = json.loads(raw(7))
        bad_payload["payload"]["amount"] = f"seven-{run}"
        await broker.publish(json.dumps(bad_payload).encode(), TOPIC, key=run.encode())
        await broker.publish(raw(10), TOPIC, key=run.encode())

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            doc = await db["balances"].find_one({"_id": run})
            if doc and doc["total"] >= 16:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.5)  # let any wrongly repeated delivery land before asserting
        doc = await db["balances"].find_one({"_id": run})
        assert doc is not None and doc["total"] == 16, "1 once (three deliveries), then 5 and 10 after the poison"
        assert attempts[-1] == 3, "a failing handler is retried a bounded number of times"

        letters = await read_all(PROFILE.kafka_bootstrap, dlq,
                                 until=lambda ms: sum(run in (m.get("value") or "") for m in ms) >= 3)
        mine = [m for m in letters if run in (m.get("value") or "")]
        reasons = sorted(m["reason"].split(":")[0] for m in mine)
        assert reasons == ["failed 3 times", "undecodable message", "undecodable message"], reasons
        assert all(m["topic"] == TOPIC and m["service"] == SERVICE for m in mine)
        assert consumer.dead_lettered >= 3
    finally:
        await broker.stop()
        await client.drop_database(f"contest_test_consumer_{run}")
        await client.close()
