"""The season report over awards' use cases (in-memory repositories): facts from the events
awards hears, the report's figures, and its PDF and spreadsheet."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from services.awards.season import SeasonReports, season_json
from services.awards.season_files import render_pdf, render_xlsx, sections
from shared.errors import NotFound
from shared.events.adoption import PlanPublished, PlanWithdrawn, UnitAnswered, UnitReported
from shared.events.statuses import EntryStatusChanged
from shared.unit_copy import UnitCopy
from shared.units import Unit, UnitDirectory

from .test_use_cases import PRIZES, T0, Awards, closed, judged

LATER = T0 + timedelta(days=120)


def units() -> UnitCopy:
    copy = UnitCopy(None)  # type: ignore[arg-type]  # the directory is set by hand, nothing stored
    copy.directory = UnitDirectory([Unit("XA", "UBND xã A", "xã", 40, ("xã A",)), Unit("SYT", "Sở Y tế", "sở")])
    return copy


async def announced() -> tuple[Awards, SeasonReports]:
    a = await judged({"e1": 80.0, "e2": 90.0, "e3": 65.0}, close=False)
    await a.svc.on_judging_closed(closed("e1", "e2", "e3"), at=T0 + timedelta(days=45))
    await a.event(EntryStatusChanged(entry_id="e4", contest_id="c1", category="tthc", unit="xã A",
                                     status="submitted", at=T0 + timedelta(days=29), author_group="Người dân"))
    await a.event(EntryStatusChanged(entry_id="e4", contest_id="c1", category="tthc", unit="xã A",
                                     status="withdrawn", at=T0 + timedelta(days=29, hours=1)))
    await a.svc.set_prizes("c1", PRIZES, "Ban Tổ chức")
    p = await a.svc.ready_proposal("c1")
    await a.svc.approve("c1", p.result_hash, "Ban Tổ chức", "org")
    await a.svc.announce("c1", "Ban Tổ chức")
    return a, SeasonReports(a.repos, a.pub, units())


def plan_events() -> list[tuple[str, object]]:
    at = LATER
    return [
        ("ev1", PlanPublished(plan_id="p1", initiative_id="e2", title="Sáng kiến e2", units=["Sở Y tế", "UBND xã B"],
                              lead_unit="Sở Y tế", due=date(2026, 12, 31), at=at)),
        ("ev2", UnitAnswered(plan_id="p1", unit="Sở Y tế", accepted=True, by_account_id="k1", at=at)),
        ("ev3", UnitAnswered(plan_id="p1", unit="UBND xã B", accepted=False, reason="Không phù hợp",
                             by_account_id="k2", at=at + timedelta(hours=1))),
        ("ev4", UnitReported(plan_id="p1", unit="Sở Y tế", version=1, stage="applied", previous_stage="planned",
                             values=[], by_account_id="k1", at=at + timedelta(days=3))),
        ("ev5", PlanPublished(plan_id="p2", initiative_id="e1", title="Sáng kiến e1", units=["Sở Y tế"],
                              lead_unit="Sở Y tế", due=date(2026, 12, 31), at=at)),
        ("ev6", PlanWithdrawn(plan_id="p2", reason="Trùng kế hoạch", at=at + timedelta(days=1))),
    ]


async def test_the_report_counts_what_awards_heard() -> None:
    _, season = await announced()
    for event_id, e in plan_events():
        await season.on_adoption(e, event_id)  # type: ignore[arg-type]
    await season.on_adoption(plan_events()[3][1], "ev4")  # type: ignore[arg-type]  # a redelivery
    report = season_json(await season.season("c1"))
    part = report["participation"]
    assert part["total"] == 3 and part["eligible"] == 3  # e4 withdrew
    assert part["by_unit"] == [{"unit": "UBND xã A", "entries": 3, "headcount": 40, "per_100_staff": 7.5}]
    assert part["by_category"] == [{"key": "tthc", "name": "TTHC", "entries": 3}]
    assert part["by_group"] == [{"key": "", "name": "", "entries": 3}]
    days = {m["key"]: m["days"] for m in report["timeliness"]["milestones"]}
    assert days["screening_done"] == 1 and days["judging_closed"] == 15 and days["announced"] is not None
    prizes = report["prizes"]
    assert [(t["key"], t["count"], t["amount_vnd"]) for t in prizes["tiers"]] == [
        ("first", 1, 10_000_000), ("second", 1, 5_000_000)]
    assert prizes["amount_vnd"] == 15_000_000 and prizes["announced"]
    adoption = report["adoption"]
    assert [(i["entry_id"], i["code"], i["assigned"], i["accepted"], i["declined"], i["applied"])
            for i in adoption["initiatives"]] == [("e2", "CCHC-E2", 2, 1, 1, 1)]
    assert adoption["as_of"] == LATER + timedelta(days=3) and adoption["units_applying"] == 1
    assert len(report["inputs_sha256"]) == 64
    assert season_json(await season.season("c1"))["inputs_sha256"] == report["inputs_sha256"], "reproducible"


async def test_the_author_group_is_kept_from_the_status_event() -> None:
    a, season = await announced()
    await a.event(EntryStatusChanged(entry_id="e9", contest_id="c1", category="tthc", unit="Sở Y tế",
                                     status="submitted", at=T0 + timedelta(days=2), author_group="Doanh nghiệp"))
    groups = season_json(await season.season("c1"))["participation"]["by_group"]
    assert {g["key"]: g["entries"] for g in groups} == {"": 3, "Doanh nghiệp": 1}


async def test_an_unknown_contest_is_not_found() -> None:
    _, season = await announced()
    with pytest.raises(NotFound):
        await season.season("nope")


async def test_the_pdf_and_the_spreadsheet_say_it_in_correct_vietnamese_and_numbers() -> None:
    _, season = await announced()
    for event_id, e in plan_events():
        await season.on_adoption(e, event_id)  # type: ignore[arg-type]
    s = await season.season("c1")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(s, "vi"))).pages)
    for expected in ("Báo cáo tổng kết", "Số sáng kiến", "UBND xã A", "Giải Nhất", "Nhân rộng đến nay",
                     s.report.inputs_sha256):
        assert expected in text, expected
    pages = PdfReader(io.BytesIO(render_pdf(s, "vi"))).pages
    assert all(f"Trang {n}/{len(pages)}" in page.extract_text() for n, page in enumerate(pages, start=1))
    english = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(s, "en"))).pages)
    assert "Season report of the contest" in english and "Participation by unit" in english
    assert "Page 1 of" in english

    wb = load_workbook(io.BytesIO(render_xlsx(s, "vi")))
    assert len(wb.sheetnames) == len(sections(s, "vi"))
    by_unit = wb["Theo đơn vị"]
    assert [c.value for c in by_unit[1]] == ["Đơn vị", "Số sáng kiến", "Biên chế", "Trên 100 biên chế"]
    assert [c.value for c in by_unit[2]] == ["UBND xã A", 3, 40, 7.5]
    prizes = wb["Giải thưởng"]
    assert [c.value for c in prizes[2]] == ["Giải Nhất", 1, 10_000_000, 10_000_000]
    assert [c.value for c in prizes[4]][3] == 15_000_000
    timeliness = wb["Tiến độ"]
    assert isinstance(timeliness["B2"].value, datetime) and timeliness["C3"].value == 1
