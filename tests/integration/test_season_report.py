"""The season report over the real stack: a contest announced through awards (its events
produced on Kafka as submission and judging publish them), a winner's replication planned and
answered through the adoption service (whose events awards hears on adoption.plans), and an
author group travelling from submission's entry form through EntryStatusChanged. The JSON
figures, the PDF's text and the spreadsheet's cells are checked, and every route refuses
anyone but organisers."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import Api, eventually, initiative, new_judge, new_participant, unique
from tests.integration.test_adoption import coordinator, published_plan
from tests.integration.test_awards_scenario import (
    Spec,
    approve_and_announce,
    close_judging,
    open_contest,
    score_all,
)

pytestmark = pytest.mark.integration
HTML = {"accept": "text/html"}


def report(organiser: Api, cid: str) -> dict[str, Any]:
    r = organiser.get(f"/awards/api/contests/{cid}/season-report")
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_the_season_report_of_an_announced_contest_with_its_winner_in_practice(gateway: str, organiser: Api) -> None:
    specs = [Spec("Một cửa liên thông không giấy", {"novelty": 27, "effectiveness": 36, "applicability": 17,
                                                     "presentation": 9}, unit="Sở Tư pháp", minutes=1),
             Spec("Chữ ký số cho hồ sơ một cửa", {"novelty": 25, "effectiveness": 34, "applicability": 16,
                                                   "presentation": 8}, unit="Sở Tư pháp", category="cds", minutes=2),
             Spec("Tra cứu hồ sơ đất đai trực tuyến", {"novelty": 24, "effectiveness": 32, "applicability": 15,
                                                        "presentation": 8}, unit="UBND xã Tân Chi", minutes=3)]
    sc = open_contest(organiser, "nobody", specs)
    score_all(organiser, sc, specs)
    close_judging(organiser, sc, [s.title for s in specs])
    approve_and_announce(organiser, sc)
    cid, winner = sc.contest_id, sc.entries[specs[0].title]

    # The winner's replication, planned and answered through the adoption service.
    units = [unique("Sở Y tế "), unique("Sở Xây dựng "), unique("UBND huyện Quế Võ ")]
    published_plan(organiser, winner, units, lead_unit="Sở Tư pháp", due=date.today() + timedelta(days=90),
                   baseline=7, winner=True)
    a, b = coordinator(gateway, organiser, units[0]), coordinator(gateway, organiser, units[1])
    (mine,) = a.get("/adoption/api/my/assignments").json()
    (theirs,) = b.get("/adoption/api/my/assignments").json()
    assert a.post(f"/adoption/api/assignments/{mine['_id']}/answer", json={"accept": True}).status_code == 200
    r = a.post(f"/adoption/api/assignments/{mine['_id']}/reports", json={
        "stage": "applied", "values": [{"indicator": "days", "value": 3, "on": date.today().isoformat()}]})
    assert r.status_code == 201, r.text
    assert b.post(f"/adoption/api/assignments/{theirs['_id']}/answer",
                  json={"accept": False, "reason": "Không phù hợp với đơn vị"}).status_code == 200

    def adopted() -> Any:
        got = report(organiser, cid)
        return got["adoption"]["declined"] == 1 and got["adoption"]["applied"] == 1 and got
    got = eventually(adopted, what="awards to hear the plan, the answers and the report")

    part = got["participation"]
    assert (part["total"], part["eligible"], part["waiting"]) == (3, 3, 0)
    assert [(u["unit"], u["entries"]) for u in part["by_unit"]] == [("Sở Tư pháp", 2), ("UBND xã Tân Chi", 1)]
    assert [(c["name"], c["entries"]) for c in part["by_category"]] == [("Thủ tục hành chính", 2),
                                                                        ("Chuyển đổi số", 1)]
    assert part["by_group"] == [{"key": "", "name": "", "entries": 3}]
    days = {m["key"]: m["days"] for m in got["timeliness"]["milestones"]}
    # Decided when the contest opened (5 days before its deadline); judged and announced now.
    assert days == {"screening_done": -5, "judging_closed": 5, "announced": 5}
    prizes = got["prizes"]
    assert [(t["key"], t["count"], t["amount_vnd"]) for t in prizes["tiers"]] == [
        ("first", 1, 10_000_000), ("second", 1, 7_000_000), ("third", 1, 5_000_000)]
    assert (prizes["count"], prizes["amount_vnd"]) == (3, 22_000_000)
    (row,) = got["adoption"]["initiatives"]
    assert (row["entry_id"], row["code"], row["assigned"], row["accepted"], row["declined"], row["applied"]) == (
        winner, sc.codes[specs[0].title], 3, 1, 1, 1)
    assert datetime.fromisoformat(got["adoption"]["as_of"]) <= datetime.now(UTC)
    assert report(organiser, cid)["inputs_sha256"] == got["inputs_sha256"], "the same facts, the same hash"

    pdf = organiser.get(f"/awards/api/contests/{cid}/season-report.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in ("Báo cáo tổng kết", "Số sáng kiến", "Thủ tục hành chính", "Sở Tư pháp", "Giải Nhất",
                     "Nhân rộng đến nay", got["inputs_sha256"]):
        assert expected in text, expected

    xlsx = organiser.get(f"/awards/api/contests/{cid}/season-report.xlsx")
    assert xlsx.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert [c.value for c in wb["Theo đơn vị"][2]][:2] == ["Sở Tư pháp", 2]
    assert [c.value for c in wb["Giải thưởng"][5]] == ["Tổng cộng", 3, None, 22_000_000]
    assert [c.value for c in wb["Nhân rộng"][2]][2:] == [3, 1, 1, 1]

    page = organiser.get(f"/awards/organiser/season-report?contest_id={cid}", headers=HTML)
    assert page.status_code == 200 and "Báo cáo tổng kết cuộc thi" in page.text and got["inputs_sha256"] in page.text
    english = organiser.get(f"/awards/organiser/season-report?contest_id={cid}&lang=en", headers=HTML)
    assert "Season report of the contest" in english.text and "Adoption to date" in english.text
    link = organiser.get(f"/awards/organiser?contest_id={cid}&lang=vi", headers=HTML)
    assert f"/awards/organiser/season-report?contest_id={cid}" in link.text


def test_the_author_group_comes_from_the_entry_form_and_the_headcount_from_the_directory(
        gateway: str, organiser: Api) -> None:
    code = unique("SSR")[:12].upper()
    unit, alias = f"Sở Công Thương {code}", f"sct {code.lower()}"
    directory = organiser.get("/identity/api/units").json()
    r = organiser.put("/identity/api/units", json={"revision": directory["revision"], "units": [
        *directory["units"], {"code": code, "name": unit, "kind": "Sở, ban, ngành", "headcount": 40,
                              "aliases": [alias]}]})
    assert r.status_code == 200, r.text
    now = datetime.now(UTC)
    r = organiser.post("/submission/api/contests", json={
        "code": unique("G").upper()[:10], "name": "Cuộc thi có đối tượng dự thi", "issuing_body": "Sở Nội vụ",
        "categories": [{"key": "tthc", "name": "Thủ tục hành chính"}],
        "eligible_groups": ["Cán bộ, công chức", "Doanh nghiệp", "Người dân"],
        "opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=30)).isoformat()})
    assert r.status_code == 201, r.text
    cid = r.json()["contest_id"]
    author, _ = new_participant(gateway)
    r = author.post(f"/submission/api/contests/{cid}/entries",
                    json=initiative(unit=alias.upper(), author_group="Doanh nghiệp"))
    assert r.status_code == 201, r.text
    assert author.post(f"/submission/api/entries/{r.json()['entry_id']}/submit").status_code == 200

    def counted() -> Any:
        r = organiser.get(f"/awards/api/contests/{cid}/season-report")
        return (r.status_code == 200 and r.json()["participation"]["total"] == 1
                and r.json()["participation"]["by_unit"][0]["unit"] == unit and r.json())
    got = eventually(counted, what="awards to hear the submitted entry and the directory")
    assert got["participation"]["by_unit"] == [{"unit": unit, "entries": 1, "headcount": 40, "per_100_staff": 2.5}]
    assert got["participation"]["by_group"] == [{"key": "Doanh nghiệp", "name": "Doanh nghiệp", "entries": 1}]
    assert got["participation"]["waiting"] == 1
    screening = got["timeliness"]["milestones"][0]
    assert screening["key"] == "screening_done" and screening["at"] is None, "an entry still waits for screening"
    assert got["prizes"] == {"announced": False, "tiers": [], "count": 0, "amount_vnd": 0}


def test_only_organisers_see_the_report(gateway: str, organiser: Api, anonymous: Api) -> None:
    participant, _ = new_participant(gateway)
    judge = new_judge(gateway, organiser, "Sở Xây dựng")
    unit_contact = coordinator(gateway, organiser, "Sở Xây dựng")
    cid = open_contest(organiser, "nobody", [], prizes=None).contest_id
    paths = [f"/awards/api/contests/{cid}/season-report", f"/awards/api/contests/{cid}/season-report.pdf",
             f"/awards/api/contests/{cid}/season-report.xlsx"]
    page = f"/awards/organiser/season-report?contest_id={cid}"
    for path in paths:
        assert anonymous.get(path).status_code == 401, path
        for who in (participant, judge, unit_contact):
            assert who.get(path).status_code == 403, path
        assert organiser.get(path).status_code == 200, path
        r = organiser.get(path.replace(cid, "khong-co"))
        assert r.status_code == 404 and "cuộc thi" in r.json()["detail"], path
    assert httpx.get(f"{gateway}{page}", headers=HTML, follow_redirects=False).status_code == 303
    for who in (participant, judge, unit_contact):
        assert who.get(page, headers=HTML).status_code == 403
    assert organiser.get(page, headers=HTML).status_code == 200
    assert organiser.get("/awards/organiser/season-report?contest_id=khong-co", headers=HTML).status_code == 404
