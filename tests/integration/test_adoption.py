"""Adoption over the real stack: awards' and submission's events (published to Kafka here)
make an initiative known; an organiser plans its replication, publishes it; coordinators made
in identity answer and report for their own unit only; the dashboard adds up what they measured.
Every new route is tried with the wrong role, and a unit's assignment with another unit's coordinator."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from shared.envelope import Envelope
from shared.events.authors import Author, EntryAuthorsRecorded
from shared.events.awards import Outcome, ResultsAnnounced
from tests.conftest import Api, eventually, new_judge, unique
from tests.resilience.faults import publish

pytestmark = pytest.mark.integration
PASSWORD = "DauMoi#Test2026"


def coordinator(gateway: str, organiser: Api, unit: str) -> Api:
    email = f"{unique('daumoi-')}@test.example"
    r = organiser.post("/identity/api/accounts", json={"email": email, "password": PASSWORD, "full_name": "Đầu mối",
                                                       "unit": unit, "roles": ["coordinator"]})
    assert r.status_code == 201, r.text
    token = httpx.post(f"{gateway}/identity/api/token", json={"email": email, "password": PASSWORD},
                       timeout=30).json()["access_token"]
    return Api(gateway, token)


def announced_winner() -> str:
    """An entry's authors and its first prize, as submission and awards publish them."""
    eid, cid, now = unique("e-"), unique("c-"), datetime.now(UTC)
    authors = EntryAuthorsRecorded(entry_id=eid, contest_id=cid, code=unique("HS-"), owner_account_id="p",
                                   title=f"Một cửa liên thông {eid}", category="cchc", unit="UBND huyện Đông Anh",
                                   summary="Rút ngắn thời gian", authors=[Author(full_name="Lê Bình", unit="X")],
                                   submitted_at=now)
    results = ResultsAnnounced(contest_id=cid, announced_at=now, result_hash="h", outcomes=[
        Outcome(entry_id=eid, rank=1, tier_key="first", tier_name="Giải Nhất", official_total=92.5)])
    asyncio.run(publish(Envelope.wrap(authors, producer="submission"), Envelope.wrap(results, producer="awards")))
    return eid


def test_a_winner_is_replicated_reported_and_added_up(gateway: str, organiser: Api) -> None:
    eid = announced_winner()
    eventually(lambda: any(i["_id"] == eid and i["winner"] for i in organiser.get("/adoption/api/initiatives").json()),
               what="adoption to learn the winner")
    units = [unique("Sở Tư pháp "), unique("Sở Y tế "), unique("UBND huyện ")]
    due = (date.today() + timedelta(days=60)).isoformat()
    r = organiser.post("/adoption/api/plans", json={
        "initiative_id": eid, "units": units, "lead_unit": "Sở Nội vụ", "due": due, "indicators": [
            {"key": "days", "name": "Thời gian xử lý", "measure": "ngày/hồ sơ", "value_type": "days", "baseline": 10},
            {"key": "cost", "name": "Chi phí", "measure": "VNĐ/năm", "value_type": "vnd", "baseline": 2_000_000}]})
    assert r.status_code == 201, r.text
    pid = r.json()["_id"]
    a, b = coordinator(gateway, organiser, units[0]), coordinator(gateway, organiser, units[1])
    assert a.get("/adoption/api/my/assignments").json() == [], "a draft is not shown to units"
    assert organiser.post(f"/adoption/api/plans/{pid}/publish").status_code == 200
    assert organiser.post(f"/adoption/api/plans/{pid}/publish").status_code == 409

    (mine,) = a.get("/adoption/api/my/assignments").json()
    (theirs,) = b.get("/adoption/api/my/assignments").json()
    assert mine["plan"]["title"].endswith(eid) and mine["unit"] == units[0]
    aid = mine["_id"]
    assert b.post(f"/adoption/api/assignments/{aid}/answer", json={"accept": True}).status_code == 404
    assert a.post(f"/adoption/api/assignments/{aid}/answer", json={"accept": True}).status_code == 200
    today = date.today().isoformat()
    future = (date.today() + timedelta(days=2)).isoformat()
    r = a.post(f"/adoption/api/assignments/{aid}/reports", json={"stage": "applied", "values": [
        {"indicator": "days", "value": 4, "on": future}, {"indicator": "cost", "value": 1.5, "on": today}]})
    assert r.status_code == 422 and set(r.json()["errors"]) == {"values.0.on", "values.1.value"}, r.text
    r = a.post(f"/adoption/api/assignments/{aid}/reports?lang=en", json={"stage": "applied", "values": [
        {"indicator": "days", "value": 4, "on": today}, {"indicator": "cost", "value": 500_000, "on": today}]})
    assert r.status_code == 201 and r.json()["version"] == 1, r.text
    r = a.post(f"/adoption/api/assignments/{aid}/reports?lang=en", json={"stage": "piloting"})
    assert r.status_code == 422 and "reason" in r.json()["errors"], r.text
    assert r.json()["errors"]["reason"].isascii(), "worded in English"
    r = b.post(f"/adoption/api/assignments/{theirs['_id']}/answer", json={"accept": False})
    assert r.status_code == 422 and "reason" in r.json()["errors"]
    assert b.post(f"/adoption/api/assignments/{theirs['_id']}/answer",
                  json={"accept": False, "reason": "Không phù hợp"}).status_code == 200

    detail = organiser.get(f"/adoption/api/plans/{pid}").json()
    assert {x["unit"]: (x["answer"], x["stage"]) for x in detail["assignments"]} == {
        units[0]: ("accepted", "applied"), units[1]: ("declined", "planned"), units[2]: ("assigned", "planned")}
    days, cost = detail["totals"]
    assert (days["units"], days["value"], days["change"]) == (1, 4, -6)
    assert (cost["value"], cost["baseline"], cost["change"]) == (500_000, 2_000_000, -1_500_000)
    dash = organiser.get("/adoption/api/dashboard").json()
    row = next(i for i in dash["initiatives"] if i["title"].endswith(eid))
    assert (row["units"], row["applied"], row["declined"]) == (3, 1, 1)
    page = organiser.get("/adoption/organiser/dashboard", headers={"accept": "text/html"})
    assert page.status_code == 200 and units[0] in page.text and "chart-units" in page.text
    page = a.get(f"/adoption/unit/{aid}", headers={"accept": "text/html"})
    assert page.status_code == 200 and "Báo cáo lần" in page.text
    html = {"accept": "text/html"}
    assert "Sáng kiến giao cho đơn vị" in a.get("/adoption/unit", headers=html).text
    assert eid in organiser.get("/adoption/organiser", headers=html).text
    assert eid in organiser.get(f"/adoption/organiser/plans/new?initiative_id={eid}", headers=html).text
    page = organiser.get(f"/adoption/organiser/plans/{pid}?lang=en", headers=html)
    assert page.status_code == 200 and "Measured benefits" in page.text and "Declined" in page.text

    # Withdrawn: nothing more is reported.
    assert organiser.post(f"/adoption/api/plans/{pid}/withdraw", json={"reason": "Trùng"}).status_code == 200
    r = a.post(f"/adoption/api/assignments/{aid}/reports", json={"stage": "institutionalised"})
    assert r.status_code == 410, r.text


ORGANISER_ROUTES = [("get", "/adoption/api/initiatives"), ("get", "/adoption/api/plans"),
                    ("post", "/adoption/api/plans"), ("get", "/adoption/api/plans/x"),
                    ("put", "/adoption/api/plans/x"), ("post", "/adoption/api/plans/x/publish"),
                    ("post", "/adoption/api/plans/x/withdraw"),
                    ("get", "/adoption/api/dashboard")]
COORDINATOR_ROUTES = [("get", "/adoption/api/my/assignments"), ("post", "/adoption/api/assignments/x/answer"),
                      ("post", "/adoption/api/assignments/x/reports"),
                      ("post", "/adoption/api/assignments/x/evidence?filename=a.pdf")]
BODIES = {"/adoption/api/plans": {"initiative_id": "x", "units": ["A"], "lead_unit": "B", "due": "2099-01-01",
                                  "indicators": [{"key": "k", "name": "n", "value_type": "count", "baseline": 0}]},
          "/adoption/api/plans/x": {"units": ["A"], "lead_unit": "B", "due": "2099-01-01",
                                    "indicators": [{"key": "k", "name": "n", "value_type": "count", "baseline": 0}]},
          "/adoption/api/plans/x/withdraw": {"reason": "r"}, "/adoption/api/assignments/x/answer": {"accept": True},
          "/adoption/api/assignments/x/reports": {"stage": "applied"}}


def test_every_route_refuses_the_wrong_role(gateway: str, organiser: Api, anonymous: Api) -> None:
    judge = new_judge(gateway, organiser, "Sở Xây dựng")
    unit_contact = coordinator(gateway, organiser, "Sở Xây dựng")
    for method, path in ORGANISER_ROUTES + COORDINATOR_ROUTES:
        kw = {"json": BODIES.get(path, {})} if method in ("post", "put") else {}
        assert getattr(anonymous, method)(path, **kw).status_code == 401, path
        assert getattr(judge, method)(path, **kw).status_code == 403, path
        wrong = unit_contact if (method, path) in ORGANISER_ROUTES else organiser
        assert getattr(wrong, method)(path, **kw).status_code == 403, path


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HTML = {"accept": "text/html"}


def published_plan(organiser: Api, eid: str, units: list[str], *, lead_unit: str, due: date, baseline: float,
                   winner: bool = False) -> str:
    """Once adoption knows the initiative (as a winner, if ``winner``), a plan of it for ``units``
    with one indicator (days per dossier from ``baseline``), published; its id."""
    eventually(lambda: any(i["_id"] == eid and (i["winner"] or not winner)
                           for i in organiser.get("/adoption/api/initiatives").json()),
               what="adoption to learn the initiative")
    r = organiser.post("/adoption/api/plans", json={
        "initiative_id": eid, "units": units, "lead_unit": lead_unit, "due": due.isoformat(), "indicators": [
            {"key": "days", "name": "Thời gian xử lý", "measure": "ngày/hồ sơ", "value_type": "days",
             "baseline": baseline}]})
    assert r.status_code == 201, r.text
    pid = str(r.json()["_id"])
    assert organiser.post(f"/adoption/api/plans/{pid}/publish").status_code == 200
    return pid


def accepted_assignment(gateway: str, organiser: Api, units: list[str]) -> tuple[str, str, list[Api]]:
    """A published plan of an announced winner for ``units``, the first unit having accepted it."""
    pid = published_plan(organiser, announced_winner(), units, lead_unit="Sở Nội vụ",
                         due=date.today() + timedelta(days=60), baseline=10)
    contacts = [coordinator(gateway, organiser, u) for u in units]
    (mine,) = contacts[0].get("/adoption/api/my/assignments").json()
    assert contacts[0].post(f"/adoption/api/assignments/{mine['_id']}/answer", json={"accept": True}).status_code == 200
    return pid, mine["_id"], contacts


def test_evidence_files_are_checked_kept_and_downloadable_by_organisers_and_the_unit_only(
        gateway: str, organiser: Api, anonymous: Api) -> None:
    units = [unique("Sở Công Thương "), unique("Sở Tài chính ")]
    pid, aid, (mine, other) = accepted_assignment(gateway, organiser, units)
    octet = {"content-type": "application/octet-stream"}
    r = mine.post(f"/adoption/api/assignments/{aid}/evidence", params={"filename": "Quyết định áp dụng.pdf"},
                  content=PDF, headers=octet)
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    assert r.json()["filename"] == "Quyết định áp dụng.pdf"
    for who in (organiser, mine, coordinator(gateway, organiser, units[0].lower())):
        got = who.get(f"/adoption/api/evidence/{fid}")
        assert got.status_code == 200 and got.content == PDF, got.text
        assert got.headers["content-type"] == "application/pdf" and got.headers["x-content-type-options"] == "nosniff"
        assert "filename*=UTF-8''Quy%E1%BA%BFt" in got.headers["content-disposition"]
    assert other.get(f"/adoption/api/evidence/{fid}").status_code == 404, "another unit's coordinator"
    assert anonymous.get(f"/adoption/api/evidence/{fid}").status_code == 401
    assert new_judge(gateway, organiser, units[0]).get(f"/adoption/api/evidence/{fid}").status_code == 403
    assert organiser.get("/adoption/api/evidence/nope").status_code == 404
    r = other.post(f"/adoption/api/assignments/{aid}/evidence", params={"filename": "a.pdf"}, content=PDF,
                   headers=octet)
    assert r.status_code == 404, "a file for another unit's report"

    # The checks submission applies: the bytes decide the type, and the size is bounded.
    r = mine.post(f"/adoption/api/assignments/{aid}/evidence", params={"filename": "bao-cao.pdf", "lang": "en"},
                  content=b"MZ\x90\x00 not a pdf", headers=octet)
    assert r.status_code == 415 and "extension" in r.json()["errors"]["file"], r.text
    r = mine.post(f"/adoption/api/assignments/{aid}/evidence", params={"filename": "lon.pdf"},
                  content=PDF + b"0" * (10 * 1024 * 1024), headers=octet)
    assert r.status_code == 413, r.text
    listed = organiser.get(f"/adoption/api/plans/{pid}").json()["assignments"][0]["evidence"]
    assert [f["id"] for f in listed] == [fid]

    # The page's form: a file is kept and listed; a wrong one is refused on the page, in its language.
    form = f"/adoption/unit/{aid}/evidence"
    r = mine.post(form, files={"file": ("anh-chup.png", PDF, "image/png")}, headers=HTML)
    assert r.status_code == 415 and "f-file-error" in r.text and "phần mở rộng .png" in r.text, r.text
    r = mine.post(form, files={"file": ("Bảng số liệu.pdf", PDF, "application/pdf")}, headers=HTML)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/adoption/unit/{aid}?saved=1"), r.text
    page = mine.get(f"/adoption/unit/{aid}", headers=HTML).text
    assert "Bảng số liệu.pdf" in page and "Quyết định áp dụng.pdf" in page and "Thêm tệp minh chứng" in page
    r = mine.post(form, data={"x": "1"}, files={"nothing": ("", b"", "application/octet-stream")}, headers=HTML)
    assert r.status_code == 400 and "Chọn một tệp" in r.text, r.text
    assert other.post(form, files={"file": ("a.pdf", PDF, "application/pdf")}, headers=HTML).status_code == 404
    assert "Bảng số liệu.pdf" in organiser.get(f"/adoption/organiser/plans/{pid}", headers=HTML).text


def test_page_forms_answer_report_and_refuse_with_the_field_message(gateway: str, organiser: Api) -> None:
    """The pages' POST handlers: answer and report forms, the plan form, publish and withdraw."""
    units = [unique("Sở Giáo dục "), unique("Sở Xây dựng ")]
    pid, aid, (mine, other) = accepted_assignment(gateway, organiser, units)
    today = date.today().isoformat()
    r = mine.post(f"/adoption/unit/{aid}/report", data={"stage": "applied", "v_days": "abc", "on_days": today},
                  headers=HTML)
    assert r.status_code == 400 and "f-v_days-error" in r.text and "Giá trị phải là một số" in r.text
    future = (date.today() + timedelta(days=3)).isoformat()
    r = mine.post(f"/adoption/unit/{aid}/report?lang=en", data={"stage": "applied", "v_days": "4",
                                                                "on_days": future}, headers=HTML)
    assert r.status_code == 400 and "f-on_days-error" in r.text and "after today" in r.text, r.text
    r = mine.post(f"/adoption/unit/{aid}/report", data={"stage": "applied", "v_days": "4,5", "on_days": today},
                  headers=HTML)
    assert r.status_code == 303, r.text
    assert mine.get("/adoption/api/my/assignments").json()[0]["values"][0]["value"] == 4.5
    r = mine.post(f"/adoption/unit/{aid}/report", data={"stage": "piloting"}, headers=HTML)
    assert r.status_code == 400 and "f-reason-error" in r.text
    (theirs,) = other.get("/adoption/api/my/assignments").json()
    r = other.post(f"/adoption/unit/{theirs['_id']}/answer", data={"accept": "no"}, headers=HTML)
    assert r.status_code == 400 and "f-reason-error" in r.text
    r = other.post(f"/adoption/unit/{theirs['_id']}/answer", data={"accept": "no", "reason": "Không phù hợp"},
                   headers=HTML)
    assert r.status_code == 303
    assert other.post(f"/adoption/unit/{aid}/answer", data={"accept": "yes"}, headers=HTML).status_code == 404

    r = organiser.post("/adoption/organiser/plans", data={"initiative_id": "nope", "units": units[0],
                                                          "lead_unit": "Sở Nội vụ", "due": "01/02/2030"},
                       headers=HTML)
    assert r.status_code == 400 and "f-due-error" in r.text
    r = organiser.post(f"/adoption/organiser/plans/{pid}/withdraw", data={"reason": " "}, headers=HTML)
    assert r.status_code == 422, r.text
    r = organiser.post(f"/adoption/organiser/plans/{pid}/withdraw", data={"reason": "Trùng"}, headers=HTML)
    assert r.status_code == 303
    assert mine.post(f"/adoption/unit/{aid}/report", data={"stage": "institutionalised"},
                     headers=HTML).status_code == 410
    assert mine.post(f"/adoption/organiser/plans/{pid}/publish", headers=HTML).status_code == 403


def test_the_public_page_shows_published_plans_only(gateway: str, organiser: Api, anonymous: Api) -> None:
    units = [unique("Sở Nông nghiệp "), unique("UBND huyện Sóc Sơn ")]
    pid, aid, (mine, _) = accepted_assignment(gateway, organiser, units)
    today = date.today().isoformat()
    assert mine.post(f"/adoption/api/assignments/{aid}/reports", json={"stage": "applied", "values": [
        {"indicator": "days", "value": 7, "on": today}]}).status_code == 201
    title = organiser.get(f"/adoption/api/plans/{pid}").json()["plan"]["title"]
    draft_eid = announced_winner()
    eventually(lambda: any(i["_id"] == draft_eid for i in organiser.get("/adoption/api/initiatives").json()),
               what="adoption to learn the second winner")
    r = organiser.post("/adoption/api/plans", json={
        "initiative_id": draft_eid, "units": [units[0]], "lead_unit": "Sở Nội vụ",
        "due": (date.today() + timedelta(days=9)).isoformat(),
        "indicators": [{"key": "k", "name": "Hồ sơ/tháng", "value_type": "count", "baseline": 1}]})
    assert r.status_code == 201, r.text

    page = anonymous.get("/adoption/in-practice", headers=HTML)
    assert page.status_code == 200, page.text
    assert title in page.text and units[0] in page.text and "Đã áp dụng" in page.text
    assert units[1] not in page.text, "a unit that has not taken it up is not listed"
    assert draft_eid not in page.text, "nothing of a draft"
    assert 'href="/adoption/in-practice"' in page.text, "in the shared navigation"
    en = anonymous.get("/adoption/in-practice?lang=en", headers=HTML).text
    assert "Initiatives in practice" in en and "Measured benefits" in en
    assert organiser.post(f"/adoption/api/plans/{pid}/withdraw", json={"reason": "Trùng"}).status_code == 200
    assert title not in anonymous.get("/adoption/in-practice", headers=HTML).text, "nothing of a withdrawn plan"


def test_a_draft_is_edited_through_the_api_and_the_form_and_refused_once_published(
        gateway: str, organiser: Api, anonymous: Api) -> None:
    eid = announced_winner()
    eventually(lambda: any(i["_id"] == eid for i in organiser.get("/adoption/api/initiatives").json()),
               what="adoption to learn the winner")
    units = [unique("Sở Văn hoá "), unique("UBND huyện Lương Tài ")]
    due = (date.today() + timedelta(days=30)).isoformat()
    days = {"key": "days", "name": "Thời gian xử lý", "measure": "ngày/hồ sơ", "value_type": "days", "baseline": 10}
    r = organiser.post("/adoption/api/plans", json={"initiative_id": eid, "units": units[:1],
                                                    "lead_unit": "Sở Nội vụ", "due": due, "indicators": [days]})
    assert r.status_code == 201 and r.json()["revision"] == 1, r.text
    pid = r.json()["_id"]
    later = (date.today() + timedelta(days=90)).isoformat()
    cost = {"key": "cost", "name": "Chi phí", "measure": "VNĐ/năm", "value_type": "vnd", "baseline": 3_000_000}
    edit = {"units": units, "lead_unit": "Sở Tư pháp", "due": later, "indicators": [days, cost]}
    r = organiser.put(f"/adoption/api/plans/{pid}", json=edit)
    assert r.status_code == 200, r.text
    assert (r.json()["units"], r.json()["lead_unit"], r.json()["due"], r.json()["revision"]) == (
        units, "Sở Tư pháp", later, 2)
    r = organiser.put(f"/adoption/api/plans/{pid}?lang=en", json={**edit, "due": date.today().isoformat()})
    assert r.status_code == 422 and "due" in r.json()["errors"] and r.json()["errors"]["due"].isascii(), r.text
    assert organiser.put("/adoption/api/plans/nope", json=edit).status_code == 404
    unit_contact = coordinator(gateway, organiser, units[0])
    assert unit_contact.put(f"/adoption/api/plans/{pid}", json=edit).status_code == 403
    assert new_judge(gateway, organiser, units[0]).put(f"/adoption/api/plans/{pid}", json=edit).status_code == 403
    assert anonymous.put(f"/adoption/api/plans/{pid}", json=edit).status_code == 401

    # The form, filled with the draft's terms; an edit keeps the indicators' keys.
    page = organiser.get(f"/adoption/organiser/plans/{pid}/edit", headers=HTML)
    assert page.status_code == 200 and units[1] in page.text and 'value="3000000"' in page.text, page.text
    assert 'name="ind1_key" value="cost"' in page.text and f'action="/adoption/organiser/plans/{pid}/edit"' in page.text
    form = {"units": units[0], "lead_unit": "Sở Tư pháp", "due": later, "ind0_key": "days",
            "ind0_name": "Thời gian xử lý hồ sơ", "ind0_measure": "ngày/hồ sơ", "ind0_type": "days",
            "ind0_baseline": "12"}
    r = organiser.post(f"/adoption/organiser/plans/{pid}/edit", data={**form, "due": "31/12/2030"}, headers=HTML)
    assert r.status_code == 400 and "f-due-error" in r.text
    r = organiser.post(f"/adoption/organiser/plans/{pid}/edit", data=form, headers=HTML)
    assert r.status_code == 303 and r.headers["location"] == f"/adoption/organiser/plans/{pid}?edited=1", r.text
    plan = organiser.get(f"/adoption/api/plans/{pid}").json()["plan"]
    assert (plan["units"], plan["revision"]) == (units[:1], 3)
    assert [(i["key"], i["name"], i["baseline"]) for i in plan["indicators"]] == [("days", "Thời gian xử lý hồ sơ", 12)]
    assert unit_contact.post(f"/adoption/organiser/plans/{pid}/edit", data=form, headers=HTML).status_code == 403

    # Published: the units have seen it, so it is no longer edited (409, worded in the user's language).
    assert organiser.post(f"/adoption/api/plans/{pid}/publish").status_code == 200
    r = organiser.put(f"/adoption/api/plans/{pid}", json=edit)
    assert r.status_code == 409 and "thu hồi" in r.json()["detail"], r.text
    r = organiser.put(f"/adoption/api/plans/{pid}?lang=en", json=edit)
    assert r.status_code == 409 and "withdraw it" in r.json()["detail"], r.text
    assert organiser.get(f"/adoption/organiser/plans/{pid}/edit", headers=HTML).status_code == 409
    assert organiser.post(f"/adoption/organiser/plans/{pid}/edit", data=form, headers=HTML).status_code == 409
    assert organiser.post(f"/adoption/api/plans/{pid}/withdraw", json={"reason": "Trùng"}).status_code == 200
    assert organiser.put(f"/adoption/api/plans/{pid}", json=edit).status_code == 409
