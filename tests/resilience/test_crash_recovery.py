"""Submission killed (``kill -9``) while participants are submitting: after the restart every
entry that was stored has its event on Kafka (within seconds, not after the one-minute grace a
process gives its own unknown writes), and no entry that was not stored has one."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from typing import Any

import httpx
import pytest

from deploy.local.infra import Proc
from tests.conftest import PROFILE, Api, initiative, new_contest, new_participant
from tests.integration.kafka_util import read_all
from tests.resilience.faults import collection, runner

pytestmark = pytest.mark.integration


def test_creations_in_flight_at_a_crash_reach_kafka_soon_after_the_restart(gateway: str, organiser: Api) -> None:
    cid = new_contest(organiser)["contest_id"]
    authors = [new_participant(gateway, name=f"Tác giả {i}")[0] for i in range(8)]
    stop = threading.Event()
    answers: list[int | None] = []

    def keep_submitting(api: Api, n: int) -> None:
        for i in range(200):
            if stop.is_set():
                return
            try:
                r = api.http.post(f"/submission/api/contests/{cid}/entries", params={"submit": "true"},
                                  json=initiative(title=f"Sáng kiến {n}-{i} về một cửa liên thông"), timeout=10)
                answers.append(r.status_code)
            except httpx.HTTPError:
                answers.append(None)

    threads = [threading.Thread(target=keep_submitting, args=(a, n)) for n, a in enumerate(authors)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while answers.count(201) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = Proc("submission", PROFILE).pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)  # mid-rush: some creations are written, some half-way, some not at all
    time.sleep(1)
    stop.set()
    for t in threads:
        t.join()
    assert answers.count(201) >= 40 and any(a != 201 for a in answers), "the crash interrupted submissions"

    runner("start", "submission")
    restarted = time.monotonic()
    stored = {d["_id"] for d in collection("submission", "entries").find({"contest_id": cid}, {"_id": 1})}
    assert len(stored) >= answers.count(201)

    def mine(ms: list[Any]) -> set[str]:
        return {m["payload"]["entry_id"] for m in ms if isinstance(m, dict)
                and m.get("payload", {}).get("contest_id") == cid and m.get("payload", {}).get("status") == "submitted"}

    # The old rule published a crashed process's creations a minute after they were written.
    seen = mine(asyncio.run(read_all(PROFILE.kafka_bootstrap, "submission.statuses",
                                     until=lambda ms: mine(ms) >= stored, wait_s=45)))
    elapsed = time.monotonic() - restarted
    assert seen >= stored, f"{len(stored - seen)} stored entries have no event {elapsed:.0f} s after the restart"
    assert seen <= stored, "an event for an entry that was never stored"
