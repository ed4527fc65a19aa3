"""Benchmark: the organisers' pages with 5,000 entries in one contest. Target (issue 12): < 300 ms
server time each. Figures printed, never asserted.

Set-up through the gateway, as people would: participants submit N entries (distinct texts, a few
near-copies), the contest closes, organisers screen every entry (2% ineligible), judging gets a
panel and round 1 is released (3 judges per entry), judges score: ~90% of the entries completely,
the rest partly (drafts). Prizes are saved, the round (the final one) is closed, and awards
allocates. Then each page is requested ``--repeat`` times, one at a time: the client's wall time
and the service's own time (its ``http.request`` log line, found by the correlation id sent), of
the first (cold) request and the median and max of the rest.

    .venv/bin/python deploy/local/runner.py up --profile dev --no-seed
    .venv/bin/python bench/organiser_pages_bench.py [--entries 5000] [--repeat 7] [--reuse CONTEST_ID]

Dev profile only (loopback). ``--reuse`` measures a contest an earlier run populated; the organiser
account is always ``ORGANISER`` below.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common
from bench.judging_bench import DEPARTMENTS, unit_names
from deploy.local.infra import PROFILES, ROOT, Proc, Profile
from deploy.local.seed_data import CATEGORIES

ORGANISER = ("bench-btc@bench.example", "Bench#Organiser2026")
PASSWORD = "Bench#Pages2026"  # every judge and participant the set-up creates
TARGET_MS = 300.0
JUDGES, K, PER_PARTICIPANT = 30, 3, 100
CONCURRENCY = 12
VOCABULARY = (
    "hồ sơ thủ tục hành chính người dân doanh nghiệp cán bộ công chức bộ phận một cửa tiếp nhận trả kết quả "
    "số hoá dữ liệu phần mềm cổng dịch vụ công trực tuyến thanh toán điện tử chữ ký số định danh tài khoản "
    "quy trình nội bộ liên thông phê duyệt thẩm định cấp phép đất đai xây dựng hộ tịch chứng thực bản sao "
    "thời gian chi phí đi lại giấy tờ biểu mẫu hướng dẫn tra cứu tiến độ phản ánh kiến nghị khảo sát hài lòng "
    "ứng dụng điện thoại tin nhắn thông báo lịch hẹn xếp hàng tự động kiosk máy tính bảng mạng nội bộ "
    "kho lưu trữ điện tử tái sử dụng kết nối cơ sở dữ liệu quốc gia dân cư bảo hiểm thuế kho bạc ngân hàng "
    "phường xã huyện tỉnh sở ban ngành trung tâm phục vụ hành chính công văn phòng uỷ ban nhân dân "
    "rút ngắn giảm bớt loại bỏ đơn giản chuẩn hoá minh bạch công khai đánh giá giám sát kiểm tra báo cáo "
    "thống kê định kỳ hằng tháng quý năm mười phần trăm ngày giờ lượt bản trang tệp"
)
WORDS = VOCABULARY.split()
UNITS = unit_names()
T = TypeVar("T")
X = TypeVar("X")


# ---------------------------------------------------------------- HTTP helpers


def ok(r: httpx.Response, *codes: int) -> Any:
    if r.status_code not in (codes or (200, 201)):
        raise RuntimeError(f"{r.request.method} {r.request.url} -> {r.status_code} {r.text[:300]}")
    return r.json() if r.content else None


def token(http: httpx.Client, email: str, password: str) -> str:
    return str(ok(http.post("/identity/api/token", json={"email": email, "password": password}))["access_token"])


def bearer(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"} if tok else {}


async def call(http: httpx.AsyncClient, method: str, url: str, tok: str, body: Any = None,
               params: dict[str, str] | None = None) -> Any:
    """A set-up call, retried on a 5xx or a dropped connection (a busy stack); never a measured one."""
    for attempt in range(6):
        try:
            r = await http.request(method, url, headers=bearer(tok), json=body, params=params)
            if r.status_code < 500:
                return ok(r)
        except httpx.TransportError:
            if attempt == 5:
                raise
        await asyncio.sleep(0.5 * (attempt + 1))
    return ok(r)


def until(check: Callable[[], Any], deadline_s: float, what: str, every: float = 1.0) -> Any:
    return common.until(check, deadline_s, what, every)  # slower polling: these endpoints are heavy


# ---------------------------------------------------------------- set-up


def text(rng: random.Random, words: int) -> str:
    sentences, n = [], 0
    while n < words:
        k = rng.randint(8, 16)
        s = " ".join(rng.choice(WORDS) for _ in range(k))
        sentences.append(s[0].upper() + s[1:] + ".")
        n += k
    return " ".join(sentences)


def initiative(run: str, i: int) -> dict[str, Any]:
    """Entry ``i``: its own text; every 40th is a near-copy of the one before (copy detection has work)."""
    rng = random.Random(f"{run}-{i - 1 if i % 40 == 39 else i}")
    body = {k: text(rng, rng.randint(80, 120))
            for k in ("current_situation", "solution", "novelty", "effectiveness", "applicability")}
    if i % 40 == 39:
        body["solution"] = text(random.Random(f"{run}+{i}"), 40) + " " + body["solution"][:400]
    return {"title": f"Sáng kiến số {i + 1}: {text(rng, 6)[:-1]}", "category": CATEGORIES[i % len(CATEGORIES)]["key"],
            "author_unit": UNITS[(i * 7) % len(UNITS)], "co_authors": [], "commitment": True, **body}


def scores(entry_id: str, judge_no: int) -> dict[str, float]:
    quality = zlib.crc32(entry_id.encode()) % 1000 / 1000
    total = max(10.0, min(100.0, 40 + 50 * quality + (judge_no % 7 - 3) * 2.0))
    return {"novelty": round(0.3 * total), "effectiveness": round(0.4 * total),
            "applicability": round(0.2 * total), "presentation": round(0.1 * total)}


def organiser_token(profile: Profile, http: httpx.Client) -> str:
    subprocess.run([sys.executable, "-m", "services.identity", "create-organiser", "--email", ORGANISER[0],
                    "--full-name", "Ban Tổ chức Đo trang", "--unit", "Sở Nội vụ", "--password", ORGANISER[1],
                    "--exist-ok"], env={**os.environ, **profile.service_env("identity")}, check=True, cwd=ROOT,
                   capture_output=True)
    return token(http, *ORGANISER)


def fan_out(base: str, what: str, job: Callable[[httpx.AsyncClient, X], Awaitable[T]], items: Sequence[X]) -> list[T]:
    """``job(client, item)`` for every item, ``CONCURRENCY`` at a time, through one async client."""
    async def go() -> list[T]:
        limits = httpx.Limits(max_connections=CONCURRENCY + 4, max_keepalive_connections=CONCURRENCY + 4)
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as ah:
            sem = asyncio.Semaphore(CONCURRENCY)

            async def one(item: X) -> T:
                async with sem:
                    return await job(ah, item)

            return list(await asyncio.gather(*(one(x) for x in items)))

    started = time.monotonic()
    out = asyncio.run(go())
    took = time.monotonic() - started
    print(f"  {what}: {len(items)} in {took:.1f} s ({len(items) / max(took, 1e-9):.0f}/s)", flush=True)
    return out


def populate(base: str, http: httpx.Client, org: str, n: int, scored: int) -> str:
    run = uuid.uuid4().hex[:6]
    now = datetime.now(UTC)
    h = bearer(org)
    cid = str(ok(http.post("/submission/api/contests", headers=h, json={
        "code": f"P{run.upper()}", "name": f"Cuộc thi đo trang Ban tổ chức ({n} sáng kiến)",
        "issuing_body": "Sở Nội vụ", "categories": CATEGORIES, "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=10)).isoformat(), "max_entries_per_participant": 1000}))["contest_id"])
    print(f"contest {cid} (run {run})", flush=True)

    async def signup(ah: httpx.AsyncClient, i: int) -> str:
        email = f"bench-tg-{run}-{i}@bench.example"
        # Made by the organiser: verified at once (a signed-up account must open its mailed link).
        await call(ah, "POST", "/identity/api/accounts", org, {"email": email, "password": PASSWORD,
                                                             "full_name": f"Tác giả đo {i}", "unit": UNITS[i],
                                                             "roles": ["participant"], "invite": False})
        return str((await call(ah, "POST", "/identity/api/token", "",
                               {"email": email, "password": PASSWORD}))["access_token"])

    async def judge(ah: httpx.AsyncClient, i: int) -> tuple[str, str]:
        email = f"bench-gk-{run}-{i}@bench.example"
        acc = await call(ah, "POST", "/identity/api/accounts", org, {
            "email": email, "password": PASSWORD, "roles": ["judge"], "full_name": f"Giám khảo đo {i:02d}",
            "unit": DEPARTMENTS[i % len(DEPARTMENTS)]})
        tok = await call(ah, "POST", "/identity/api/token", "", {"email": email, "password": PASSWORD})
        return str(tok["access_token"]), str(acc["account_id"])

    authors = fan_out(base, "participants signed up", signup, range(math.ceil(n / PER_PARTICIPANT)))
    judges = fan_out(base, "judges created", judge, range(JUDGES))

    async def submit(ah: httpx.AsyncClient, i: int) -> str:
        r = await call(ah, "POST", f"/submission/api/contests/{cid}/entries", authors[i // PER_PARTICIPANT],
                       initiative(run, i), params={"submit": "true"})
        return str(r["entry_id"])

    entries = fan_out(base, "entries submitted", submit, range(n))
    ok(http.post(f"/submission/api/contests/{cid}/close", headers=h))
    ineligible = {e for i, e in enumerate(entries) if i % 50 == 17}

    async def screen(ah: httpx.AsyncClient, e: str) -> Any:
        decision = {"eligible": False, "reason": "Không thuộc phạm vi cuộc thi."} if e in ineligible else {
            "eligible": True}
        return await call(ah, "POST", f"/submission/api/entries/{e}/screening", org, decision)

    fan_out(base, "entries screened", screen, entries)
    judge_and_close(base, http, org, cid, judges, len(entries) - len(ineligible), scored)
    return cid


def judge_and_close(base: str, http: httpx.Client, org: str, cid: str, judges: list[tuple[str, str]],
                    eligible: int, scored: int) -> None:
    """Round 1 released once judging holds the eligible entries; prizes saved; ``scored`` entries
    scored by all their judges; the round (the final one) closed."""
    h = bearer(org)
    held = [0]

    def judging_ready() -> bool:
        if http.put(f"/judging/api/contests/{cid}/panel", headers=h,
                    json={"judge_ids": [j for _, j in judges]}).status_code != 200:
            return False
        p = http.post(f"/judging/api/contests/{cid}/rounds/1/preview", headers=h, json={"seed": 1}, timeout=300)
        held[0] = len(p.json()["entries"]) if p.status_code == 200 else 0
        return held[0] >= eligible

    def released() -> bool:
        r = http.get(f"/judging/api/contests/{cid}/rounds", headers=h)
        return r.status_code == 200 and any(x["round_no"] == 1 and x["released"] for x in r.json())

    if not released():  # (a continued set-up finds it released)
        t0 = time.monotonic()
        try:
            until(judging_ready, 1800, "judging to hold every eligible entry", every=5)
        except RuntimeError:
            if held[0] < 0.98 * eligible:
                raise
            print(f"  WARNING: judging holds {held[0]} of {eligible} eligible entries after 30 min; releasing "
                  f"anyway (the rest join the released round as a backlog when their events arrive)", flush=True)
        print(f"  judging held {held[0]} eligible entries {time.monotonic() - t0:.1f} s after screening", flush=True)
        t0 = time.monotonic()
        ok(http.post(f"/judging/api/contests/{cid}/rounds/1/release", headers=h,
                     json={"judges_per_entry": K, "seed": 1}, timeout=600))
        print(f"  round 1 released ({K} judges per entry) in {time.monotonic() - t0:.1f} s", flush=True)
    prizes = {"tiers": [{"key": k, "name": name, "count": c, "prize_vnd": v, "min_score": 70} for k, name, c, v in (
        ("first", "Giải Nhất", 1, 10_000_000), ("second", "Giải Nhì", 3, 7_000_000),
        ("third", "Giải Ba", 5, 5_000_000), ("honourable", "Giải Khuyến khích", 20, 2_000_000))],
        "tie_break": ["criterion:effectiveness", "median", "submitted_at"]}
    until(lambda: http.put(f"/awards/api/contests/{cid}/prizes", headers=h, json=prizes).status_code == 200, 120,
          "awards to know the contest")

    by_entry: dict[str, list[tuple[str, int, dict[str, Any]]]] = {}
    for no, (tok, _) in enumerate(judges):
        for q in ok(http.get("/judging/api/queue", headers=bearer(tok), timeout=120)):
            if q["contest_id"] == cid:
                by_entry.setdefault(q["entry_id"], []).append((tok, no, q))
    # Entry by entry, all three judges each, so entries become scored as the work goes on.
    chosen = sorted(by_entry, key=lambda e: zlib.crc32(e.encode()))[:scored]
    sheets = [s for e in chosen for s in by_entry[e] if s[2]["status"] != "submitted"]

    async def score(ah: httpx.AsyncClient, sheet: tuple[str, int, dict[str, Any]]) -> None:
        tok, no, q = sheet
        if not q["declared"]:
            await call(ah, "POST", f"/judging/api/reviews/{q['review_id']}/declaration", tok)
        await call(ah, "PUT", f"/judging/api/reviews/{q['review_id']}/sheet", tok,
                   {"scores": scores(q["entry_id"], no), "submit": True})

    fan_out(base, f"sheets of {len(chosen)} entries declared and submitted", score, sheets)
    t0 = time.monotonic()
    until(lambda: ok(http.get(f"/judging/api/contests/{cid}/progress", headers=h, timeout=300))["scored"]
          >= len(chosen), 300, "judging to score the entries", every=3)
    # Closing rewrites every review of the round: it may outlast nginx's 120 s (a 504 while it goes on).
    closing = http.post(f"/judging/api/contests/{cid}/rounds/1/close", headers=h, timeout=3600)
    if closing.status_code not in (200, 504):
        ok(closing)
    until(lambda: any(r["round_no"] == 1 and r["closed"] for r in ok(http.get(
        f"/judging/api/contests/{cid}/rounds", headers=h))), 3600, "round 1 to close", every=5)
    print(f"  round 1 closed in {time.monotonic() - t0:.1f} s", flush=True)
    t0 = time.monotonic()

    def allocated() -> bool:
        r = http.get(f"/awards/api/contests/{cid}/allocation", headers=h, timeout=300)
        return r.status_code == 200 and bool(r.json()["ready"]) and bool(r.json()["rows"])

    until(allocated, 600, "awards to allocate", every=3)
    print(f"  awards allocated {time.monotonic() - t0:.1f} s after closing", flush=True)


def settle(http: httpx.Client, quiet_s: float = 3.0, deadline_s: float = 300.0) -> None:
    """Wait until no service has handled an event for ``quiet_s`` (consumers caught up)."""
    def handled() -> list[int]:
        return [int(http.get(f"/{s}/health").json().get("handled", 0)) for s in ("submission", "judging", "awards")]

    last, since, deadline = handled(), time.monotonic(), time.monotonic() + deadline_s
    while time.monotonic() - since < quiet_s and time.monotonic() < deadline:
        time.sleep(0.5)
        now = handled()
        if now != last:
            last, since = now, time.monotonic()


# ---------------------------------------------------------------- measurement


@dataclass
class Page:
    label: str
    service: str
    url: str
    html: bool
    wall_ms: list[float]
    ids: list[str]
    size: int = 0
    status: int = 0


def pages(cid: str) -> list[Page]:
    rows = [
        ("screening page", "submission", f"/submission/screening?contest_id={cid}", True),
        ("screening page 60", "submission", f"/submission/screening?contest_id={cid}&page=60", True),
        ("screening search", "submission", f"/submission/screening?contest_id={cid}&q=so+tu+phap", True),
        ("screening API (500)", "submission", f"/submission/api/contests/{cid}/screening", False),
        ("judging organiser page", "judging", f"/judging/organiser?contest_id={cid}", True),
        ("progress API (all)", "judging", f"/judging/api/contests/{cid}/progress", False),
        ("progress poll (50)", "judging", f"/judging/api/contests/{cid}/progress?offset=50&limit=50", False),
        ("calibration page", "judging", f"/judging/organiser/calibration?contest_id={cid}&round_no=1", True),
        ("calibration API", "judging", f"/judging/api/contests/{cid}/rounds/1/calibration", False),
        ("awards organiser page", "awards", f"/awards/organiser?contest_id={cid}", True),
        ("allocation API", "awards", f"/awards/api/contests/{cid}/allocation", False),
        ("(ranking API)", "awards", f"/awards/api/contests/{cid}/ranking", False),
    ]
    return [Page(label, service, url, html, [], []) for label, service, url, html in rows]


def server_times(profile: Profile, offsets: dict[str, int]) -> dict[str, float]:
    """``ms`` of each ``http.request`` log line of ours, by correlation id (console or JSON lines)."""
    out: dict[str, float] = {}
    cid_re, ms_re = re.compile(r"correlation_id=(opb-[\w-]+)"), re.compile(r"\bms=([\d.]+)")
    for service, offset in offsets.items():
        with Proc(service, profile).logfile.open("rb") as f:
            f.seek(offset)
            for raw in f:
                line = raw.decode("utf-8", "replace")
                if "http.request" not in line or "opb-" not in line:
                    continue
                if line.lstrip().startswith("{"):
                    d = json.loads(line)
                    out[str(d["correlation_id"])] = float(d["ms"])
                elif (c := cid_re.search(line)) and (m := ms_re.search(line)):
                    out[c.group(1)] = float(m.group(1))
    return out


def a_change(http: httpx.Client, org: str, service: str, cid: str) -> None:
    """A write the service refuses (422) and that changes nothing: like any write, it marks the
    service's summaries changed (``shared.view_cache``), so the next read shows what a page
    costs right after someone acted."""
    url = {"submission": "/submission/api/contests", "judging": f"/judging/api/contests/{cid}/rounds/1/deadline",
           "awards": f"/awards/api/contests/{cid}/prizes"}[service]
    r = http.request("POST" if service == "submission" else "PUT", url, headers=bearer(org), json={"x": 1})
    assert r.status_code == 422, (url, r.status_code, r.text[:200])


def measure(profile: Profile, http: httpx.Client, org: str, cid: str, repeat: int,
            rest_s: float) -> list[tuple[Page, list[float]]]:
    """Each page: the first request (cold, if the services were restarted) and ``repeat`` more;
    then, page by page, one request right after a change (the last figure), followed by a rest
    of ``rest_s`` so the recomputation it started does not weigh on the next page's figure."""
    todo = pages(cid)
    offsets = {s: Proc(s, profile).logfile.stat().st_size for s in {p.service for p in todo}}
    run = uuid.uuid4().hex[:6]

    def get(n: int, p: Page, i: int) -> None:
        rid = f"opb-{run}-{n}-{i}"
        headers = {**bearer(org), "x-correlation-id": rid, "accept": "text/html" if p.html else "application/json"}
        t0 = time.perf_counter()
        r = http.get(p.url, headers=headers, timeout=300)
        p.wall_ms.append((time.perf_counter() - t0) * 1000)
        p.ids.append(rid)
        p.size, p.status = len(r.content), r.status_code

    for n, p in enumerate(todo):
        for i in range(repeat + 1):  # the first is the cold one
            get(n, p, i)
    for n, p in enumerate(todo):
        a_change(http, org, p.service, cid)
        get(n, p, repeat + 1)
        time.sleep(rest_s)
    time.sleep(1.0)
    found = server_times(profile, offsets)
    return [(p, [found.get(i, math.nan) for i in p.ids]) for p in todo]


def ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.0f}"


def report(results: list[tuple[Page, list[float]]], repeat: int) -> None:
    head = ("page", "status", "KiB", "cold", "median", "max", "changed", "median", "max", "target")
    line = "{:<24} {:>6} {:>6} | {:>6} {:>7} {:>7} {:>7} | {:>7} {:>7} | {}"
    print(f"\n{'':<39} | {'server time, ms':^30} | {'wall time, ms':^15} |")
    print(line.format(*head))
    over = []
    for p, server in results:
        warm, wall, changed = server[1:-1], p.wall_ms[1:-1], server[-1]
        known = [v for v in warm if not math.isnan(v)]
        med = statistics.median(known) if known else math.nan
        basis = med if known else statistics.median(wall)
        if not math.isnan(changed):
            basis = max(basis, changed)  # fast only when a page is fast right after someone acted too
        verdict = "OK" if basis < TARGET_MS and p.status == 200 else "OVER"
        if verdict == "OVER":
            over.append(p.label)
        print(line.format(p.label, p.status, f"{p.size / 1024:.0f}", ms(server[0]), ms(med),
                          ms(max(known) if known else math.nan), ms(changed), ms(statistics.median(wall)),
                          ms(max(wall)),
                          f"{verdict} (< {TARGET_MS:.0f})"))
    print(f"\ncold: the first request; median and max: the next {repeat}; changed: one right after a write "
          f"(the summary on show is the previous one, marked, while the new one is computed). Server: the "
          f"service's own http.request log time; wall: the client's, through nginx.")
    print("over target:", ", ".join(over) if over else "none")


def facts(http: httpx.Client, org: str, cid: str) -> str:
    h = bearer(org)
    prog = ok(http.get(f"/judging/api/contests/{cid}/progress", headers=h, timeout=300))
    r = http.get(f"/awards/api/contests/{cid}/allocation", headers=h, timeout=300)
    rows = f"{len(r.json()['rows'])} ranked rows" if r.status_code == 200 else f"not yet ({r.status_code})"
    counts = ok(http.get(f"/submission/api/contests/{cid}/counts", headers=h))["status"]
    return (f"entries by status {counts}; round {prog['round_no']}: {prog['entries']} entries, "
            f"{prog['scored']} scored, {len(prog['judges'])} judges; allocation: {rows}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=5000)
    ap.add_argument("--scored", type=int, default=1500,
                    help="entries scored by all their judges (each sheet is two writes: about 2/s on FerretDB)")
    ap.add_argument("--repeat", type=int, default=7, help="measured requests per page after the cold one")
    ap.add_argument("--reuse", metavar="CONTEST_ID", help="measure a contest an earlier run populated")
    ap.add_argument("--rest", type=float, default=15.0,
                    help="seconds after each page's after-a-change request, for the recomputation it starts")
    args = ap.parse_args()
    if not 1 <= args.entries <= 10_000:
        raise SystemExit("bounded: 1 to 10,000 entries")
    profile = PROFILES["dev"]
    base = profile.gateway
    with httpx.Client(base_url=base, timeout=60) as http:
        org = organiser_token(profile, http)
        t0 = time.monotonic()
        cid = args.reuse or populate(base, http, org, args.entries, args.scored)
        if not args.reuse:
            print(f"set-up: {time.monotonic() - t0:.0f} s", flush=True)
        settle(http)
        print(f"contest {cid}: {facts(http, org, cid)}")
        load = os.getloadavg()
        print(f"load average before measuring: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
        report(measure(profile, http, org, cid, max(1, args.repeat), max(0.0, args.rest)), max(1, args.repeat))


if __name__ == "__main__":
    main()
