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
                    ("post", "/adoption/api/plans/x/publish"), ("post", "/adoption/api/plans/x/withdraw"),
                    ("get", "/adoption/api/dashboard")]
COORDINATOR_ROUTES = [("get", "/adoption/api/my/assignments"), ("post", "/adoption/api/assignments/x/answer"),
                      ("post", "/adoption/api/assignments/x/reports")]
BODIES = {"/adoption/api/plans": {"initiative_id": "x", "units": ["A"], "lead_unit": "B", "due": "2099-01-01",
                                  "indicators": [{"key": "k", "name": "n", "value_type": "count", "baseline": 0}]},
          "/adoption/api/plans/x/withdraw": {"reason": "r"}, "/adoption/api/assignments/x/answer": {"accept": True},
          "/adoption/api/assignments/x/reports": {"stage": "applied"}}


def test_every_route_refuses_the_wrong_role(gateway: str, organiser: Api, anonymous: Api) -> None:
    judge = new_judge(gateway, organiser, "Sở Xây dựng")
    unit_contact = coordinator(gateway, organiser, "Sở Xây dựng")
    for method, path in ORGANISER_ROUTES + COORDINATOR_ROUTES:
        kw = {"json": BODIES.get(path, {})} if method == "post" else {}
        assert getattr(anonymous, method)(path, **kw).status_code == 401, path
        assert getattr(judge, method)(path, **kw).status_code == 403, path
        wrong = unit_contact if (method, path) in ORGANISER_ROUTES else organiser
        assert getattr(wrong, method)(path, **kw).status_code == 403, path
