"""Two replicas of submission and two of judging behind one nginx upstream each, on the stack's
FerretDB: work driven through the gateway is neither lost nor duplicated.

What this proves, with requests spread over both replicas of each service (each replica's HTTP
metrics show work) and Kafka spreading each consumer group's partitions over them:

- every entry created and submitted concurrently by several participants, and screened eligible,
  has exactly one ``EntryStatusChanged`` per status, one ``EntryBecameEligible`` and one
  ``EntryAuthorsRecorded`` on Kafka (one event id each: no staged record was dropped by the other
  replica, no fact written twice). An event may be *published* twice when the two replicas write
  the same document back to back (each relay drains what it finds in it): the copy has the same
  id and bytes, and consumers drop it by id, which the next point checks;
- judging received every entry once (round 1's preview lists each exactly once), assigned and
  scored it: one ``EntryReviewStarted`` and one ``EntryRoundScored`` per entry, and awards ranks
  each entry once;
- no outbox record is stranded: no document of the contest still waits in an in-document outbox,
  and no staging collection still holds a record of these entries.

What it does not prove: FerretDB isolates nothing across processes, so the test never has two
replicas write the same document at the same moment (each participant's entries are their own
documents; the two judges score one after the other, so no entry's last two sheets race on two
replicas). A relay's removal of published events rewrites the whole document on FerretDB, too, so
before another replica writes a document this process just changed, the test waits until its
outbox is drained (``drained``). Those cases are safe only on MongoDB (``store=mongodb``), which no
test here can run.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from deploy.local.infra import replica_name
from tests.conftest import (
    PROFILE,
    Api,
    eventually,
    new_contest,
    new_judge,
    new_participant,
    set_panel,
    submit_entries,
)
from tests.integration.kafka_util import read_all
from tests.resilience.faults import collection, runner

pytestmark = pytest.mark.integration

REPLICATED = ("submission", "judging")
PARTICIPANTS, EACH = 4, 2
RUBRIC = {"criteria": [
    {"key": "novelty", "name": "Tính mới", "description": "", "max_points": 30},
    {"key": "effectiveness", "name": "Tính hiệu quả", "description": "", "max_points": 40},
    {"key": "applicability", "name": "Khả năng áp dụng", "description": "", "max_points": 20},
    {"key": "presentation", "name": "Hình thức trình bày", "description": "", "max_points": 10}]}
SCORES = {"novelty": 24, "effectiveness": 32, "applicability": 16, "presentation": 8}


@pytest.fixture(scope="module")
def second_replicas() -> Iterator[None]:
    """A second process of submission and of judging, in nginx's upstreams until the end."""
    try:
        for service in REPLICATED:
            runner("start", replica_name(service, 2))
        yield
    finally:
        for service in REPLICATED:
            runner("stop", replica_name(service, 2))


def posts_served(service: str, replica: int) -> float:
    """Writes (POST, PUT) this replica answered (its own ``/metrics``, never routed by the gateway)."""
    text = httpx.get(f"http://127.0.0.1:{PROFILE.replica_port(service, replica)}/metrics", timeout=10).text
    writes = ('method="POST"', 'method="PUT"')
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("contest_http_requests_total{") and any(w in line for w in writes))


def topic(name: str, cid: str, until: Any) -> list[dict[str, Any]]:
    def mine(ms: list[Any]) -> list[dict[str, Any]]:
        return [m for m in ms if isinstance(m, dict) and m.get("payload", {}).get("contest_id") == cid]

    return mine(asyncio.run(read_all(PROFILE.kafka_bootstrap, name, until=lambda ms: until(mine(ms)), wait_s=120)))


def exactly_once(msgs: list[dict[str, Any]], kind: str, entries: list[str], **match: Any) -> None:
    """One fact per entry: one event id (its copies, if any, are checked by ``copies_are_identical``)."""
    chosen = {m["event_id"]: m for m in msgs
              if m["event_type"] == kind and all(m["payload"].get(k) == v for k, v in match.items())}
    per_entry = Counter(m["payload"]["entry_id"] for m in chosen.values())
    assert per_entry == dict.fromkeys(entries, 1), f"{kind} {match}: {per_entry}"


def copies_are_identical(msgs: list[dict[str, Any]]) -> None:
    """An event id seen twice is the same event published again (at-least-once on the wire, which
    consumers drop by id), never a second fact under a reused id; and at most twice."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for m in msgs:
        by_id.setdefault(m["event_id"], []).append(m)
    for event_id, copies in by_id.items():
        assert all(c == copies[0] for c in copies), f"{event_id}: different events under one id"
        assert len(copies) <= 2, f"{event_id} published {len(copies)} times"


def drained(service: str, name: str, query: dict[str, Any]) -> None:
    """Wait until no document of ``query`` still holds events for its relay: on FerretDB the relay's
    removal rewrites the document, and a write another replica makes meanwhile would be lost."""
    eventually(lambda: collection(service, name).count_documents({**query, "_outbox_pending": True}) == 0,
               timeout=60, what=f"{service}.{name} outbox drained")


def test_two_replicas_of_submission_and_judging_lose_and_duplicate_nothing(
        gateway: str, organiser: Api, second_replicas: None) -> None:
    before = {(s, k): posts_served(s, k) for s in REPLICATED for k in (1, 2)}
    contest = new_contest(organiser)
    cid = contest["contest_id"]
    judges = [new_judge(gateway, organiser, unit, f"Giám khảo {unit}") for unit in ("Sở Tư pháp", "Sở Y tế")]
    eventually(lambda: organiser.get(f"/judging/api/contests/{cid}/setup").status_code == 200, timeout=300,
               what="judging to hear of the contest")
    set_panel(organiser, cid, judges, timeout=120)
    assert organiser.put(f"/judging/api/contests/{cid}/rubric", json=RUBRIC).status_code == 200
    r = organiser.put(f"/judging/api/contests/{cid}/rounds", json={"rounds": [{"judges_per_entry": 2}]})
    assert r.status_code == 200, r.text

    authors = [new_participant(gateway, unit="UBND xã Tân Chi", name=f"Tác giả {i}")[0] for i in range(PARTICIPANTS)]
    with ThreadPoolExecutor(PARTICIPANTS) as pool:
        per_author = list(pool.map(lambda a: submit_entries(a, cid, EACH, lambda _: "UBND xã Tân Chi"), authors))
    entries = sorted(e for ids in per_author for e in ids)
    assert len(set(entries)) == PARTICIPANTS * EACH
    drained("submission", "entries", {"_id": {"$in": entries}})
    assert organiser.post(f"/submission/api/contests/{cid}/close").status_code == 200
    with ThreadPoolExecutor(4) as pool:
        screened = list(pool.map(lambda e: organiser.post(f"/submission/api/entries/{e}/screening",
                                                          json={"eligible": True}).status_code, entries))
    assert screened == [200] * len(entries)
    drained("submission", "entries", {"_id": {"$in": entries}})

    def arrived() -> list[str] | None:
        r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/preview", json={"seed": 5})
        ids = sorted(e["entry_id"] for e in r.json()["entries"]) if r.status_code == 200 else []
        return ids if len(ids) >= len(entries) else None

    assert eventually(arrived, timeout=300, what="judging to receive every eligible entry") == entries, "each once"
    r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"seed": 5})
    assert r.status_code == 200, r.text
    for judge in judges:  # one judge after the other: an entry's two sheets never race on two replicas
        queue = [q for q in judge.get("/judging/api/queue", timeout=120).json() if q["contest_id"] == cid]
        assert sorted(q["entry_id"] for q in queue) == entries
        for q in queue:
            assert judge.post(f"/judging/api/reviews/{q['review_id']}/declaration").status_code == 200
            r = judge.put(f"/judging/api/reviews/{q['review_id']}/sheet", json={"scores": SCORES, "submit": True})
            assert r.status_code == 200, r.text
        drained("judging", "reviews", {"contest_id": cid})
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/close").status_code == 200

    served = {key: posts_served(*key) - n for key, n in before.items()}
    assert all(n > 0 for n in served.values()), f"nginx spreads the writes over both replicas: {served}"

    statuses = topic("submission.statuses", cid,
                     lambda ms: sum(m["payload"]["status"] == "eligible" for m in ms) >= len(entries))
    exactly_once(statuses, "EntryStatusChanged", entries, status="submitted")
    exactly_once(statuses, "EntryStatusChanged", entries, status="eligible")
    copies_are_identical(statuses)
    eligible = topic("submission.entries", cid, lambda ms: len(ms) >= len(entries))
    exactly_once(eligible, "EntryBecameEligible", entries)
    copies_are_identical(eligible)
    authors_msgs = [m for m in asyncio.run(read_all(
        PROFILE.kafka_bootstrap, "submission.authors", wait_s=60,
        until=lambda ms: sum(isinstance(m, dict) and m.get("payload", {}).get("entry_id") in entries
                             for m in ms) >= len(entries)))
        if isinstance(m, dict) and m.get("payload", {}).get("entry_id") in entries]
    exactly_once(authors_msgs, "EntryAuthorsRecorded", entries)
    copies_are_identical(authors_msgs)
    results = topic("judging.results", cid, lambda ms: any(m["event_type"] == "JudgingClosed" for m in ms))
    exactly_once(results, "EntryReviewStarted", entries)
    exactly_once(results, "EntryRoundScored", entries, round_no=1)
    copies_are_identical(results)

    def ranked() -> list[str] | None:
        r = organiser.get(f"/awards/api/contests/{cid}/ranking")
        ids = sorted(e["entry_id"] for e in r.json()["entries"]) if r.status_code == 200 else []
        return ids if len(ids) >= len(entries) else None

    assert eventually(ranked, timeout=120, what="awards to rank every entry") == entries

    def settled() -> bool:
        waiting = collection("submission", "entries").count_documents(
            {"_id": {"$in": entries}, "_outbox_pending": True})
        waiting += collection("judging", "reviews").count_documents({"contest_id": cid, "_outbox_pending": True})
        db = collection("submission", "outbox").database
        staged = sum(db[name].count_documents({"doc_id": {"$in": entries}})
                     for name in db.list_collection_names() if name.startswith("outbox"))
        return waiting == 0 and staged == 0

    eventually(settled, timeout=60, what="no outbox record left for these entries")
