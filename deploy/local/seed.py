"""Seed a realistic demo through the gateway, as real users would: the same APIs, the same checks.

Two contests: last year's, taken through submission, screening, a judging round, prizes and the
announcement, with its winners being replicated across the province's units (``seed_adoption``),
and this year's, open for submissions. Idempotent: contests that already exist (by code) keep
their entries, and each later step is skipped when it was done.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import structlog

from deploy.local.infra import ROOT, Profile
from deploy.local.seed_adoption import COORDINATOR_PASSWORD, AdoptionSeeder, coordinator_email
from deploy.local.seed_data import (
    AUTHOR_GROUPS,
    CATEGORIES,
    COORDINATORS,
    DIRECTORY,
    INITIATIVES,
    JUDGES,
    PARTICIPANT_GROUP,
    PARTICIPANTS,
    PRIZES_2025,
    sections,
)

log = structlog.get_logger("seed")

ORGANISER = ("btc@sonoivu.example", "BanToChuc#2026")
JUDGE_PASSWORD = "GiamKhao#2026"
PARTICIPANT_PASSWORD = "TacGia#2026"


def _email(prefix: str, i: int) -> str:
    return f"{prefix}{i + 1}@demo.example"


class Seeder:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.http = httpx.Client(base_url=profile.gateway, timeout=120)  # releasing a round is slow on a busy machine

    def token(self, email: str, password: str) -> dict[str, str]:
        r = self.http.post("/identity/api/token", json={"email": email, "password": password})
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def call(self, method: str, url: str, headers: dict[str, str], json: Any = None, ok: tuple[int, ...] = ()) -> Any:
        r = self.http.request(method, url, headers=headers, json=json)
        if r.status_code >= 400 and r.status_code not in ok:
            raise RuntimeError(f"{method} {url} -> {r.status_code}: {r.text[:300]}")
        return r.json() if r.content else None

    def organiser(self) -> dict[str, str]:
        env = {**os.environ, **self.profile.service_env("identity")}
        subprocess.run([sys.executable, "-m", "services.identity", "create-organiser", "--email", ORGANISER[0],
                        "--full-name", "Ban Tổ chức Sở Nội vụ", "--unit", "Sở Nội vụ", "--password", ORGANISER[1],
                        "--exist-ok"], env=env, check=True, cwd=ROOT, capture_output=True)
        return self.token(*ORGANISER)

    def units(self, org: dict[str, str]) -> None:
        """The province's unit directory, unless organisers already keep one."""
        current = self.call("GET", "/identity/api/units", org)
        if current["units"]:
            return
        self.call("PUT", "/identity/api/units", org, {"revision": current["revision"], "units": [
            {"code": c, "name": n, "kind": k, "headcount": h, "aliases": a} for c, n, k, h, a in DIRECTORY]})

    def people(self, org: dict[str, str]) -> None:
        for i, (name, unit, cats) in enumerate(JUDGES):
            self.call("POST", "/identity/api/accounts", org, {
                "email": _email("giamkhao", i), "password": JUDGE_PASSWORD, "full_name": name, "unit": unit,
                "roles": ["judge"], "categories": cats, "invite": False}, ok=(409,))
        # Demo participants are made by the organiser, so their addresses count as verified and
        # they can submit at once; no set-password link (the demo's passwords are printed).
        for i, (name, unit) in enumerate(PARTICIPANTS):
            self.call("POST", "/identity/api/accounts", org, {
                "email": _email("tacgia", i), "password": PARTICIPANT_PASSWORD, "full_name": name, "unit": unit,
                "roles": ["participant"], "invite": False}, ok=(409,))

    def contest(self, org: dict[str, str], code: str, name: str, opens: datetime,
                closes: datetime) -> tuple[str, bool]:
        """The contest's id, and whether it was made now."""
        existing = [c for c in self.call("GET", "/submission/api/contests", {}) if c["code"] == code]
        if existing:
            return str(existing[0]["contest_id"]), False
        c = self.call("POST", "/submission/api/contests", org, {
            "code": code, "name": name, "issuing_body": "Sở Nội vụ tỉnh Bắc Ninh",
            "description": "Cuộc thi nhằm phát hiện, tôn vinh và nhân rộng các sáng kiến giúp thủ tục hành chính "
                           "đơn giản hơn, phục vụ người dân và doanh nghiệp tốt hơn.",
            "rules_text": "1. Đối tượng: cán bộ, công chức, viên chức, doanh nghiệp và người dân trong tỉnh.\n"
                          "2. Mỗi sáng kiến có tối đa 5 đồng tác giả.\n"
                          "3. Sáng kiến chưa được công nhận, khen thưởng ở cuộc thi khác.",
            "categories": CATEGORIES, "eligible_groups": AUTHOR_GROUPS,
            "opens_at": opens.isoformat(), "closes_at": closes.isoformat(),
            "max_coauthors": 5})
        return str(c["contest_id"]), True

    def entries(self, contest_id: str, count: int, submit: bool) -> list[str]:
        ids = []
        for i in range(count):
            cat, title, problem, solution, benefit = INITIATIVES[i % len(INITIATIVES)]
            who = i % len(PARTICIPANTS)
            tok = self.token(_email("tacgia", who), PARTICIPANT_PASSWORD)
            unit = PARTICIPANTS[who][1]
            co = [] if i % 3 else [{"full_name": "Nguyễn Thị Minh", "position": "Chuyên viên", "unit": unit,
                                    "email": f"dongtacgia{i}@demo.example", "contribution_pct": 30}]
            group = PARTICIPANT_GROUP.get(who, AUTHOR_GROUPS[0])
            fields = {"title": title, "category": cat, "author_unit": unit, "author_group": group, "co_authors": co,
                      "commitment": True, **sections(problem, solution, benefit)}
            e = self.call("POST", f"/submission/api/contests/{contest_id}/entries", tok, fields)
            if submit:
                self.call("POST", f"/submission/api/entries/{e['entry_id']}/submit", tok)
            ids.append(e["entry_id"])
        return ids

    def screen(self, org: dict[str, str], contest_id: str, entry_ids: list[str]) -> None:
        """Close submissions and screen every entry (the last one is refused as a duplicate)."""
        self.call("POST", f"/submission/api/contests/{contest_id}/close", org)
        for n, eid in enumerate(entry_ids):
            eligible = n != len(entry_ids) - 1
            self.call("POST", f"/submission/api/entries/{eid}/screening", org,
                      {"eligible": eligible, "reason": "" if eligible else "Trùng nội dung với sáng kiến đã được "
                                                                          "công nhận năm trước."})

    def judge_round(self, org: dict[str, str], contest_id: str, expected: int) -> None:
        """Release round 1 once judging knows the ``expected`` eligible entries, and let every judge
        score what is still open in their queue (so a run stopped half-way is finished by the next)."""
        judges = [self.token(_email("giamkhao", j), JUDGE_PASSWORD) for j in range(len(JUDGES))]
        panel = {"judge_ids": [self.call("GET", "/identity/api/me", tok)["account_id"] for tok in judges]}
        deadline = time.monotonic() + 120
        while True:  # judging learns about eligible entries (and the judges) over Kafka
            rounds = self.call("GET", f"/judging/api/contests/{contest_id}/rounds", org, ok=(404,))
            if isinstance(rounds, list) and any(r.get("round_no") == 1 and r.get("released") for r in rounds):
                break
            preview = self.call("POST", f"/judging/api/contests/{contest_id}/rounds/1/preview", org, {},
                                ok=(404, 409))
            if len((preview or {}).get("entries", [])) >= expected and self.http.put(
                    f"/judging/api/contests/{contest_id}/panel", json=panel, headers=org).is_success:
                self.call("POST", f"/judging/api/contests/{contest_id}/rounds/1/release", org, {}, ok=(404, 409))
            if time.monotonic() > deadline:
                raise RuntimeError("judging did not receive the eligible entries in time")
            time.sleep(1)
        for j, tok in enumerate(judges):
            for item in self.call("GET", "/judging/api/queue", tok):
                if item["contest_id"] != contest_id or item["status"] == "submitted":
                    continue
                self.call("POST", f"/judging/api/reviews/{item['review_id']}/declaration", tok, ok=(409,))
                base = (zlib.crc32(item["entry_id"].encode()) % 20) + j % 3
                scores = {"novelty": min(30, 14 + base % 15), "effectiveness": min(40, 20 + base),
                          "applicability": min(20, 10 + base % 10), "presentation": min(10, 6 + base % 4)}
                self.call("PUT", f"/judging/api/reviews/{item['review_id']}/sheet", tok,
                          {"scores": scores, "overall": "Sáng kiến có tính thực tiễn.", "submit": True})

    def wait(self, what: str, check: Any, timeout: float = 90) -> Any:
        """``check()``'s first truthy answer (the services learn from each other over Kafka)."""
        deadline = time.monotonic() + timeout
        while not (got := check()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: not in time")
            time.sleep(1)
        return got

    def announced(self, contest_id: str) -> bool:
        return self.http.get(f"/awards/api/public/contests/{contest_id}/results").status_code == 200

    def announce(self, org: dict[str, str], contest_id: str) -> None:
        """Close judging, set the prizes, approve the proposal and announce the result (a step an
        earlier run did is refused with 409 and passed over)."""
        url = f"/awards/api/contests/{contest_id}"
        self.call("POST", f"/judging/api/contests/{contest_id}/rounds/1/close", org, ok=(409,))
        self.wait("awards to hear of the contest", lambda: self.http.get(f"{url}/prizes", headers=org).is_success)
        self.call("PUT", f"{url}/prizes", org, PRIZES_2025, ok=(409,))

        def ready() -> Any:
            r = self.http.get(f"{url}/allocation", headers=org)
            return r.is_success and r.json()["ready"] and r.json()
        view = self.wait("awards' proposal after judging closed", ready)
        self.call("POST", f"{url}/approve", org, {"confirm": True, "result_hash": view["result_hash"]}, ok=(409,))
        self.call("POST", f"{url}/announce", org, {"confirm": True})


def seed_demo(profile: Profile) -> list[tuple[str, str, str]]:
    s = Seeder(profile)
    org = s.organiser()
    s.units(org)
    s.people(org)
    now = datetime.now(UTC).replace(microsecond=0)
    past, made = s.contest(org, "SK2025", "Cuộc thi sáng kiến cải cách hành chính tỉnh Bắc Ninh năm 2025",
                           now - timedelta(days=60), now + timedelta(days=1))
    if made:
        s.screen(org, past, s.entries(past, len(INITIATIVES), submit=True))
    if not s.announced(past):
        s.judge_round(org, past, len(INITIATIVES) - 1)
        s.announce(org, past)
    AdoptionSeeder(s, org).plans(past)
    current, made = s.contest(org, "SK2026", "Cuộc thi sáng kiến cải cách hành chính tỉnh Bắc Ninh năm 2026",
                              now - timedelta(days=3), now + timedelta(days=45))
    if made:
        s.entries(current, 4, submit=True)
    log.info("seed.done")
    return [("organiser", ORGANISER[0], ORGANISER[1]),
            *[("judge", _email("giamkhao", i), JUDGE_PASSWORD) for i in range(len(JUDGES))][:2],
            *[("participant", _email("tacgia", i), PARTICIPANT_PASSWORD) for i in range(len(PARTICIPANTS))][:2],
            *[("coordinator", coordinator_email(code), COORDINATOR_PASSWORD) for code in list(COORDINATORS)[:2]]]
