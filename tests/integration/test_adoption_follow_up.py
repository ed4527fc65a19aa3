"""Follow-up of a replication plan over the real stack (Kafka, FerretDB, Mailpit): coordinators
made at identity's console are mailed their unit's assignment when the plan is published, the
organisers hear of a decline, a unit past the plan's date is reminded (the lead unit and the
plan's organiser copied), and the initiative's author reads in "Sáng kiến của tôi" where it is
applied, each unit's answer, stage and measured values, until the plan is withdrawn. Nobody else
reads it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from deploy.local.infra import ROOT
from shared.envelope import Envelope
from shared.events.adoption import IndicatorValue, PlanPublished, UnitReported
from shared.events.authors import Author, EntryAuthorsRecorded
from tests.conftest import PROFILE, Api, eventually, initiative, new_contest, new_participant, sign_in, unique
from tests.integration.mailbox import count, wait_for_mail
from tests.integration.test_adoption import published_plan
from tests.resilience.faults import publish

pytestmark = pytest.mark.integration
PASSWORD = "Nhan-Rong#Kiem2026"


def coordinator(gateway: str, organiser: Api, unit: str) -> tuple[Api, str]:
    """A coordinator made by an organiser on identity's accounts API."""
    email = f"{unique('daumoi-')}@test.example"
    r = organiser.post("/identity/api/accounts", json={"email": email, "password": PASSWORD, "full_name": "Đầu mối",
                                                       "unit": unit, "roles": ["coordinator"]})
    assert r.status_code == 201, r.text
    return sign_in(gateway, email, PASSWORD), email


def console_coordinator(gateway: str, unit: str) -> tuple[Api, str]:
    """A coordinator made as an operator would, with ``create-account --role coordinator``. Its
    account event leaves with identity's relay once it adopts the console process's outbox records
    (a few minutes on FerretDB), so notifications hears of this coordinator late."""
    email = f"{unique('daumoi-')}@test.example"
    subprocess.run([sys.executable, "-m", "services.identity", "create-account", "--email", email,
                    "--full-name", "Đầu mối Kiểm thử", "--unit", unit, "--role", "coordinator",
                    "--password", PASSWORD], env=PROFILE.service_env("identity"), check=True, cwd=ROOT,
                   capture_output=True)
    api = sign_in(gateway, email, PASSWORD)
    me = api.get("/identity/api/me").json()
    assert me["roles"] == ["coordinator"] and me["unit"] == unit, me
    return api, email


def authors_recorded(entry_id: str, contest_id: str, owner: str, title: str) -> None:
    """What submission publishes once an entry is screened eligible (adoption learns the initiative)."""
    e = EntryAuthorsRecorded(entry_id=entry_id, contest_id=contest_id, code=unique("HS-"), owner_account_id=owner,
                             title=title, category="tthc", unit="UBND xã Tân Chi", summary="Rút ngắn thời gian",
                             authors=[Author(full_name="Trần Văn An", unit="UBND xã Tân Chi")],
                             submitted_at=datetime.now(UTC))
    asyncio.run(publish(Envelope.wrap(e, producer="submission")))


def adoption_of(author: Api, entry_id: str) -> list[dict[str, Any]]:
    r = author.get("/submission/api/my/entries")
    assert r.status_code == 200, r.text
    return list(next(e for e in r.json() if e["entry_id"] == entry_id)["adoption"])


def set_due_in_the_past(plan_id: str) -> None:
    """The plan's date as if it had passed (adoption refuses a past date, rightly, so the test
    moves it in adoption's own database); adoption's sweep (every 2 s on test stacks) then flags."""
    db = PROFILE.service_env("adoption")["ADOPTION_MONGO_DB"]
    client: MongoClient[dict[str, Any]] = MongoClient(PROFILE.mongo_url)
    with client:
        done = client[db]["plans"].update_one({"_id": plan_id}, {"$set": {
            "due": (date.today() - timedelta(days=2)).isoformat()}})
        assert done.matched_count == 1


def test_authors_see_where_their_initiative_is_applied_and_coordinators_are_mailed(
        gateway: str, organiser: Api, organiser_email: str) -> None:
    author, _ = new_participant(gateway)
    other, _ = new_participant(gateway, name="Người Khác")
    owner = author.get("/identity/api/me").json()["account_id"]
    cid = new_contest(organiser)["contest_id"]
    title = f"Một cửa liên thông {unique()}"
    r = author.post(f"/submission/api/contests/{cid}/entries", json=initiative(title=title))
    assert r.status_code == 201, r.text
    eid = r.json()["entry_id"]
    assert author.post(f"/submission/api/entries/{eid}/submit").status_code == 200
    authors_recorded(eid, cid, owner, title)

    units = [unique("Sở Tư pháp "), unique("UBND huyện Sóc Sơn "), unique("Sở Y tế ")]
    lead = unique("Sở Nội vụ ")
    (a, a_mail), (b, b_mail) = (coordinator(gateway, organiser, u) for u in units[:2])
    _, lead_mail = coordinator(gateway, organiser, lead)
    for email in (a_mail, b_mail, lead_mail):  # notifications knows them: the account's first mail came
        wait_for_mail(email, "")
    due = date.today() + timedelta(days=30)
    pid = published_plan(organiser, eid, units, lead_unit=lead, due=due, baseline=10)
    # the third unit's coordinator is made at the console after the plan went out: told when known
    _, c_mail = console_coordinator(gateway, units[2])

    # (b) each coordinator of each target unit is told, with the date and the page; the lead unit is not a target
    for unit, email in zip(units[:2], (a_mail, b_mail), strict=True):
        mail = wait_for_mail(email, "Đơn vị được giao nhân rộng sáng kiến")
        assert title in mail["Subject"] and unit in mail["Subject"]
        assert due.strftime("%d/%m/%Y") in mail["Text"] and f"{gateway}/adoption/unit" in mail["Text"]
        assert f"Đơn vị chủ trì hỗ trợ: {lead}." in mail["Text"]

    # (a) the author reads every unit waiting, then each answer, stage and measured value
    shown = eventually(lambda: adoption_of(author, eid), what="submission to learn the published plan")
    assert [u["unit"] for u in shown[0]["units"]] == units and shown[0]["lead_unit"] == lead
    # organisers made at the console are known to notifications minutes later (see console_coordinator)
    wait_for_mail(organiser_email, "", timeout=480)
    (mine,) = a.get("/adoption/api/my/assignments").json()
    (theirs,) = b.get("/adoption/api/my/assignments").json()
    assert a.post(f"/adoption/api/assignments/{mine['_id']}/answer", json={"accept": True}).status_code == 200
    today = date.today().isoformat()
    r = a.post(f"/adoption/api/assignments/{mine['_id']}/reports", json={
        "stage": "applied", "values": [{"indicator": "days", "value": 4, "on": today}]})
    assert r.status_code == 201, r.text
    r = b.post(f"/adoption/api/assignments/{theirs['_id']}/answer",
               json={"accept": False, "reason": "Đơn vị không có thủ tục này"})
    assert r.status_code == 200, r.text

    def reported() -> list[dict[str, Any]] | None:
        units_seen = adoption_of(author, eid)[0]["units"]
        return units_seen if units_seen[0]["stage"] == "applied" and units_seen[1]["answer"] == "declined" else None

    first, second, third = eventually(reported, what="the units' answers and report in my entries")
    assert first["answer"] == "accepted" and [(v["name"], v["value"], v["baseline"], v["on"]) for v in
                                              first["values"]] == [("Thời gian xử lý", 4, 10, today)]
    assert second["reason"] == "Đơn vị không có thủ tục này" and second["stage"] is None
    assert third["answer"] == "assigned"
    page = author.get("/submission/my")
    assert page.status_code == 200 and f'id="adoption-{pid}"' in page.text
    assert units[0] in page.text and "Đã áp dụng" in page.text and "Đơn vị không có thủ tục này" in page.text
    en = author.get("/submission/my?lang=en").text
    assert "Replication across units" in en and "Applied" in en and "Declined" in en

    # the organisers hear of the decline, with its reason
    declined = wait_for_mail(organiser_email, f"{units[1]} không áp dụng sáng kiến")
    assert "Lý do: Đơn vị không có thủ tục này" in declined["Text"] and f"/adoption/organiser/plans/{pid}" in \
        declined["Text"]

    # refusals: only the owner reads it; anyone else neither sees the entry nor its adoption
    assert all(e["adoption"] == [] or e["entry_id"] != eid for e in other.get("/submission/api/my/entries").json())
    assert other.get(f"/submission/api/entries/{eid}").status_code == 404
    assert title not in other.get("/submission/my").text
    assert a.get("/submission/api/my/entries").status_code == 403, "a coordinator has no entries"
    assert httpx.get(f"{gateway}/submission/api/my/entries", timeout=30).status_code == 401

    # a late, older report (a replayed event) does not move the unit back; a publication adding a unit
    # tells that unit's coordinator only (both events keyed by the plan: handled in this order)
    stale = UnitReported(plan_id=pid, unit=units[0], version=1, stage="piloting", previous_stage="planned",
                         values=[IndicatorValue(indicator="days", value=9, on=date.today())], by_account_id="x",
                         at=datetime.now(UTC) - timedelta(days=1))
    added = unique("UBND huyện Đông Anh ")
    _, d_mail = coordinator(gateway, organiser, added)
    wait_for_mail(d_mail, "")
    again = PlanPublished(plan_id=pid, initiative_id=eid, title=title, units=[*units, added], lead_unit=lead, due=due,
                          at=datetime.now(UTC))
    asyncio.run(publish(Envelope.wrap(stale, producer="adoption"), Envelope.wrap(again, producer="adoption")))
    wait_for_mail(d_mail, "Đơn vị được giao nhân rộng sáng kiến")
    now_seen = eventually(lambda: (x := adoption_of(author, eid)[0]["units"]) and len(x) == 4 and x,
                          what="the added unit in my entries")
    assert now_seen[0]["stage"] == "applied" and now_seen[0]["values"][0]["value"] == 4 and now_seen[3]["unit"] == added
    assert count(a_mail, "Đơn vị được giao nhân rộng sáng kiến") == 1, "told once per plan and unit"

    # (c) past the date, the unit that neither applied nor declined is reminded; lead unit and organiser copied
    late = wait_for_mail(c_mail, "Đơn vị được giao nhân rộng sáng kiến", timeout=480)
    assert units[2] in late["Subject"] and due.strftime("%d/%m/%Y") in late["Text"]
    assert count(lead_mail, "Đơn vị được giao") == 0, "the lead unit is not one of the plan's units"
    set_due_in_the_past(pid)
    reminder = wait_for_mail(c_mail, "Nhắc báo cáo áp dụng sáng kiến")
    assert units[2] in reminder["Text"] and title in reminder["Subject"]
    wait_for_mail(lead_mail, f"Bản sao: {units[2]} chưa báo cáo")
    wait_for_mail(organiser_email, f"Bản sao: {units[2]} chưa báo cáo")
    assert count(a_mail, "Nhắc báo cáo") == 0 and count(b_mail, "Nhắc báo cáo") == 0, "applied and declined units"

    # a withdrawn plan disappears from the author's page
    r = organiser.post(f"/adoption/api/plans/{pid}/withdraw", json={"reason": "Lập kế hoạch mới"})
    assert r.status_code == 200, r.text
    eventually(lambda: adoption_of(author, eid) == [], what="the withdrawn plan to disappear")
    assert count(c_mail, "Đơn vị được giao nhân rộng sáng kiến") == 1, "each coordinator told once"
