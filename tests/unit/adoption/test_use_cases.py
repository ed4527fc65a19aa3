"""Adoption's use cases in process, over in-memory repositories: the events it learns from, an
organiser's plan, coordinators' answers and reports, the refusals, and the events written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.adoption.memory_repositories import memory_repositories
from services.adoption.service import Adoption, NewPlan, PlanTerms, Value
from shared.auth import Principal
from shared.envelope import Envelope
from shared.errors import Conflict, Gone, Invalid, NotFound
from shared.events.adoption import PlanPublished, PlanWithdrawn, ReplicationPlanned, ReportOverdue, UnitReported
from shared.events.authors import Author, EntryAuthorsRecorded
from shared.events.awards import Outcome, ResultsAnnounced

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
TODAY = date(2026, 5, 1)
ORGANISER = Principal("o1", "o@x.example", "Ban tổ chức", "Sở Nội vụ", frozenset({"organiser"}))
INDICATORS = [{"key": "days", "name": "Thời gian xử lý", "measure": "ngày/hồ sơ", "value_type": "days",
               "baseline": 10},
              {"key": "cost", "name": "Chi phí", "measure": "VNĐ/năm", "value_type": "vnd", "baseline": 1_000_000}]


def coordinator(unit: str, aid: str = "c") -> Principal:
    return Principal(aid, f"{aid}@x.example", f"Đầu mối {unit}", unit, frozenset({"coordinator"}))


class World:
    def __init__(self) -> None:
        self.repos, self.outbox = memory_repositories()
        self.clock = NOW
        self.svc = Adoption(self.repos, clock=lambda: self.clock)

    async def winner(self, entry_id: str = "e1") -> None:
        authors = EntryAuthorsRecorded(
            entry_id=entry_id, contest_id="c1", code="HS-1", owner_account_id="p1", title="Một cửa số", category="a",
            unit="UBND huyện X", summary="Tóm tắt", authors=[Author(full_name="Trần An", unit="UBND huyện X")],
            submitted_at=NOW)
        await self.svc.on_authors(Envelope.wrap(authors, producer="submission").typed())  # type: ignore[arg-type]
        results = ResultsAnnounced(contest_id="c1", announced_at=NOW, result_hash="h", outcomes=[
            Outcome(entry_id=entry_id, rank=1, tier_key="first", tier_name="Giải Nhất", official_total=90)])
        await self.svc.on_results(Envelope.wrap(results, producer="awards").typed())  # type: ignore[arg-type]

    async def published(self, units: list[str]) -> str:
        await self.winner()
        plan = await self.svc.create_plan(NewPlan("e1", units, "Sở Nội vụ", TODAY + timedelta(days=30),
                                                  INDICATORS), ORGANISER)
        await self.svc.publish(plan["_id"], ORGANISER)
        return str(plan["_id"])


async def test_a_winner_is_planned_published_reported_and_added_up() -> None:
    w = World()
    pid = await w.published(["Sở Tư pháp", "Sở Y tế", "UBND huyện A"])
    assert [i["_id"] for i in await w.svc.initiatives()] == ["e1"]
    assert [e.event_type for e in w.outbox.take()] == ["ReplicationPlanned", "PlanPublished"]
    assert w.outbox.payloads(PlanPublished)[0].units == ["Sở Tư pháp", "Sở Y tế", "UBND huyện A"]
    assert w.outbox.payloads(ReplicationPlanned)[0].indicators[0].value_type == "days"

    tu_phap, y_te = coordinator("sở tư pháp", "c1"), coordinator("Sở Y tế", "c2")
    (mine,) = await w.svc.assigned_to(tu_phap)
    aid = mine["_id"]
    await w.svc.answer(aid, True, "", tu_phap)
    await w.svc.report(aid, "applied", "", [Value("days", 6, TODAY), Value("cost", 400_000, TODAY)], tu_phap)
    (other,) = await w.svc.assigned_to(y_te)
    await w.svc.answer(other["_id"], False, "Không phù hợp với đơn vị", y_te)

    _, rows, (days, cost) = await w.svc.plan_detail(pid)
    assert {r["unit"]: (r["answer"], r["stage"]) for r in rows} == {
        "Sở Tư pháp": ("accepted", "applied"), "Sở Y tế": ("declined", "planned"),
        "UBND huyện A": ("assigned", "planned")}
    assert (days.units, days.value, days.change) == (1, 6, -4)
    assert (cost.value, cost.baseline, cost.change) == (400_000, 1_000_000, -600_000)
    d = await w.svc.dashboard()
    assert d["initiatives"][0]["applied"] == 1 and d["initiatives"][0]["declined"] == 1
    assert {u["unit"]: u["applied"] for u in d["units"]} == {"Sở Tư pháp": 1, "Sở Y tế": 0, "UBND huyện A": 0}
    reported = w.outbox.payloads(UnitReported)
    assert [(r.unit, r.version, r.stage, r.previous_stage) for r in reported] == [
        ("Sở Tư pháp", 1, "applied", "planned")]
    assert [e.event_type for e in w.outbox.take()] == ["UnitAnswered", "UnitReported", "UnitAnswered"]

    # A later correction for the same day replaces the value; history keeps both versions.
    await w.svc.report(aid, "institutionalised", "", [Value("days", 5, TODAY)], tu_phap)
    _, _, (days, _) = await w.svc.plan_detail(pid)
    assert days.value == 5
    history = await w.svc.history(aid, tu_phap)
    assert [h.get("version") for h in history] == [None, 1, 2] and history[1]["values"][0]["value"] == 6


async def test_refusals_wrong_unit_wrong_values_backwards_withdrawn() -> None:
    w = World()
    pid = await w.published(["Sở Tư pháp"])
    me = coordinator("Sở Tư pháp")
    (mine,) = await w.svc.assigned_to(me)
    aid = mine["_id"]
    with pytest.raises(NotFound):
        await w.svc.answer(aid, True, "", coordinator("Sở Y tế"))
    with pytest.raises(NotFound):
        await w.svc.report(aid, "piloting", "", [], coordinator(""))
    with pytest.raises(Conflict):
        await w.svc.report(aid, "piloting", "", [], me)  # not accepted yet
    with pytest.raises(Invalid) as refused:
        await w.svc.answer(aid, False, "", me)
    assert "reason" in refused.value.errors
    await w.svc.answer(aid, True, "", me)
    with pytest.raises(Conflict):
        await w.svc.answer(aid, False, "Đổi ý", me)
    w.outbox.take()
    with pytest.raises(Invalid) as refused:
        await w.svc.report(aid, "applied", "", [Value("days", -1, TODAY), Value("cost", 10.5, TODAY),
                                                Value("nope", 1, TODAY),
                                                Value("days", 1, TODAY + timedelta(days=1))], me)
    assert set(refused.value.errors) == {"values.0.value", "values.1.value", "values.2.value", "values.3.on"}
    await w.svc.report(aid, "applied", "", [], me)
    with pytest.raises(Invalid) as refused:
        await w.svc.report(aid, "piloting", "", [], me)
    assert set(refused.value.errors) == {"reason"}
    await w.svc.report(aid, "piloting", "Chuyển hệ thống mới", [], me)
    assert [r.stage for r in w.outbox.payloads(UnitReported)] == ["applied", "piloting"]
    with pytest.raises(Invalid):
        await w.svc.withdraw(pid, " ", ORGANISER)
    await w.svc.withdraw(pid, "Trùng kế hoạch", ORGANISER)
    assert w.outbox.payloads(PlanWithdrawn)[0].reason == "Trùng kế hoạch"
    with pytest.raises(Gone):
        await w.svc.report(aid, "applied", "", [], me)
    with pytest.raises(Conflict):
        await w.svc.publish(pid, ORGANISER)


async def test_a_draft_is_unseen_by_units_and_an_unknown_initiative_is_refused() -> None:
    w = World()
    await w.winner()
    with pytest.raises(NotFound):
        await w.svc.create_plan(NewPlan("nope", ["A"], "B", TODAY + timedelta(1), INDICATORS), ORGANISER)
    with pytest.raises(Invalid) as refused:
        await w.svc.create_plan(NewPlan("e1", ["A"], "B", TODAY, INDICATORS), ORGANISER)
    assert set(refused.value.errors) == {"due"}
    plan = await w.svc.create_plan(NewPlan("e1", ["Sở A"], "B", TODAY + timedelta(1), INDICATORS), ORGANISER)
    assert await w.svc.assigned_to(coordinator("Sở A")) == []
    with pytest.raises(NotFound):
        await w.svc.answer(f"{plan['_id']}:1", True, "", coordinator("Sở A"))


async def test_overdue_units_are_told_once() -> None:
    w = World()
    pid = await w.published(["Sở A", "Sở B", "Sở C"])
    a, b = [await w.svc.assigned_to(coordinator(u)) for u in ("Sở A", "Sở B")]
    await w.svc.answer(a[0]["_id"], True, "", coordinator("Sở A"))
    await w.svc.report(a[0]["_id"], "applied", "", [], coordinator("Sở A"))
    await w.svc.answer(b[0]["_id"], False, "Không phù hợp", coordinator("Sở B"))
    assert await w.svc.flag_overdue() == 0
    w.clock = NOW + timedelta(days=31)
    assert await w.svc.flag_overdue() == 1
    assert await w.svc.flag_overdue() == 0, "once per unit"
    (late,) = w.outbox.payloads(ReportOverdue)
    assert (late.plan_id, late.unit, late.stage) == (pid, "Sở C", "planned")
    assert [r["unit"] for r in (await w.svc.dashboard())["overdue"]] == ["Sở C"]


async def test_a_draft_is_edited_with_its_history_and_refused_once_published_or_withdrawn() -> None:
    w = World()
    await w.winner()
    plan = await w.svc.create_plan(NewPlan("e1", ["Sở A", "Sở B"], "Sở Nội vụ", TODAY + timedelta(30), INDICATORS),
                                   ORGANISER)
    pid = plan["_id"]
    w.outbox.take()
    w.clock = NOW + timedelta(hours=2)
    change = PlanTerms(["Sở A", "sở a", "UBND huyện C"], "Sở Tư pháp", TODAY + timedelta(45), INDICATORS[:1])
    edited = await w.svc.edit_plan(pid, change, ORGANISER)
    assert (edited["units"], edited["lead_unit"], edited["due"]) == (["Sở A", "UBND huyện C"], "Sở Tư pháp",
                                                                   (TODAY + timedelta(45)).isoformat())
    assert [i["key"] for i in edited["indicators"]] == ["days"] and edited["revision"] == 2
    assert edited["initiative_id"] == "e1" and edited["status"] == "draft"
    (entry,) = edited["history"]
    assert (entry["kind"], entry["revision"], entry["by"]) == ("edit", 2, "o1")
    assert entry["before"]["units"] == ["Sở A", "Sở B"] and len(entry["before"]["indicators"]) == 2
    (sent,) = w.outbox.take()
    planned = ReplicationPlanned.model_validate(sent.payload)
    assert sent.event_type == "ReplicationPlanned"
    assert (planned.units, planned.lead_unit, planned.due) == (["Sở A", "UBND huyện C"], "Sở Tư pháp",
                                                               TODAY + timedelta(45))

    with pytest.raises(Invalid) as refused:
        await w.svc.edit_plan(pid, PlanTerms([" "], "Sở Tư pháp", TODAY, INDICATORS), ORGANISER)
    assert set(refused.value.errors) == {"units"}
    assert (await w.svc.plan(pid))["revision"] == 2, "a refused edit changes nothing"
    with pytest.raises(NotFound):
        await w.svc.edit_plan("nope", change, ORGANISER)

    await w.svc.publish(pid, ORGANISER)
    assert [a["unit"] for a in await w.svc.assigned_to(coordinator("UBND huyện C"))] == ["UBND huyện C"]
    w.outbox.take()
    with pytest.raises(Conflict) as late:
        await w.svc.edit_plan(pid, change, ORGANISER)
    assert "thu hồi" in str(late.value.message)
    await w.svc.withdraw(pid, "Trùng kế hoạch khác", ORGANISER)
    with pytest.raises(Conflict):
        await w.svc.edit_plan(pid, change, ORGANISER)
    assert [e.event_type for e in w.outbox.take()] == ["PlanWithdrawn"], "no edit was announced"


async def test_an_edit_that_lost_a_race_writes_nothing() -> None:
    """Two organisers edit the same revision: the second compare-and-set misses and is told to reload."""
    w = World()
    await w.winner()
    plan = await w.svc.create_plan(NewPlan("e1", ["Sở A"], "Sở Nội vụ", TODAY + timedelta(30), INDICATORS), ORGANISER)
    stale = await w.svc.plan(plan["_id"])
    await w.svc.edit_plan(plan["_id"], PlanTerms(["Sở B"], "Sở Nội vụ", TODAY + timedelta(30), INDICATORS), ORGANISER)
    w.outbox.take()
    assert not await w.repos.plans.edit_draft(plan["_id"], stale["revision"], {"units": ["Sở C"]}, {}, [])
    assert (await w.svc.plan(plan["_id"]))["units"] == ["Sở B"] and w.outbox.take() == []
