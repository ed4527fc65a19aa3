"""Benchmark: how fast the platform recovers and plans. Figures printed (never asserted in tests):

1. **Backlog drain.** A contest whose first round is released to 12 judges receives a backlog of
   N eligible entries at once (as after a restart, or a round released while screening went on):
   the time from the first event to the last entry assigned, as entries/s. Target: >= 50/s.
2. **Release.** Round 1 of a contest whose 3,000 eligible entries judging holds, released to 12
   judges, 3 per entry: the time the API takes to answer. Target: < 5 s.
3. **Restart to the last in-flight creation.** Participants submit concurrently; submission is
   killed with SIGKILL mid-rush and restarted; the time from the restarted service answering to
   the event of the last stored entry arriving on Kafka. Target: seconds (the old rule: 60 s).

    CONTEST_PROFILE=test .venv/bin/python bench/recovery_bench.py [--entries 300]

Drives the real stack of the profile (loopback only). Bounded: at most 3,000 entries, every
wait has a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pymongo import MongoClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import until
from bench.judging_latency import PASSWORD, UNITS, client, ok, token
from deploy.local.infra import PROFILES, ROOT, Proc, Profile
from shared.envelope import Envelope
from shared.events.entries import EntryBecameEligible, Sections

LONG = "Bộ phận Một cửa cấp xã tiếp nhận hồ sơ bằng giấy, cán bộ phải nhập lại dữ liệu nhiều lần. " * 3
SECTIONS = Sections(current_situation=LONG, solution=LONG, novelty=LONG, effectiveness=LONG, applicability=LONG)


def organiser(base: str, profile: Profile) -> httpx.Client:
    email = f"bench-org-{uuid.uuid4().hex[:6]}@bench.example"
    subprocess.run([sys.executable, "-m", "services.identity", "create-organiser", "--email", email, "--full-name",
                    "Ban Tổ chức Đo", "--unit", "Sở Nội vụ", "--password", PASSWORD],
                   env={**os.environ, **profile.service_env("identity")}, check=True, cwd=ROOT, capture_output=True)
    return client(base, token(base, email, PASSWORD))


def contest(org: httpx.Client) -> str:
    now = datetime.now(UTC)
    from datetime import timedelta
    return str(ok(org.post("/submission/api/contests", json={
        "code": ("R" + uuid.uuid4().hex[:7]).upper(), "name": "Cuộc thi đo khả năng phục hồi",
        "issuing_body": "Sở Nội vụ", "categories": [{"key": "tthc", "name": "Thủ tục hành chính"}],
        "opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=10)).isoformat(),
        "max_entries_per_participant": 1000}))[
        "contest_id"])




def contest_with_panel(base: str, profile: Profile) -> tuple[httpx.Client, str]:
    """A contest with 12 judges of six units on its panel, once judging knows them."""
    org = organiser(base, profile)
    cid = contest(org)
    judges = [ok(org.post("/identity/api/accounts", json={
        "email": f"bench-judge-{uuid.uuid4().hex[:8]}@bench.example", "password": PASSWORD, "roles": ["judge"],
        "full_name": f"Giám khảo {i}", "unit": UNITS[i % len(UNITS)]}))["account_id"] for i in range(12)]
    until(lambda: org.put(f"/judging/api/contests/{cid}/panel", json={"judge_ids": judges}).status_code == 200, 120,
          "judging to know the contest and the judges")
    return org, cid


def publish_eligible(profile: Profile, cid: str, n: int) -> float:
    """``n`` EntryBecameEligible events of the contest, as submission publishes them; seconds taken."""
    now = datetime.now(UTC)
    envs = [Envelope.wrap(EntryBecameEligible(
        entry_id=uuid.uuid4().hex, contest_id=cid, code=f"SK-{i:05d}", title=f"Sáng kiến {i}", category="tthc",
        sections=SECTIONS, attachments=[], version=1, submitted_at=now,
        conflict_unit=UNITS[i % len(UNITS)].casefold()), producer="bench") for i in range(n)]

    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=profile.kafka_bootstrap, enable_idempotence=True, linger_ms=5)
        await producer.start()
        try:
            await asyncio.gather(*[await producer.send(e.topic, e.model_dump_json().encode(), key=e.key.encode())
                                   for e in envs])
        finally:
            await producer.stop()

    started = time.monotonic()
    asyncio.run(send())
    return time.monotonic() - started


def judging_db(profile: Profile) -> Any:
    return MongoClient[dict[str, Any]](profile.mongo_url)[profile.service_env("judging")["JUDGING_MONGO_DB"]]


def backlog(base: str, profile: Profile, n: int) -> float:
    org, cid = contest_with_panel(base, profile)
    ok(org.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"judges_per_entry": 3, "seed": 1}))
    started = time.monotonic()
    sent = publish_eligible(profile, cid, n)

    def assigned() -> bool:
        r = org.get(f"/judging/api/contests/{cid}/progress")
        return r.status_code == 200 and r.json().get("entries") == n
    until(assigned, 600, "every entry of the backlog to be assigned")
    elapsed = time.monotonic() - started
    count = judging_db(profile)["reviews"].count_documents({"contest_id": cid})
    print(f"backlog: {n} eligible entries assigned to 3 of 12 judges in {elapsed:.2f} s "
          f"({n / elapsed:.0f} entries/s; publishing them took {sent:.2f} s; {count} reviews)")
    return n / elapsed


def release(base: str, profile: Profile, n: int) -> float:
    """Time of releasing round 1 of a contest whose ``n`` eligible entries judging already holds."""
    org, cid = contest_with_panel(base, profile)
    publish_eligible(profile, cid, n)
    entries = judging_db(profile)["entries"]
    until(lambda: entries.count_documents({"contest_id": cid}) >= n, 600, "judging to hold every entry")
    started = time.monotonic()
    r = org.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"judges_per_entry": 3, "seed": 1},
                 timeout=300)
    elapsed = time.monotonic() - started
    ok(r)
    print(f"release: round 1 of {n} entries to 3 of 12 judges answered in {elapsed:.2f} s (target < 5 s)")
    return elapsed


def restart(base: str, profile: Profile) -> float:
    org = organiser(base, profile)
    cid = contest(org)
    authors = []
    for i in range(8):
        mail = f"bench-author-{uuid.uuid4().hex[:8]}@bench.example"
        ok(org.post("/identity/api/accounts", json={"email": mail, "password": PASSWORD, "full_name": f"Tác giả {i}",
                                                    "unit": "UBND xã Đo", "roles": ["participant"], "invite": False}))
        authors.append(client(base, token(base, mail, PASSWORD)))
    stop = threading.Event()
    created = [0]
    body = {"title": "Sáng kiến đo phục hồi", "category": "tthc", "author_unit": "UBND xã Đo", "co_authors": [],
            "current_situation": LONG, "solution": LONG, "novelty": LONG, "effectiveness": LONG,
            "applicability": LONG, "commitment": True}

    def rush(api: httpx.Client) -> None:
        for _ in range(500):
            if stop.is_set():
                return
            try:
                r = api.post(f"/submission/api/contests/{cid}/entries", params={"submit": "true"}, json=body,
                             timeout=10)
                created[0] += r.status_code == 201
            except httpx.HTTPError:
                pass

    threads = [threading.Thread(target=rush, args=(a,)) for a in authors]
    for t in threads:
        t.start()
    until(lambda: created[0] >= 100, 120, "the rush to get going")
    pid = Proc("submission", profile).pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    entries = MongoClient[dict[str, Any]](profile.mongo_url)[
        profile.service_env("submission")["SUBMISSION_MONGO_DB"]]["entries"]
    stored = {d["_id"] for d in entries.find({"contest_id": cid}, {"_id": 1})}
    before = asyncio.run(events_of(profile, cid, stored, wait_s=3))
    subprocess.run([sys.executable, "deploy/local/runner.py", "start", "submission", "--profile", profile.name],
                   cwd=ROOT, check=True, capture_output=True, timeout=180)
    answered = time.monotonic()
    asyncio.run(events_of(profile, cid, stored, wait_s=180))
    done = time.monotonic()
    print(f"restart: {len(stored)} entries stored when submission was killed ({created[0]} answered 201), "
          f"{len(stored - before)} of them without their event on Kafka at the crash; the last one reached Kafka "
          f"{done - answered:.1f} s after the restarted service answered")
    return done - answered


async def events_of(profile: Profile, cid: str, stored: set[str], wait_s: float) -> set[str]:
    """Entries of the contest whose ``submitted`` event is on Kafka, read until all of ``stored``
    are there or ``wait_s`` passed."""
    import contextlib
    import json

    consumer = AIOKafkaConsumer("submission.statuses", bootstrap_servers=profile.kafka_bootstrap,
                                group_id=f"bench-{uuid.uuid4().hex[:8]}", auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    seen: set[str] = set()
    try:
        deadline = time.monotonic() + wait_s
        while not stored <= seen and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for r in records:
                    with contextlib.suppress(ValueError, KeyError, TypeError):
                        p = json.loads(r.value)["payload"]
                        if p["contest_id"] == cid:
                            seen.add(p["entry_id"])
        return seen
    finally:
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--release", type=int, default=3000, help="entries of the released round (0: skip)")
    args = parser.parse_args()
    n = max(1, min(args.entries, 3000))
    profile = PROFILES[os.environ.get("CONTEST_PROFILE", "test")]
    base = profile.gateway
    backlog(base, profile, n)
    if args.release:
        release(base, profile, max(1, min(args.release, 5000)))
    restart(base, profile)


if __name__ == "__main__":
    main()
