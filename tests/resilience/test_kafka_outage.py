"""A broker outage: work written while Kafka is stopped (changes with their events inside the
document, creations with their events beside it) is published after it restarts, each
event reaches the topic exactly once, and the running services carry on afterwards.

Kept in its own folder so it runs after the other integration tests (it stops the shared broker)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid

import pytest

from deploy.local.infra import ROOT
from shared import outbox
from shared.broker import make_broker, relay_publisher
from shared.envelope import Envelope
from shared.mongo import connect, database
from shared.staged_outbox import StagedOutbox
from tests.conftest import PROFILE, Api
from tests.e2e import test_skeleton as skeleton
from tests.integration.kafka_util import PROBE_TOPIC as TOPIC
from tests.integration.kafka_util import OutboxProbe, ensure_topics, read_all

pytestmark = pytest.mark.integration


def runner(*args: str) -> None:
    subprocess.run([sys.executable, "deploy/local/runner.py", *args, "--profile", PROFILE.name], cwd=ROOT, check=True,
                   capture_output=True, timeout=180)


async def test_events_written_while_kafka_is_down_are_delivered_once_after_restart() -> None:
    run = uuid.uuid4().hex[:8]
    await ensure_topics(PROFILE.kafka_bootstrap, TOPIC)
    client = connect(PROFILE.mongo_url)
    coll = client["contest_test_outbox"][f"things_{run}"]
    await outbox.ensure_indexes([coll])
    broker = make_broker(PROFILE.kafka_bootstrap, client_id="outbox-test")
    await broker.start()
    staged = StagedOutbox(database(client, "contest_test_outbox", store="ferretdb")["outbox"])
    relay = outbox.OutboxRelay([coll], relay_publisher(broker), interval=0.1, max_backoff=2.0, staged=staged)
    staged.on_ready = relay.kick
    try:
        await asyncio.to_thread(runner, "stop", "kafka")
        # The application keeps accepting work: each write stores its state and its event together.
        started = time.monotonic()
        for i in range(20):
            env = Envelope.wrap(OutboxProbe(thing_id=f"{run}-{i}", run=run, n=i), producer="test")
            await coll.insert_one(outbox.new_document({"_id": f"{run}-{i}", "n": i}, env))
        for i in range(20, 25):  # creations whose events wait beside the document (shared.staged_outbox)
            env = Envelope.wrap(OutboxProbe(thing_id=f"{run}-{i}", run=run, n=i), producer="test")
            await staged.insert(coll, {"_id": f"{run}-{i}", "n": i}, env)
        env = Envelope.wrap(OutboxProbe(thing_id=f"{run}-0", run=run, n=100), producer="test")
        await coll.update_one({"_id": f"{run}-0"}, outbox.with_events({"$set": {"n": 100}}, env))
        assert time.monotonic() - started < 5, "writes must not wait for Kafka"
        relay.start()
        await asyncio.sleep(3)
        assert await coll.count_documents({outbox.PENDING: True}) == 20, "nothing can be published yet"
        assert await staged.records.count_documents({}) == 5

        await asyncio.to_thread(runner, "start", "kafka")
        deadline = time.monotonic() + 120
        while await coll.count_documents({outbox.PENDING: True}) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        assert await coll.count_documents({outbox.PENDING: True}) == 0
        assert (await coll.find_one({"_id": f"{run}-0"}) or {}).get("n") == 100

        mine = await read_all(PROFILE.kafka_bootstrap, TOPIC,
                              until=lambda ms: sum(m.get("payload", {}).get("run") == run for m in ms) >= 26)
        ids = [m["event_id"] for m in mine if m.get("payload", {}).get("run") == run]
        assert len(ids) == 26
        assert len(set(ids)) == 26, "each event exactly once"
    finally:
        await relay.stop()
        await broker.stop()
        await client.drop_database("contest_test_outbox")
        await client.close()
        if not (PROFILE.var / "run" / "kafka.pid").exists():
            await asyncio.to_thread(runner, "start", "kafka")


def test_the_services_carry_on_after_the_outage(gateway: str, organiser: Api) -> None:
    """The whole skeleton again, after the restart: producers, relays and consumer groups recovered."""
    skeleton.test_an_initiative_travels_through_every_service(gateway, organiser)
