"""The idempotent consumer and the dead-letter topic, against the real broker and FerretDB.

The handler's effect is deliberately not idempotent (``$inc``), so only the inbox stands
between a redelivered event and a double effect.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from faststream.kafka import KafkaBroker

import shared.broker
from shared.broker import Consumer
from shared.envelope import Envelope, EventPayload, register
from shared.handlers import on
from shared.inbox import Inbox
from shared.mongo import connect, database
from shared.topics import dead_letter, replay
from tests.conftest import PROFILE, STORE
from tests.integration.kafka_util import ensure_topics, read_all

pytestmark = [pytest.mark.integration, pytest.mark.plain_store]
TOPIC = "test.consumer"
SERVICE = "testsvc"


@register
class ConsumerProbe(EventPayload):
    event_type: ClassVar[str] = "TestConsumerProbe"
    topic: ClassVar[str] = TOPIC
    key_field: ClassVar[str] = "account"
    account: str
    amount: int


class Balances:
    """One test's account: a deliberately non-idempotent handler (``$inc``), so only the inbox
    stands between a redelivered event and a double effect. It counts its calls per amount and
    can never apply a negative amount."""

    def __init__(self, run: str) -> None:
        self.run = run
        self.client = connect(PROFILE.mongo_url)
        self.db = database(self.client, f"contest_test_consumer_{run}", STORE)
        self.attempts: dict[int, int] = {}

    async def handle(self, env: Envelope[ConsumerProbe]) -> None:
        e = env.payload
        if e.account != self.run:
            return  # a message left on the topic by an earlier run
        self.attempts[e.amount] = self.attempts.get(e.amount, 0) + 1
        if e.amount < 0:
            raise RuntimeError("this amount can never be applied")
        await self.db["balances"].update_one({"_id": e.account}, {"$inc": {"total": e.amount}}, upsert=True)

    def consumer(self, broker: KafkaBroker, **kwargs: Any) -> Consumer:
        return Consumer(broker, service=SERVICE, group_id=f"test-{self.run}", inbox=Inbox(self.db["inbox"]),
                        routes=[on(ConsumerProbe)(self.handle)], **kwargs)

    def raw(self, amount: int) -> bytes:
        return Envelope.wrap(ConsumerProbe(account=self.run, amount=amount), producer="test").model_dump_json().encode()

    async def publish(self, broker: KafkaBroker, *messages: bytes) -> None:
        for message in messages:
            await broker.publish(message, TOPIC, key=self.run.encode())

    async def total(self) -> int:
        doc = await self.db["balances"].find_one({"_id": self.run})
        return int(doc["total"]) if doc else 0

    async def wait_for_total(self, at_least: int, what: str) -> None:
        deadline = time.monotonic() + 60
        while await self.total() < at_least:
            assert time.monotonic() < deadline, what
            await asyncio.sleep(0.2)

    async def letters(self, count: int) -> list[dict[str, Any]]:
        """This run's messages on the dead-letter topic, once there are ``count``."""
        def mine(ms: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [m for m in ms if self.run in (m.get("value") or "")]

        return mine(await read_all(PROFILE.kafka_bootstrap, dead_letter(SERVICE).name,
                                   until=lambda ms: len(mine(ms)) >= count))


@pytest.fixture()
async def balances() -> AsyncIterator[Balances]:
    await ensure_topics(PROFILE.kafka_bootstrap, TOPIC)
    await ensure_topics(PROFILE.kafka_bootstrap, dead_letter(SERVICE).name, replay(SERVICE).name, partitions=1)
    b = Balances(uuid.uuid4().hex[:8])
    try:
        yield b
    finally:
        await b.client.drop_database(b.db.name)
        await b.client.close()


async def test_duplicates_change_state_once_and_poison_goes_to_dead_letter(balances: Balances) -> None:
    broker = KafkaBroker(PROFILE.kafka_bootstrap, client_id="consumer-test")
    consumer = balances.consumer(broker, max_attempts=3, backoff=0.05)
    run, raw = balances.run, balances.raw
    await broker.start()
    try:
        first = raw(1)
        bad_payload = json.loads(raw(7))
        bad_payload["payload"]["amount"] = f"seven-{run}"
        await balances.publish(broker, first, first, f"{{not json {run}".encode(), raw(-1), first, raw(5),
                               json.dumps(bad_payload).encode(), raw(10))

        await balances.wait_for_total(16, "the events after the poison were never handled")
        await asyncio.sleep(1.5)  # let any wrongly repeated delivery land before asserting
        assert await balances.total() == 16, "1 once (three deliveries), then 5 and 10 after the poison"
        assert balances.attempts[-1] == 3, "a failing handler is retried a bounded number of times"

        mine = await balances.letters(3)
        reasons = sorted(m["reason"].split(":")[0] for m in mine)
        assert reasons == ["failed 3 times", "undecodable message", "undecodable message"], reasons
        assert all(m["topic"] == TOPIC and m["service"] == SERVICE for m in mine)
        assert consumer.dead_lettered >= 3
    finally:
        await broker.stop()


async def test_after_a_restart_redelivered_events_are_recognised_from_the_store(
        balances: Balances, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process handles three events and stops before committing; the next process of the group
    gets them again and, not remembering them, finds them in the stored inbox."""
    monkeypatch.setattr(shared.broker, "COMMIT_AFTER_S", 3600.0)  # nothing is committed...

    async def crashed(self: Consumer, partitions: Any) -> None:  # ...not even at the stop, as in a crash
        return None

    monkeypatch.setattr(Consumer, "flush_commits", crashed)
    first = KafkaBroker(PROFILE.kafka_bootstrap, client_id="restart-test-1")
    balances.consumer(first)
    await first.start()
    try:
        await balances.publish(first, *(balances.raw(amount) for amount in (1, 2, 4)))
        await balances.wait_for_total(7, "the first process never handled the events")
    finally:
        await first.stop()

    second = KafkaBroker(PROFILE.kafka_bootstrap, client_id="restart-test-2")
    consumer = balances.consumer(second)
    await second.start()
    try:
        deadline = time.monotonic() + 60
        while consumer.inbox.lookups < 3:
            assert time.monotonic() < deadline, "the uncommitted events were not delivered again"
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        assert await balances.total() == 7, "each event changed the balance once"
        assert consumer.handled == 0
    finally:
        await second.stop()


async def test_a_batch_that_cannot_finish_is_delivered_again_without_repeating_what_was_done(
        balances: Balances) -> None:
    """The dead-letter write fails once (as when Kafka is unreachable): the batch is rewound
    and comes again; the event handled before the failure is not applied twice."""
    broker = KafkaBroker(PROFILE.kafka_bootstrap, client_id="rewind-test")
    consumer = balances.consumer(broker, max_attempts=2, backoff=0.05)
    real_dead_letter = consumer._dead_letter
    failures = [RuntimeError("Kafka unreachable for the dead-letter write")]

    async def flaky_dead_letter(record: Any, raw: bytes, reason: str, *, attempts: int) -> None:
        if failures and balances.run.encode() in raw:  # not a message left on the topic by an earlier run
            raise failures.pop()
        await real_dead_letter(record, raw, reason, attempts=attempts)

    consumer._dead_letter = flaky_dead_letter  # type: ignore[method-assign]
    await broker.start()
    try:
        await balances.publish(broker, *(balances.raw(amount) for amount in (1, -1, 5)))
        await balances.wait_for_total(6, "the batch never went through")
        await asyncio.sleep(1.5)
        assert await balances.total() == 6, "1 applied once although its batch came twice"
        assert balances.attempts[-1] == 4, "the failing event was tried again after the rewind"
        assert balances.attempts[1] == 1
        assert [m["reason"].split(":")[0] for m in await balances.letters(1)] == ["failed 2 times"]
    finally:
        await broker.stop()


async def test_the_inbox_asks_the_store_only_about_events_someone_else_could_have_handled() -> None:
    run = uuid.uuid4().hex[:8]
    client = connect(PROFILE.mongo_url)
    coll = database(client, f"contest_test_inbox_{run}", "ferretdb")["inbox"]  # the watermark is FerretDB's

    def event(amount: int, *, minutes: float = 0) -> Envelope:
        env = Envelope.wrap(ConsumerProbe(account=run, amount=amount), producer="test")
        return env.model_copy(update={"occurred_at": env.occurred_at + timedelta(minutes=minutes)})

    try:
        before = event(1)
        first = Inbox(coll)
        assert await first.seen_ids([before]) == set() and first.lookups == 1  # occurred before the start
        await first.record_all([before])
        assert await first.seen_ids([before]) == {before.event_id} and first.lookups == 1, "remembered"

        restarted = Inbox(coll)
        assert await restarted.seen_ids([before]) == {before.event_id} and restarted.lookups == 1, "from the store"
        later = event(2, minutes=5)  # after the watermark, not remembered: nobody handled it
        assert await restarted.seen_ids([later]) == set() and restarted.lookups == 1

        small = Inbox(coll, remember=2)
        kept = [event(n, minutes=n) for n in (3, 4, 5)]
        await small.record_all(kept)  # the first is forgotten, and the watermark passes it
        assert small.watermark >= kept[0].occurred_at
        assert await small.seen_ids(kept) == {e.event_id for e in kept} and small.lookups == 1

        moved = Inbox(coll)
        soon = event(6, minutes=0.05)  # 3 s ahead: another member may have handled it before a rebalance
        assert await moved.seen_ids([soon]) == set() and moved.lookups == 1
        assert await moved.seen_ids([event(7, minutes=1)]) == set() and moved.lookups == 1
        moved.partitions_moved()
        assert await moved.seen_ids([event(8, minutes=0.05)]) == set() and moved.lookups == 2
    finally:
        await client.drop_database(coll.database.name)
        await client.close()


async def test_a_long_batch_commits_its_progress_as_it_goes(balances: Balances) -> None:
    """Handled events are recorded and committed in small steps, not once at the end of a batch of
    up to 500, so a crash in the middle of a backlog redoes little."""
    from aiokafka.admin import AIOKafkaAdminClient

    from shared.broker import COMMIT_EVERY

    gate = asyncio.Event()
    reached = asyncio.Event()

    async def slow(env: Envelope[ConsumerProbe]) -> None:
        if env.payload.account == balances.run and env.payload.amount == 250:
            reached.set()
            await gate.wait()  # the batch is stuck here, half done
        await balances.handle(env)

    broker = KafkaBroker(PROFILE.kafka_bootstrap, client_id="progress-test")
    Consumer(broker, service=SERVICE, group_id=f"test-{balances.run}", inbox=Inbox(balances.db["inbox"]),
             routes=[on(ConsumerProbe)(slow)])
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=PROFILE.kafka_bootstrap, linger_ms=5)
    await producer.start()
    try:  # one key: one partition; where this test's messages start on it
        first = await producer.send_and_wait(TOPIC, balances.raw(1), key=balances.run.encode())
        sent = [await producer.send(TOPIC, balances.raw(n), key=balances.run.encode()) for n in range(2, 301)]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    await broker.start()
    admin = AIOKafkaAdminClient(bootstrap_servers=PROFILE.kafka_bootstrap)
    await admin.start()
    try:
        await asyncio.wait_for(reached.wait(), 60)
        deadline = time.monotonic() + 30
        committed = 0
        while committed < COMMIT_EVERY and time.monotonic() < deadline:
            offsets = await admin.list_consumer_group_offsets(f"test-{balances.run}")
            committed = max([o.offset - first.offset for tp, o in offsets.items()
                             if tp.topic == TOPIC and tp.partition == first.partition] or [0])
            await asyncio.sleep(0.2)
        assert committed >= COMMIT_EVERY, f"only {committed} of this batch committed while it is still under way"
        gate.set()
        await balances.wait_for_total(sum(range(1, 301)), "the rest of the batch")
    finally:
        gate.set()
        await admin.close()
        await broker.stop()
