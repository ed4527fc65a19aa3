"""A store outage (FerretDB stopped for tens of seconds) while consumers handle events and people
use the site: events wait and are applied once the store is back, none is dead-lettered;
every request answers 503 with ``Retry-After`` (never a 500, never a 502 for anyone else).

In ``tests/resilience`` so it runs after the other integration tests (it stops the shared store)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shared.envelope import Envelope
from shared.events.entries import EntryBecameEligible, Sections
from shared.events.statuses import EntryStatusChanged
from tests.conftest import Api, eventually, initiative, new_contest, new_participant, unique
from tests.resilience.faults import collection, health, letters, publish, ready, runner, sentinels, wait

pytestmark = pytest.mark.integration

SECTIONS = Sections(current_situation="Hiện trạng", solution="Giải pháp", novelty="Tính mới",
                    effectiveness="Hiệu quả", applicability="Khả năng áp dụng")


def _events(cid: str, run: str, n: int) -> tuple[list[Envelope], list[Envelope]]:
    now = datetime.now(UTC)
    eligible = [Envelope.wrap(EntryBecameEligible(
        entry_id=f"{run}-{i}", contest_id=cid, code=f"SK-{run}-{i}", title=f"Sáng kiến {i}", category="tthc",
        sections=SECTIONS, attachments=[], version=1, submitted_at=now, conflict_unit="ubnd xa tan chi"),
        producer="outage-test") for i in range(n)]
    statuses = [Envelope.wrap(EntryStatusChanged(entry_id=f"{run}-{i}", contest_id=cid, category="tthc",
                                                 unit="UBND xã Tân Chi", status="submitted", at=now),
                              producer="outage-test") for i in range(n)]
    return eligible, statuses


def _retries(service: str) -> int:
    return int((health(service).get("consumer") or {}).get("transient_retries", -1))


def test_events_arriving_while_the_store_is_down_are_applied_once_and_never_dead_lettered(organiser: Api) -> None:
    run = unique("out")
    cid = new_contest(organiser)["contest_id"]
    eventually(lambda: organiser.get(f"/judging/api/contests/{cid}/setup").status_code == 200, timeout=120,
               what="judging to hear of the contest")
    eligible, statuses = _events(cid, run, 10)
    before = {s: _retries(s) for s in ("judging", "awards")}
    assert min(before.values()) >= 0, "the consumers report their state in /health"
    runner("stop", "ferretdb")
    try:
        asyncio.run(publish(*eligible, *statuses))
        # Both consumers meet the outage and keep waiting, round after round: more rounds than the
        # three attempts after which an event used to be dead-lettered.
        wait(lambda: all(_retries(s) >= before[s] + 4 for s in before), 180, "the consumers to keep retrying")
        assert all((health(s).get("consumer") or {}).get("state") == "waiting" for s in before)
    finally:
        runner("start", "ferretdb")

    # Every event applied once the store is back...
    judging_entries = collection("judging", "entries")
    wait(lambda: judging_entries.count_documents({"contest_id": cid}) == 10, 180, "judging to store every entry")
    facts = collection("awards", "statuses")
    wait(lambda: facts.count_documents({"_id": {"$in": [e.event_id for e in statuses]}}) == 10, 180,
         "awards to store every status")
    # ...and none dead-lettered: a poison sentinel behind them on every partition.
    asyncio.run(sentinels("submission.entries", 6, run))
    asyncio.run(sentinels("submission.statuses", 6, run))
    for service, topic in (("judging", "submission.entries"), ("awards", "submission.statuses")):
        def mine(ms: list[Any], topic: str = topic) -> list[Any]:
            return [m for m in ms if isinstance(m, dict) and run in str(m.get("value") or "")
                    and m.get("topic") == topic]
        found = mine(asyncio.run(letters(service, until=lambda ms, mine=mine: len(
            [m for m in mine(ms) if "sentinel" in str(m.get("value"))]) >= 6)))
        assert found and all("sentinel" in str(m["value"]) for m in found), \
            f"{service} dead-lettered good events: {[m['reason'] for m in found if 'sentinel' not in str(m['value'])]}"
    assert all((health(s).get("consumer") or {}).get("state") == "running" for s in before)


def test_while_the_store_is_down_requests_answer_503_and_nobody_gets_a_502(gateway: str, organiser: Api) -> None:
    contest = new_contest(organiser)
    cid = contest["contest_id"]
    author, _ = new_participant(gateway)
    bystander, _ = new_participant(gateway, name="Lê Thị Bình")
    wait(lambda: author.get("/submission/api/my/entries").status_code == 200, 30, "the participant to be known")

    runner("stop", "ferretdb")
    seen: list[tuple[str, int, str | None, str]] = []
    try:
        def hit(api: Api, calls: list[tuple[str, str, Any]], rounds: int) -> None:
            for _ in range(rounds):
                for method, path, body in calls:
                    r = api.request(method, path, json=body, headers={"Accept": "application/json"})
                    seen.append((path, r.status_code, r.headers.get("retry-after"), r.headers.get("content-type", "")))

        reads = [("GET", "/submission/api/contests", None), ("GET", f"/submission/api/contests/{cid}", None),
                 ("GET", f"/judging/api/contests/{cid}/setup", None),
                 ("GET", f"/awards/api/contests/{cid}/prizes", None), ("GET", "/awards/api/public/contests", None)]
        mine = [("GET", "/submission/api/my/entries", None)]
        posts = [("POST", f"/submission/api/contests/{cid}/entries", initiative())]
        threads = [threading.Thread(target=hit, args=(organiser, reads, 3)),
                   threading.Thread(target=hit, args=(author, mine, 6)),
                   threading.Thread(target=hit, args=(bystander, posts, 6))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        page = httpx.get(f"{gateway}/submission/contests?lang=en", headers={"Accept": "text/html"}, timeout=30)
        token = httpx.post(f"{gateway}/identity/api/token", json={"email": "x@test.example", "password": "y" * 10},
                           timeout=30)
    finally:
        runner("start", "ferretdb")

    statuses = {s for _, s, _, _ in seen}
    assert statuses == {503}, f"only 503 while the store is down: {sorted(statuses)}"
    assert all(ra and int(ra) > 0 for _, _, ra, _ in seen), "every 503 says when to retry"
    assert all(ct.startswith("application/json") for _, _, _, ct in seen)
    assert page.status_code == 503 and "try again" in page.text and page.headers["retry-after"]
    assert token.status_code == 503 and "thử lại" in token.json()["detail"]

    wait(lambda: all(ready(s) for s in ("identity", "submission", "judging", "awards")), 120, "the services")
    # Afterwards, nobody inherits a broken connection: a burst of POSTs (which nginx never retries) succeed.
    created = bystander.post(f"/submission/api/contests/{cid}/entries", json=initiative())
    codes = [created.status_code] + [bystander.post(f"/submission/api/entries/{created.json()['entry_id']}/submit"
                                                    ).status_code for _ in range(29)]
    assert codes == [201] + [200] * 29, codes
