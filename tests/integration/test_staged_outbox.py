"""Creation events (``shared.staged_outbox``), against the real FerretDB and Kafka. On FerretDB
(``shared.ferretdb.staging``): a confirmed creation is published once; a refused one never; after
a crash the scan publishes the events of documents that exist and drops those of documents that
do not; each process's collection is dropped once everything in it is settled, never another
live process's, and a gone process's collection is adopted. With ``store=mongodb`` the events go
inside the new document."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError

from shared.broker import make_broker, relay_publisher
from shared.envelope import Envelope
from shared.mongo import Doc, connect, database
from shared.outbox import OutboxRelay
from shared.staged_outbox import StagedOutbox
from tests.conftest import PROFILE
from tests.integration.kafka_util import PROBE_TOPIC as TOPIC
from tests.integration.kafka_util import OutboxProbe, ensure_topics, read_all

pytestmark = pytest.mark.integration


class Rig:
    def __init__(self, run: str) -> None:
        self.run = run
        self.client = connect(PROFILE.mongo_url)
        self.db = database(self.client, f"contest_test_staged_{run}", store="ferretdb")
        self.plain = database(self.client, self.db.name, store="mongodb")
        self.things = self.db["things"]
        self.staged = StagedOutbox(self.db["outbox"], grace=1.0, drop_every=1.0)
        self.broker = make_broker(PROFILE.kafka_bootstrap, client_id="staged-test")
        self.relay = OutboxRelay([], relay_publisher(self.broker), interval=0.05, rescan=0.5, staged=self.staged)
        self.staged.on_ready = self.relay.kick

    def event(self, thing_id: str) -> Envelope:
        return Envelope.wrap(OutboxProbe(thing_id=thing_id, run=self.run), producer="test")

    async def on_topic(self, expected: int) -> list[dict[str, Any]]:
        msgs = await read_all(PROFILE.kafka_bootstrap, TOPIC,
                              until=lambda ms: sum(m.get("payload", {}).get("run") == self.run for m in ms) >= expected)
        return [m for m in msgs if m.get("payload", {}).get("run") == self.run]

    async def records(self) -> list[Doc]:
        return await self.staged.records.find({}).to_list()


@pytest.fixture()
async def rig() -> AsyncIterator[Rig]:
    await ensure_topics(PROFILE.kafka_bootstrap, TOPIC)
    r = Rig(uuid.uuid4().hex[:8])
    await r.broker.start()
    try:
        yield r
    finally:
        await r.relay.stop()
        await r.staged.close()
        await r.broker.stop()
        await r.client.drop_database(r.db.name)
        await r.client.close()


async def wait_for(check: Any, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_confirmed_creations_are_published_once_and_refused_ones_never(rig: Rig) -> None:
    rig.relay.start()
    for i in range(10):
        await rig.staged.insert(rig.things, {"_id": f"t{i}", "n": i}, rig.event(f"t{i}"))
    refused = rig.event("t0-again")
    with pytest.raises(DuplicateKeyError):
        await rig.staged.insert(rig.things, {"_id": "t0", "n": -1}, refused)  # the document exists already

    msgs = await rig.on_topic(10)
    assert sorted(m["payload"]["thing_id"] for m in msgs) == sorted(f"t{i}" for i in range(10))
    assert len({m["event_id"] for m in msgs}) == len(msgs) == 10
    # Everything settled: the collection is dropped rather than emptied record by record.
    await wait_for(lambda: _empty(rig))
    await asyncio.sleep(2.5)  # several scans later, nothing else went out (the refused event above all)
    assert len(await rig.on_topic(10)) == 10


async def test_concurrent_creations_are_written_together_and_a_refusal_is_only_its_own(rig: Rig) -> None:
    rig.relay.start()
    await rig.things.insert_one({"_id": "taken"})
    ids = [f"g{i}" for i in range(40)]
    ids[17] = "taken"  # one caller in the middle of a group is refused: its document exists
    envs = {i: rig.event(i) for i in ids}
    calls = [rig.staged.insert(rig.things, {"_id": i, "n": n}, envs[i]) for n, i in enumerate(ids)]
    # and one whose event record is refused: the same event as another caller's
    calls.append(rig.staged.insert(rig.things, {"_id": "same-event"}, envs["g3"]))
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(results[17], DuplicateKeyError) and isinstance(results[40], DuplicateKeyError)
    assert all(r is None for n, r in enumerate(results) if n not in (17, 40)), results
    assert rig.staged.groups < len(calls), "concurrent creations share their writes"
    assert await rig.things.count_documents({"_id": {"$in": ids}}) == 40  # 39 new ones and the one taken before
    assert (await rig.things.find_one({"_id": "taken"})) == {"_id": "taken"}, "the refused one changed nothing"
    assert await rig.things.find_one({"_id": "same-event"}) is None, "a refused record keeps its document out"
    msgs = await rig.on_topic(39)
    assert sorted(m["event_id"] for m in msgs) == sorted(e.event_id for i, e in envs.items() if i != "taken")
    await wait_for(lambda: _empty(rig))
    await asyncio.sleep(2.5)
    assert len(await rig.on_topic(39)) == 39, "the refused creation's event never goes out"


async def _empty(rig: Rig) -> bool:
    return not await rig.records()


async def test_after_a_crash_the_scan_publishes_existing_documents_and_drops_orphans(rig: Rig) -> None:
    # What a crashed process leaves: records written, then either the document or nothing.
    rig.staged.grace = 8.0
    old = datetime.now(UTC) - timedelta(seconds=30)
    created, orphan = rig.event("created"), rig.event("never-created")
    for env, doc_id in ((created, "created"), (orphan, "never-created")):
        await rig.staged.records.insert_one({"_id": env.event_id, "coll": "things", "doc_id": doc_id, "at": old,
                                             "envelope": env.model_dump(mode="json")})
    await rig.things.insert_one({"_id": "created"})
    young = rig.event("young")  # a write still under way when the scan comes: judged after ``grace``
    await rig.staged.records.insert_one({"_id": young.event_id, "coll": "things", "doc_id": "young",
                                         "writer": rig.staged.writer, "at": datetime.now(UTC),
                                         "envelope": young.model_dump(mode="json")})

    rig.relay.start()
    msgs = await rig.on_topic(1)
    assert [m["event_id"] for m in msgs] == [created.event_id]
    await rig.things.insert_one({"_id": "young"})  # it did complete: published once judged
    msgs = await rig.on_topic(2)
    assert {m["event_id"] for m in msgs} == {created.event_id, young.event_id}
    await wait_for(lambda: _empty(rig))
    assert orphan.event_id not in {m["event_id"] for m in await rig.on_topic(2)}


async def _gone_pid() -> int:
    proc = await asyncio.create_subprocess_exec("true")
    await proc.wait()
    return proc.pid


async def test_a_killed_process_s_collection_is_adopted_within_seconds(rig: Rig) -> None:
    """A process killed mid-creation leaves its staging collection and lease: it writes nothing
    more, so another process judges the records ``restart_grace`` after seeing it gone (its pid is
    no longer alive here), not after the lease expires, then drops the collection and the lease."""
    rig.staged.grace = 3600.0  # this process's own unknown writes would wait an hour
    rig.staged.restart_grace = 1.0
    dead = "outbox_p_killed"
    until = datetime.now(UTC) + timedelta(hours=1)  # the lease would still run: the pid tells
    await rig.db["outbox_leases"].insert_one({"_id": dead, "writer": "killed", "host": rig.staged.host,
                                              "pid": await _gone_pid(), "until": until})
    created, orphan = rig.event("created-at-crash"), rig.event("refused-at-crash")
    for env, doc_id in ((created, "created-at-crash"), (orphan, "refused-at-crash")):
        await rig.db[dead].insert_one({"_id": env.event_id, "coll": "things", "doc_id": doc_id, "writer": "killed",
                                       "at": datetime.now(UTC), "envelope": env.model_dump(mode="json")})
    await rig.things.insert_one({"_id": "created-at-crash"})
    rig.relay.start()
    msgs = await rig.on_topic(1)
    assert [m["event_id"] for m in msgs] == [created.event_id]

    async def released() -> bool:
        return dead not in await rig.db.list_collection_names() and not await rig.db["outbox_leases"].find_one(
            {"_id": dead})

    await wait_for(released)
    assert orphan.event_id not in {m["event_id"] for m in await rig.on_topic(1)}


async def test_two_replicas_drop_only_their_own_records(rig: Rig) -> None:
    """Two processes creating in one database (two replicas of a service): each drops its own
    collection once settled; the other's records, not yet published, survive every drop and go
    out once its relay runs. A live replica's collection is never adopted."""
    other = StagedOutbox(rig.db["outbox"], grace=1.0, drop_every=1.0)
    assert other.records.name != rig.staged.records.name
    other_relay = OutboxRelay([], relay_publisher(rig.broker), interval=0.05, rescan=0.5, staged=other)
    other.on_ready = other_relay.kick
    waiting = [rig.event(f"b{i}") for i in range(5)]
    for i, env in enumerate(waiting):
        await other.insert(rig.things, {"_id": f"b{i}"}, env)  # its relay is not running yet
    rig.relay.start()
    mine = [rig.event(f"a{i}") for i in range(5)]
    for i, env in enumerate(mine):
        await rig.staged.insert(rig.things, {"_id": f"a{i}"}, env)
    await rig.on_topic(5)
    await wait_for(lambda: _empty(rig))
    assert rig.staged.drops >= 1, "the first replica dropped its collection"
    await asyncio.sleep(2.0)  # several scans of the first replica later
    assert len(await other.records.find({}).to_list()) == 5, "the other replica's records survive"
    assert {m["event_id"] for m in await rig.on_topic(5)} == {e.event_id for e in mine}, "and are not adopted"
    other_relay.start()
    try:
        msgs = await rig.on_topic(10)
        assert sorted(m["event_id"] for m in msgs) == sorted(e.event_id for e in mine + waiting)
    finally:
        await other_relay.stop()
        await other.close()


async def test_on_mongodb_the_events_go_inside_the_new_document(rig: Rig) -> None:
    """``store=mongodb``: nothing is staged; the insert carries its events and the relay takes them
    from the document like a change's. A refused insert queues nothing."""
    plain = StagedOutbox(rig.plain["outbox"])
    assert type(plain) is StagedOutbox and type(rig.staged) is not StagedOutbox
    things = rig.plain["things"]
    relay = OutboxRelay([things], relay_publisher(rig.broker), interval=0.05, rescan=0.5, staged=plain)
    relay.start()
    try:
        await plain.insert(things, {"_id": "p1"}, first := rig.event("p1"))
        with pytest.raises(DuplicateKeyError):
            await plain.insert(things, {"_id": "p1"}, rig.event("p1-again"))
        assert await rig.db.list_collection_names() == ["things"], "nothing staged"
        msgs = await rig.on_topic(1)
        assert [m["event_id"] for m in msgs] == [first.event_id]

        async def marked() -> bool:
            return (await things.find_one({"_id": "p1"}) or {}).get("_outbox_pending") is False

        await wait_for(marked)
        await asyncio.sleep(1.5)
        assert len(await rig.on_topic(1)) == 1
    finally:
        await relay.stop()


async def test_a_broker_outage_keeps_confirmed_events_until_kafka_answers(rig: Rig) -> None:
    """Publishing fails (the broker is unreachable): nothing is lost or dropped, and the events go
    out in order once publishing works again."""
    failing = True
    sent: list[str] = []
    publish = relay_publisher(rig.broker)

    async def flaky(envs: Any) -> None:
        if failing:
            raise RuntimeError("Kafka not connected yet")
        await publish(envs)
        sent.extend(e.event_id for e in envs)

    relay = OutboxRelay([], flaky, interval=0.05, rescan=0.5, max_backoff=0.2, staged=rig.staged)
    rig.staged.on_ready = relay.kick
    relay.start()
    try:
        events = [rig.event(f"o{i}") for i in range(5)]
        for i, env in enumerate(events):
            await rig.staged.insert(rig.things, {"_id": f"o{i}"}, env)
        await asyncio.sleep(1.5)
        assert len(await rig.records()) == 5, "kept while nothing can be published"
        failing = False
        await wait_for(lambda: _empty(rig))
        assert sent == [e.event_id for e in events]
        assert len(await rig.on_topic(5)) == 5
    finally:
        await relay.stop()
