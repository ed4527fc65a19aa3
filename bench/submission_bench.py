"""Benchmark of the deadline rush: many participants submitting at once through the gateway.

Run (with the test stack up): ``.venv/bin/python bench/submission_bench.py [--clients 32] [--seconds 20]``.

Each request is one complete submission (``POST /submission/api/contests/{id}/entries?submit=true``:
validated, fingerprinted for copy detection, stored with its receipt code and its status event).
Prints accepted submissions per second, p50/p99 latency, and then, in the same run and with the
same concurrency, the raw insert rate of the same FerretDB (documents of the same size straight
into a scratch collection), and the ratio of the two. Targets (issue 3): >= 300 submissions/s,
p99 < 250 ms, >= half of the raw insert rate.

Bounded: at most ``--seconds`` per phase and ``--max`` submissions; talks to loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
import httpx
import orjson
from bson import encode
from pymongo import AsyncMongoClient

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from deploy.local.infra import PROFILES  # noqa: E402

PASSWORD = "Bench#Rush2026"
LONG = ("Bộ phận Một cửa cấp xã tiếp nhận hồ sơ bằng giấy, cán bộ phải nhập lại dữ liệu nhiều lần nên người dân "
        "phải chờ lâu và đi lại nhiều lượt. ") * 4


def initiative(i: int) -> dict[str, Any]:
    return {"title": f"Sáng kiến cải cách thủ tục số {i}", "category": "tthc", "author_unit": "UBND xã Tân Chi",
            "co_authors": [{"full_name": "Nguyễn Thị Minh", "position": "Chuyên viên", "unit": "UBND xã Tân Chi",
                            "email": "minh@demo.example", "contribution_pct": 30}],
            "current_situation": f"{i} {LONG}", "solution": LONG, "novelty": LONG, "effectiveness": LONG,
            "applicability": LONG, "cost": "Không phát sinh chi phí.", "commitment": True}


def loopback(url: str) -> str:
    host = urlparse(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to benchmark a non-loopback host: {host}")
    return url


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def create_organiser(profile_name: str) -> str:
    org_email = f"bench-org-{uuid.uuid4().hex[:6]}@bench.example"
    env = {**os.environ, **PROFILES[profile_name].service_env("identity")}
    subprocess.run([sys.executable, "-m", "services.identity", "create-organiser", "--email", org_email,
                    "--full-name", "Ban Tổ chức Đo tải", "--unit", "Sở Nội vụ", "--password", PASSWORD],
                   env=env, check=True, cwd=ROOT, capture_output=True)
    return org_email


async def setup(gateway: str, org_email: str, participants: int) -> tuple[str, list[str]]:
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as http:
        async def token(email: str) -> str:
            r = await http.post("/identity/api/token", json={"email": email, "password": PASSWORD})
            r.raise_for_status()
            return str(r.json()["access_token"])

        org = await token(org_email)
        now = datetime.now(UTC)
        r = await http.post("/submission/api/contests", headers={"Authorization": f"Bearer {org}"}, json={
            "code": "B" + uuid.uuid4().hex[:8].upper(), "name": "Cuộc thi đo tải cao điểm",
            "issuing_body": "Sở Nội vụ", "categories": [{"key": "tthc", "name": "Thủ tục hành chính"}],
            "opens_at": (now - timedelta(hours=1)).isoformat(), "closes_at": (now + timedelta(days=1)).isoformat(),
            "max_entries_per_participant": 1000})
        r.raise_for_status()
        contest_id = str(r.json()["contest_id"])
        tokens = []
        for i in range(participants):
            email = f"bench-{uuid.uuid4().hex[:8]}-{i}@bench.example"
            # Made by the organiser: verified at once (a signed-up account must open its mailed link).
            r = await http.post("/identity/api/accounts", headers={"Authorization": f"Bearer {org}"}, json={
                "email": email, "password": PASSWORD, "full_name": f"Người dự thi {i}", "unit": "UBND xã",
                "roles": ["participant"], "invite": False})
            r.raise_for_status()
            tokens.append(await token(email))
    return contest_id, tokens


async def rush(gateway: str, contest_id: str, tokens: list[str], clients: int, seconds: float,
               limit: int) -> tuple[int, int, float, list[float], float]:
    """``clients`` participants submitting back to back over keep-alive connections.

    The load comes from this same 2-core machine, so the client must be cheap: aiohttp (C
    parser) costs about a third of the CPU per request that httpx does, and every millisecond
    it spends is taken from the system under test."""
    latencies: list[float] = []
    failures = 0
    issued = 0
    deadline = time.perf_counter() + seconds
    url = f"{gateway}/submission/api/contests/{contest_id}/entries?submit=true"
    connector = aiohttp.TCPConnector(limit=clients, limit_per_host=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as http:
        async def client(n: int) -> None:
            nonlocal failures, issued
            headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}", "Content-Type": "application/json"}
            while time.perf_counter() < deadline and issued < limit:
                issued += 1
                body = orjson.dumps(initiative(issued))
                t0 = time.perf_counter()
                async with http.post(url, data=body, headers=headers) as r:
                    await r.read()
                    if r.status == 201:
                        latencies.append(time.perf_counter() - t0)
                    else:
                        failures += 1

        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(client(n) for n in range(clients)))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return len(latencies), failures, elapsed, latencies, cpu


async def raw_inserts(mongo_url: str, doc_size: int, clients: int, seconds: float, limit: int) -> tuple[int, float]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url, retryWrites=False)
    coll = client["bench_scratch"][f"raw_{uuid.uuid4().hex[:6]}"]
    pad = "x" * max(0, doc_size - 200)
    done = 0
    deadline = time.perf_counter() + seconds
    try:
        async def writer() -> None:
            nonlocal done
            while time.perf_counter() < deadline and done < limit:
                done += 1
                await coll.insert_one({"_id": uuid.uuid4().hex, "status": "submitted", "pad": pad,
                                       "at": datetime.now(UTC)})

        start = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    finally:
        await coll.drop()
        await client.close()
    return done, elapsed


async def entry_doc_size(mongo_url: str, db: str, contest_id: str) -> int:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url, retryWrites=False)
    try:
        doc = await client[db]["entries"].find_one({"contest_id": contest_id})
        return len(encode(doc)) if doc else 8000
    finally:
        await client.close()


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="test")
    ap.add_argument("--gateway", default=None, help="default: the profile's gateway, http://127.0.0.1:18080")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--max", type=int, default=20000)
    ap.add_argument("--participants", type=int, default=64)  # each may keep at most 1,000 entries open
    args = ap.parse_args()
    profile = PROFILES[args.profile]
    gateway = loopback(args.gateway or profile.gateway)
    loopback(profile.mongo_url)
    contest_id, tokens = await setup(gateway, create_organiser(args.profile), args.participants)
    await rush(gateway, contest_id, tokens, min(4, args.clients), 2.0, 200)  # warm-up
    ok, failed, elapsed, lat, client_cpu = await rush(gateway, contest_id, tokens, args.clients, args.seconds, args.max)
    rate = ok / elapsed
    size = await entry_doc_size(profile.mongo_url, profile.service_env("submission")["SUBMISSION_MONGO_DB"],
                                contest_id)
    raw_n, raw_elapsed = await raw_inserts(profile.mongo_url, size, args.clients, min(args.seconds, 10.0), args.max)
    raw_rate = raw_n / raw_elapsed
    print(f"submissions through {gateway} with {args.clients} concurrent clients for {elapsed:.1f} s")
    print(f"  accepted: {ok}   refused/failed: {failed}")
    print(f"  accepted submissions/s: {rate:.1f}   (target >= 300)")
    print(f"  latency p50: {pct(lat, 50) * 1000:.1f} ms   p99: {pct(lat, 99) * 1000:.1f} ms"
          f"   mean: {statistics.fmean(lat) * 1000 if lat else float('nan'):.1f} ms   (target p99 < 250 ms)")
    print(f"  CPU used by this benchmark's own HTTP clients: {client_cpu / max(ok, 1) * 1000:.2f} ms per submission"
          f" ({client_cpu / elapsed * 100:.0f}% of one core)")
    print(f"raw FerretDB insert_one of {size}-byte documents, {args.clients} concurrent writers: "
          f"{raw_rate:.1f} inserts/s ({raw_n} in {raw_elapsed:.1f} s)")
    print(f"ratio submissions/raw inserts: {rate / raw_rate:.2f}   (target >= 0.5)")


if __name__ == "__main__":
    asyncio.run(main())
