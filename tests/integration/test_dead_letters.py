"""Dead letters against the real broker: an oversized poison message is dead-lettered with a
reference (and never blocks its partition), and an operator's replay applies a letter once."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from faststream.kafka import KafkaBroker

from deploy.local.infra import ROOT
from shared import deadletters
from shared.envelope import Envelope
from shared.events.statuses import EntryStatusChanged
from shared.topics import dead_letter, replay
from tests.conftest import PROFILE
from tests.integration.kafka_util import ensure_topics, read_all
from tests.integration.test_consumer_foundations import SERVICE, Balances
from tests.resilience.faults import collection, publish, publish_raw, wait

pytestmark = pytest.mark.integration


async def test_an_oversized_poison_message_is_dead_lettered_by_reference_and_the_next_event_is_handled() -> None:
    run = uuid.uuid4().hex[:8]
    key = f"entry-{run}"
    text = "Sáng kiến cải cách thủ tục hành chính cấp xã " * 14_000  # ~770 KB of Vietnamese, 1.25 MB escaped
    poison = json.dumps({"event_id": f"poison-{run}", "event_type": "EntryStatusChanged", "payload": {
        "entry_id": key, "text": text}}, ensure_ascii=False).encode()
    assert 700_000 < len(poison) < 1_000_000
    sent = await publish_raw("submission.statuses", poison, key=key.encode())
    good = Envelope.wrap(EntryStatusChanged(entry_id=key, contest_id=f"c-{run}", category="tthc", unit="Sở Nội vụ",
                                            status="submitted", at=datetime.now(UTC)), producer="dlq-test")
    await publish(good)  # same key, same partition: right behind the poison

    facts = collection("awards", "statuses")
    await asyncio.to_thread(wait, lambda: facts.find_one({"_id": good.event_id}), 60,
                            "awards to handle the event behind the poison")
    mine = [m for m in await read_all(PROFILE.kafka_bootstrap, dead_letter("awards").name,
                                      until=lambda ms: any(m.get("event_id") == f"poison-{run}" for m in ms))
            if m.get("event_id") == f"poison-{run}"]
    assert len(mine) == 1
    letter = mine[0]
    assert letter["complete"] is False and letter["size"] == len(poison)
    assert (letter["topic"], letter["partition"], letter["offset"]) == ("submission.statuses", sent.partition,
                                                                         sent.offset)
    assert len(deadletters.encode(letter)) < 100 * 1024
    assert letter["reason"].startswith("undecodable message")
    assert await deadletters.original(PROFILE.kafka_bootstrap, letter) == poison, "replayable by its reference"

    listed = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "shared.admin", "--bootstrap", PROFILE.kafka_bootstrap, "dlq", "list",
                         "--service", "awards"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert any(r["event_id"] == f"poison-{run}" and r["state"] == "pending" and r["complete"] is False for r in rows)


async def test_a_replayed_dead_letter_is_applied_once() -> None:
    """A handler bug dead-letters an event; after the fix, the operator's replay applies it once,
    a second replay does nothing, and even a replay whose mark was lost changes nothing more."""
    await ensure_topics(PROFILE.kafka_bootstrap, "test.consumer")
    await ensure_topics(PROFILE.kafka_bootstrap, dead_letter(SERVICE).name, replay(SERVICE).name, partitions=1)
    b = Balances(uuid.uuid4().hex[:8])
    fixed = False

    async def buggy(env: Envelope[Any]) -> None:
        if not fixed and env.payload.account == b.run:
            raise ValueError("a bug in this version of the handler")
        await b.handle(env)

    broker = KafkaBroker(PROFILE.kafka_bootstrap, client_id="replay-test")
    from shared.broker import Consumer
    from shared.handlers import on
    from shared.inbox import Inbox
    from tests.integration.test_consumer_foundations import ConsumerProbe

    consumer = Consumer(broker, service=SERVICE, group_id=f"test-{b.run}", inbox=Inbox(b.db["inbox"]),
                        routes=[on(ConsumerProbe)(buggy)], max_attempts=2, backoff=0.05)
    await broker.start()
    try:
        await b.publish(broker, b.raw(7))
        await b.letters(1)
        assert await b.total() == 0
        fixed = True
        letters = await deadletters.letters(PROFILE.kafka_bootstrap, SERVICE)
        mine = [x for x in letters if b.run in (x.doc.get("value") or "")]
        assert [x.state for x in mine] == ["pending"]
        done = await deadletters.replay(PROFILE.kafka_bootstrap, SERVICE, [mine[0].offset])
        assert done == [mine[0].offset]
        await b.wait_for_total(7, "the replayed event was never applied")
        assert await deadletters.replay(PROFILE.kafka_bootstrap, SERVICE, [mine[0].offset]) == [], "marked replayed"
        state = {x.offset: x.state for x in await deadletters.letters(PROFILE.kafka_bootstrap, SERVICE)}
        assert state[mine[0].offset] == "replayed"
        # A replay whose mark was lost publishes the original again: the inbox ignores it.
        original = await deadletters.original(PROFILE.kafka_bootstrap, mine[0].doc)
        await broker.publish(original, replay(SERVICE).name)
        await b.publish(broker, b.raw(100))  # a later sentinel on the main topic
        await b.wait_for_total(107, "the sentinel was never handled")
        deadline = time.monotonic() + 30
        while consumer.handled < 2 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        assert await b.total() == 107, "the replayed event changed the balance once"
    finally:
        await broker.stop()
        await b.client.drop_database(b.db.name)
        await b.client.close()
