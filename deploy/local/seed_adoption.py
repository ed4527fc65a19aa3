"""Seed last year's winners being replicated across the province, through adoption's API as its
users would: organisers plan and publish, unit coordinators (đầu mối) answer and report stages,
measured values and an evidence file.

Idempotent and resumable: a winner that already has a plan keeps it, coordinators that exist are
kept, and a unit acts only while its assignment is still unanswered.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import structlog
from fpdf import FPDF

from deploy.local.seed_data import COORDINATORS, DIRECTORY, REPLICATIONS
from services.awards.domain.certificates import find_fonts
from shared.units import unit_key
from shared.web.i18n import VN_TZ

if TYPE_CHECKING:
    from deploy.local.seed import Seeder

log = structlog.get_logger("seed")

COORDINATOR_PASSWORD = "DauMoi#2026"
UNIT_NAMES = {code: name for code, name, *_ in DIRECTORY}


def coordinator_email(code: str) -> str:
    return f"daumoi.{code.lower()}@demo.example"


def evidence_pdf(title: str, unit: str, on: date) -> bytes:
    """A one-page decision to apply the initiative, as a unit would scan and upload it."""
    fonts = find_fonts()
    pdf = FPDF(format="A4")
    pdf.add_font("Doc", "", str(fonts.regular))
    pdf.add_font("Doc", "B", str(fonts.bold))
    pdf.set_creation_date(datetime(on.year, on.month, on.day, tzinfo=VN_TZ))
    pdf.add_page()
    pdf.set_font("Doc", "B", 13)
    pdf.multi_cell(0, 7, unit.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 7, "Cộng hoà xã hội chủ nghĩa Việt Nam — Độc lập - Tự do - Hạnh phúc", align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.multi_cell(0, 8, "QUYẾT ĐỊNH\nVề việc áp dụng sáng kiến cải cách hành chính", align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Doc", "", 12)
    pdf.ln(4)
    pdf.multi_cell(0, 7, f"Áp dụng sáng kiến «{title}» tại {unit} kể từ ngày {on:%d/%m/%Y}. Bộ phận Một cửa "
                         "và các phòng chuyên môn tổ chức thực hiện, báo cáo kết quả định kỳ hằng quý.",
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


class AdoptionSeeder:
    def __init__(self, seeder: Seeder, org: dict[str, str]) -> None:
        self.s = seeder
        self.org = org
        self.today = datetime.now(VN_TZ).date()

    def coordinators(self) -> None:
        for code, name in COORDINATORS.items():
            self.s.call("POST", "/identity/api/accounts", self.org, {
                "email": coordinator_email(code), "password": COORDINATOR_PASSWORD, "full_name": name,
                "unit": UNIT_NAMES[code], "roles": ["coordinator"], "invite": False}, ok=(409,))

    def winners(self, contest_id: str) -> dict[int, dict[str, Any]]:
        """Rank -> the contest's winners as adoption learnt them from the announcement (over Kafka)."""
        deadline = time.monotonic() + 90
        while True:
            known = [i for i in self.s.call("GET", "/adoption/api/initiatives", self.org)
                     if i.get("contest_id") == contest_id and i.get("winner") and i.get("rank")]
            if len(known) >= len(REPLICATIONS) or time.monotonic() > deadline:
                if not known:  # e.g. a store where last year's contest was announced without winners
                    log.warning("seed.no_winners_to_replicate", contest_id=contest_id)
                return {int(i["rank"]): i for i in known}
            time.sleep(1)

    def plans(self, contest_id: str) -> None:
        self.coordinators()
        winners = self.winners(contest_id)
        planned = {p["initiative_id"]: p for p in self.s.call("GET", "/adoption/api/plans", self.org)}
        for spec in REPLICATIONS:
            initiative = winners.get(cast(int, spec["rank"]))
            if initiative is None:
                continue
            plan = planned.get(initiative["_id"]) or self.plan(initiative, spec)
            if plan["status"] == "withdrawn":
                continue
            if plan["status"] == "draft":  # an earlier run stopped between planning and publishing
                plan = self.s.call("POST", f"/adoption/api/plans/{plan['_id']}/publish", self.org)
            self.units(plan, initiative["title"], cast(dict[str, Any], spec["units"]))

    def plan(self, initiative: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
        """A draft plan of the winner's replication to the spec's units but its own."""
        own = unit_key(initiative.get("unit", ""))
        units = [UNIT_NAMES[c] for c in spec["units"] if unit_key(UNIT_NAMES[c]) != own]
        return cast(dict[str, Any], self.s.call("POST", "/adoption/api/plans", self.org, {
            "initiative_id": initiative["_id"], "units": units,
            "lead_unit": initiative.get("unit") or "Sở Nội vụ",
            "due": (self.today + timedelta(days=spec["due_days"])).isoformat(),
            "indicators": [{"key": k, "name": n, "measure": m, "value_type": t, "baseline": b}
                           for k, n, m, t, b in spec["indicators"]]}))

    def units(self, plan: dict[str, Any], title: str, scripts: dict[str, Any]) -> None:
        for code, script in scripts.items():
            if script is None or UNIT_NAMES[code] not in plan["units"]:
                continue
            me = self.s.token(coordinator_email(code), COORDINATOR_PASSWORD)
            mine = [a for a in self.s.call("GET", "/adoption/api/my/assignments", me) if a["plan_id"] == plan["_id"]]
            if not mine or mine[0]["answer"] != "assigned":
                continue  # done on an earlier run
            aid = mine[0]["_id"]
            kind, detail, evidence = script
            if kind == "decline":
                self.s.call("POST", f"/adoption/api/assignments/{aid}/answer", me, {"accept": False, "reason": detail})
                continue
            self.s.call("POST", f"/adoption/api/assignments/{aid}/answer", me, {"accept": True})
            for stage, reason, days_ago, values in detail:
                on = (self.today - timedelta(days=days_ago)).isoformat()
                self.s.call("POST", f"/adoption/api/assignments/{aid}/reports", me, {
                    "stage": stage, "reason": reason,
                    "values": [{"indicator": k, "value": v, "on": on} for k, v in values.items()]})
            if evidence:
                r = self.s.http.post(f"/adoption/api/assignments/{aid}/evidence", params={"filename": evidence},
                                     content=evidence_pdf(title, UNIT_NAMES[code], self.today - timedelta(days=20)),
                                     headers={**me, "content-type": "application/octet-stream"})
                r.raise_for_status()
