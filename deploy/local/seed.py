"""Seed a realistic demo through the gateway, as real users would: the same APIs, the same checks.

Two contests: last year's, taken through submission, screening and a judging round so the
ranking and statistics have something to show, and this year's, open for submissions.
Idempotent: contests that already exist (by code) are left alone.
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
from deploy.local.seed_data import CATEGORIES, DIRECTORY, INITIATIVES, JUDGES, PARTICIPANTS, sections

log = structlog.get_logger("seed")

ORGANISER = ("btc@sonoivu.example", "BanToChuc#2026")
JUDGE_PASSWORD = "GiamKhao#2026"
PARTICIPANT_PASSWORD = "TacGia#2026"


def _email(prefix: str, i: int) -> str:
    return f"{prefix}{i + 1}@demo.example"


class Seeder:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.http = httpx.Client(base_url=profile.gateway, timeout=30)

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

    def contest(self, org: dict[str, str], code: str, name: str, opens: datetime, closes: datetime) -> str | None:
        existing = [c for c in self.call("GET", "/submission/api/contests", {}) if c["code"] == code]
        if existing:
            return None
        c = self.call("POST", "/submission/api/contests", org, {
            "code": code, "name": name, "issuing_body": "Sở Nội vụ tỉnh Bắc Ninh",
            "description": "Cuộc thi nhằm phát hiện, tôn vinh và nhân rộng các sáng kiến giúp thủ tục hành chính "
                           "đơn giản hơn, phục vụ người dân và doanh nghiệp tốt hơn.",
            "rules_text": "1. Đối tượng: cán bộ, công chức, viên chức, doanh nghiệp và người dân trong tỉnh.\n"
                          "2. Mỗi sáng kiến có tối đa 5 đồng tác giả.\n"
                          "3. Sáng kiến chưa được công nhận, khen thưởng ở cuộc thi khác.",
            "categories": CATEGORIES, "opens_at": opens.isoformat(), "closes_at": closes.isoformat(),
            "max_coauthors": 5})
        return str(c["contest_id"])

    def entries(self, contest_id: str, count: int, submit: bool) -> list[str]:
        ids = []
        for i in range(count):
            cat, title, problem, solution, benefit = INITIATIVES[i % len(INITIATIVES)]
            who = i % len(PARTICIPANTS)
            tok = self.token(_email("tacgia", who), PARTICIPANT_PASSWORD)
            unit = PARTICIPANTS[who][1]
            co = [] if i % 3 else [{"full_name": "Nguyễn Thị Minh", "position": "Chuyên viên", "unit": unit,
                                    "email": f"dongtacgia{i}@demo.example", "contribution_pct": 30}]
            fields = {"title": title, "category": cat, "author_unit": unit, "co_authors": co, "commitment": True,
                      **sections(problem, solution, benefit)}
            e = self.call("POST", f"/submission/api/contests/{contest_id}/entries", tok, fields)
            if submit:
                self.call("POST", f"/submission/api/entries/{e['entry_id']}/submit", tok)
            ids.append(e["entry_id"])
        return ids

    def judge_round(self, org: dict[str, str], contest_id: str, entry_ids: list[str]) -> None:
        self.call("POST", f"/submission/api/contests/{contest_id}/close", org)
        for n, eid in enumerate(entry_ids):
            eligible = n != len(entry_ids) - 1
            self.call("POST", f"/submission/api/entries/{eid}/screening", org,
                      {"eligible": eligible, "reason": "" if eligible else "Trùng nội dung với sáng kiến đã được "
                                                                          "công nhận năm trước."})
        expected = len(entry_ids) - 1
        deadline = time.monotonic() + 30
        while True:  # judging learns about eligible entries over Kafka
            r = self.call("POST", f"/judging/api/contests/{contest_id}/rounds/1/release", org, {}, ok=(404, 409))
            progress = self.call("GET", f"/judging/api/contests/{contest_id}/progress", org, ok=(404,))
            if r and r.get("released") and progress and progress.get("entries", 0) >= expected:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("judging did not receive the eligible entries in time")
            time.sleep(0.5)
        for j in range(len(JUDGES)):
            tok = self.token(_email("giamkhao", j), JUDGE_PASSWORD)
            for item in self.call("GET", "/judging/api/queue", tok):
                self.call("POST", f"/judging/api/reviews/{item['review_id']}/declaration", tok)
                base = (zlib.crc32(item["entry_id"].encode()) % 20) + j % 3
                scores = {"novelty": min(30, 14 + base % 15), "effectiveness": min(40, 20 + base),
                          "applicability": min(20, 10 + base % 10), "presentation": min(10, 6 + base % 4)}
                self.call("PUT", f"/judging/api/reviews/{item['review_id']}/sheet", tok,
                          {"scores": scores, "overall": "Sáng kiến có tính thực tiễn.", "submit": True})


def seed_demo(profile: Profile) -> list[tuple[str, str, str]]:
    s = Seeder(profile)
    org = s.organiser()
    s.units(org)
    s.people(org)
    now = datetime.now(UTC).replace(microsecond=0)
    past = s.contest(org, "SK2025", "Cuộc thi sáng kiến cải cách hành chính tỉnh Bắc Ninh năm 2025",
                     now - timedelta(days=60), now + timedelta(days=1))
    if past is not None:
        ids = s.entries(past, len(INITIATIVES), submit=True)
        s.judge_round(org, past, ids)
    current = s.contest(org, "SK2026", "Cuộc thi sáng kiến cải cách hành chính tỉnh Bắc Ninh năm 2026",
                        now - timedelta(days=3), now + timedelta(days=45))
    if current is not None:
        s.entries(current, 4, submit=True)
    log.info("seed.done")
    return [("organiser", ORGANISER[0], ORGANISER[1]),
            *[("judge", _email("giamkhao", i), JUDGE_PASSWORD) for i in range(len(JUDGES))][:2],
            *[("participant", _email("tacgia", i), PARTICIPANT_PASSWORD) for i in range(len(PARTICIPANTS))][:2]]
