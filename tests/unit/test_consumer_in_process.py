"""The consumer, the relay's publishers and the correlation middleware in process, on FastStream's
``TestKafkaBroker`` (no Kafka, no store): typed handlers get typed envelopes, poison goes to the
dead-letter topic with its reason while the events after it are handled, offsets are committed
only for what was handled, and the correlation id travels from a consumed event to what its
handling publishes. The same machinery against the real broker and FerretDB:
tests/integration/test_consumer_foundations.py, test_dead_letters.py, test_retries.py."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import faststream.kafka.parser
import pytest
from aiokafka import TopicPartition
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pymongo.errors import AutoReconnect

import shared.events  # noqa: F401  (registers every payload type)
from shared import topics
from shared.broker import Consumer, PermanentError, make_broker, relay_publisher
from shared.envelope import Envelope, envelope_class
from shared.events.contests import Category, ContestOpened, ContestSnapshot, ContestUpdated
from shared.events.judging import RoundClosed
from shared.handlers import on
from shared.logging import CORRELATION_HEADER

SERVICE = "judging"  # a consumer of submission.contests that writes judging.results
PATIENCE = 5.0  # a consumer waits this long at most within one poll: a broken test fails instead of hanging


class MemoryInbox:
    """Stands in for ``shared.inbox.Inbox``: the ids recorded as handled."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.queries = 0

    def partitions_moved(self) -> None:
        pass

    async def seen_ids(self, envs: Sequence[Envelope]) -> set[str]:
        self.queries += 1
        return {e.event_id for e in envs} & self.ids

    async def record_all(self, envs: Sequence[Envelope]) -> None:
        self.ids |= {e.event_id for e in envs}


class RecordingKafka:
    """The aiokafka consumer a batch comes with: records the offsets committed."""

    _closed = False

    def __init__(self) -> None:
        self.committed: list[dict[TopicPartition, int]] = []

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.committed.append(dict(offsets))

    def assignment(self) -> set[TopicPartition]:
        return set()

    def seek(self, tp: TopicPartition, offset: int) -> None:
        raise AssertionError("nothing here has to be read again")


@pytest.fixture()
def kafka(monkeypatch: pytest.MonkeyPatch) -> RecordingKafka:
    fake = RecordingKafka()
    monkeypatch.setattr(faststream.kafka.parser, "FAKE_CONSUMER", fake)  # read when a subscriber is declared
    return fake


def contest(cls: type[ContestOpened] | type[ContestUpdated] = ContestOpened, contest_id: str = "c1") -> Any:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    return cls(contest_id=contest_id, code="CT-1", name="Sáng kiến 2026", issuing_body="Sở Nội vụ",
               categories=[Category(key="tthc", name="Thủ tục hành chính")], opens_at=now, closes_at=now,
               status="open", max_coauthors=3, revision=1)


def raw(env: Envelope) -> bytes:
    return env.model_dump_json().encode()


class Captured:
    """What a test subscriber on one topic received: bodies and headers."""

    def __init__(self, broker: KafkaBroker, topic: str) -> None:
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, Any]] = []

        @broker.subscriber(topic, group_id=f"capture-{topic}")
        async def capture(body: Any, msg: KafkaMessage) -> None:
            self.bodies.append(msg.body)
            self.headers.append(dict(msg.headers))


async def test_a_typed_handler_receives_its_typed_envelope_and_commits_after_it(kafka: RecordingKafka) -> None:
    broker = make_broker("localhost:9092", client_id=SERVICE)
    got: list[Envelope[ContestSnapshot]] = []

    @on(ContestOpened, ContestUpdated)
    async def contests(env: Envelope[ContestSnapshot]) -> None:
        got.append(env)

    inbox = MemoryInbox()
    consumer = Consumer(broker, service=SERVICE, group_id=SERVICE, inbox=inbox, routes=[contests],
                        patience=PATIENCE)
    sent = Envelope.wrap(contest(ContestUpdated), producer="submission", correlation_id="c-typed")
    async with TestKafkaBroker(broker):
        await broker.publish(raw(sent), topics.CONTESTS.name, key=b"c1")
        await broker.publish(raw(sent), topics.CONTESTS.name, key=b"c1")  # redelivered: handled once

    assert len(got) == 1
    env = got[0]
    assert type(env) is envelope_class(ContestUpdated) and isinstance(env.payload, ContestUpdated)
    assert env.payload == sent.typed().payload and env.event_id == sent.event_id
    assert raw(env) == raw(sent)
    assert inbox.ids == {sent.event_id} and consumer.handled == 1
    await consumer._commit()  # what the idle flusher does within a second
    assert kafka.committed[-1] == {TopicPartition(topics.CONTESTS.name, 0): 1}


async def test_poison_is_dead_lettered_with_its_reason_and_the_rest_handled(kafka: RecordingKafka) -> None:
    broker = make_broker("localhost:9092", client_id=SERVICE)
    handled: list[str] = []

    @on(ContestOpened)
    async def opened(env: Envelope[ContestOpened]) -> None:
        if env.payload.contest_id == "rejected":
            raise PermanentError("the contest contradicts what is known")
        if env.payload.contest_id == "buggy":
            raise ValueError("a bug in this version of the handler")
        handled.append(env.payload.contest_id)

    consumer = Consumer(broker, service=SERVICE, group_id=SERVICE, inbox=MemoryInbox(), routes=[opened],
                        max_attempts=2, backoff=0.001, patience=PATIENCE)
    letters = Captured(broker, topics.dead_letter(SERVICE).name)
    bad = json.loads(raw(Envelope.wrap(contest(contest_id="x"), producer="submission")))
    bad["payload"]["status"] = "emperor"
    async with TestKafkaBroker(broker):
        for message in (b"{not json", json.dumps(bad).encode(),
                        raw(Envelope.wrap(contest(contest_id="rejected"), producer="submission",
                                          correlation_id="c-rej")),
                        raw(Envelope.wrap(contest(contest_id="buggy"), producer="submission")),
                        raw(Envelope.wrap(contest(contest_id="fine"), producer="submission"))):
            await broker.publish(message, topics.CONTESTS.name, key=b"k")

    reasons = [json.loads(b)["reason"] for b in letters.bodies]
    assert reasons[0].startswith("undecodable message") and "Invalid JSON" in reasons[0]
    assert reasons[1].startswith("undecodable message") and "status" in reasons[1]
    assert reasons[2] == "rejected: the contest contradicts what is known"
    assert reasons[3] == "failed 2 times: ValueError('a bug in this version of the handler')"
    assert len(reasons) == 4 and consumer.dead_lettered == 4
    assert letters.headers[2][CORRELATION_HEADER] == "c-rej", "a dead letter names the event's correlation id"
    assert handled == ["fine"], "the events after the poison are handled"


async def test_a_transient_failure_waits_and_retries_without_dead_lettering(kafka: RecordingKafka) -> None:
    broker = make_broker("localhost:9092", client_id=SERVICE)
    calls = 0

    @on(ContestOpened)
    async def opened(env: Envelope[ContestOpened]) -> None:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise AutoReconnect("the store is restarting")

    consumer = Consumer(broker, service=SERVICE, group_id=SERVICE, inbox=MemoryInbox(), routes=[opened],
                        max_attempts=1, backoff=0.001, patience=PATIENCE)
    letters = Captured(broker, topics.dead_letter(SERVICE).name)
    async with TestKafkaBroker(broker):
        await broker.publish(raw(Envelope.wrap(contest(), producer="submission")), topics.CONTESTS.name, key=b"c1")

    assert calls == 3 and consumer.handled == 1 and consumer.transient_retries == 2
    assert letters.bodies == [] and consumer.dead_lettered == 0
    assert consumer.status()["state"] == "running"


async def test_the_correlation_id_travels_from_a_consumed_event_to_what_its_handling_publishes(
        kafka: RecordingKafka) -> None:
    broker = make_broker("localhost:9092", client_id=SERVICE)
    publish = relay_publisher(broker, SERVICE)
    written: list[Envelope] = []

    @on(ContestOpened)
    async def opened(env: Envelope[ContestOpened]) -> None:
        # What a use case does: wrap the events it causes (the outbox keeps them; the relay sends them).
        written.append(Envelope.wrap(RoundClosed(contest_id=env.payload.contest_id, round_no=1, final_round=False,
                                                 scored_entries=[], advancing=[]),
                                     producer=SERVICE))

    Consumer(broker, service=SERVICE, group_id=SERVICE, inbox=MemoryInbox(), routes=[opened], patience=PATIENCE)
    results = Captured(broker, topics.JUDGING.name)
    async with TestKafkaBroker(broker):
        await broker.publish(raw(Envelope.wrap(contest(), producer="submission", correlation_id="req-42")),
                             topics.CONTESTS.name, key=b"c1")
        assert [e.correlation_id for e in written] == ["req-42"]
        await publish(written)

    assert results.headers[0][CORRELATION_HEADER] == "req-42"
    assert results.headers[0]["correlation_id"] == "req-42", "FastStream's own correlation id is the same"
    assert json.loads(results.bodies[0])["correlation_id"] == "req-42"


async def test_the_relay_publishes_through_the_declared_publisher_of_each_topic(kafka: RecordingKafka) -> None:
    broker = make_broker("localhost:9092", client_id=SERVICE)
    publish = relay_publisher(broker, SERVICE)
    assert publish.topics == [topics.JUDGING.name]  # judging writes one topic
    declared = publish.publisher(topics.JUDGING.name)
    envs = [Envelope.wrap(RoundClosed(contest_id="c1", round_no=n, final_round=False, scored_entries=[], advancing=[]),
                          producer=SERVICE, correlation_id="r") for n in (1, 2)]
    results = Captured(broker, topics.JUDGING.name)
    async with TestKafkaBroker(broker):
        await publish(envs)
        assert declared.mock is not None
        assert declared.mock.call_count == 2, "both went through the declared publisher"

    assert results.bodies == [raw(e) for e in envs], "in order, byte for byte the stored envelopes"
    assert all(h["event-type"] == "RoundClosed" and h[CORRELATION_HEADER] == "r" for h in results.headers)
