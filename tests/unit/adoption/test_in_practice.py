"""The public page's figures, in process: only published plans, the units applying each (accepted,
not stopped) and the measured totals; nothing of a draft or a withdrawn plan, nobody's name."""

from __future__ import annotations

from datetime import timedelta

from services.adoption.service import NewPlan, Value
from tests.unit.adoption.test_use_cases import INDICATORS, ORGANISER, TODAY, World, coordinator


async def test_only_published_plans_with_the_units_applying_them_and_their_results() -> None:
    w = World()
    pid = await w.published(["Sở A", "Sở B", "Sở C", "Sở D"])
    draft = await w.svc.create_plan(NewPlan("e1", ["Sở E"], "Sở A", TODAY + timedelta(days=9), INDICATORS), ORGANISER)
    gone = await w.svc.create_plan(NewPlan("e1", ["Sở F"], "Sở A", TODAY + timedelta(days=9), INDICATORS), ORGANISER)
    await w.svc.publish(gone["_id"], ORGANISER)
    (f,) = await w.svc.assigned_to(coordinator("Sở F"))
    await w.svc.answer(f["_id"], True, "", coordinator("Sở F"))
    await w.svc.withdraw(gone["_id"], "Trùng kế hoạch", ORGANISER)
    ids = {}
    for unit in ("Sở A", "Sở B", "Sở C"):
        (mine,) = await w.svc.assigned_to(coordinator(unit))
        ids[unit] = mine["_id"]
    await w.svc.answer(ids["Sở A"], True, "", coordinator("Sở A"))
    await w.svc.report(ids["Sở A"], "applied", "", [Value("days", 4, TODAY)], coordinator("Sở A"))
    await w.svc.answer(ids["Sở B"], True, "", coordinator("Sở B"))
    await w.svc.report(ids["Sở B"], "stopped", "Thiếu kinh phí", [], coordinator("Sở B"))
    await w.svc.answer(ids["Sở C"], False, "Không phù hợp", coordinator("Sở C"))

    (shown,) = await w.svc.in_practice()
    assert shown["plan_id"] == pid and draft["_id"] != pid
    assert shown["units"] == [{"unit": "Sở A", "stage": "applied"}], "declined, stopped and silent units are not"
    assert (shown["assigned"], shown["in_use"], shown["summary"]) == (4, 1, "Tóm tắt")
    days = shown["totals"][0]
    assert (days.value, days.baseline, days.change) == (4, 10, -6)
    assert "Thiếu kinh phí" not in repr(shown) and "Không phù hợp" not in repr(shown)
    assert "Đầu mối" not in repr(shown), "no coordinator is named"


async def test_nothing_is_public_before_a_plan_is_published() -> None:
    w = World()
    await w.winner()
    await w.svc.create_plan(NewPlan("e1", ["Sở A"], "Sở A", TODAY + timedelta(days=9), INDICATORS), ORGANISER)
    assert await w.svc.in_practice() == []
