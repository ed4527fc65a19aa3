"""Adoption's rules: stages, indicator values, plans, totals; property tests for the invariants."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.adoption.domain import plans, stages
from services.adoption.domain.indicators import VALUE_TYPES, Indicator, IndicatorError, check_value, value_problem
from services.adoption.domain.stages import ORDER, STAGES, StageError
from services.adoption.domain.totals import Reported, latest, totals
from shared.coded import CodedError

TODAY = date(2026, 5, 1)
DAYS = Indicator("days", "Thời gian xử lý", "ngày/hồ sơ", "days", 10)
COST = Indicator("cost", "Chi phí", "VNĐ/năm", "vnd", 1_000_000)


def test_forward_moves_need_no_reason_backward_and_stopping_do() -> None:
    assert stages.move("accepted", "planned", "applied", "") == ""
    with pytest.raises(StageError, match=r"reason\.needed_stage"):
        stages.move("accepted", "applied", "piloting", "  ")
    with pytest.raises(StageError, match=r"reason\.needed_stage"):
        stages.move("accepted", "piloting", "stopped", "")
    with pytest.raises(StageError, match=r"reason\.needed_stage"):
        stages.move("accepted", "stopped", "piloting", "")
    assert stages.move("accepted", "applied", "piloting", " thiếu  kinh phí ") == "thiếu kinh phí"
    with pytest.raises(StageError, match=r"stage\.not_accepted"):
        stages.move("assigned", "planned", "piloting", "")
    with pytest.raises(StageError, match=r"stage\.not_accepted"):
        stages.move("declined", "planned", "piloting", "")


def test_an_answer_is_given_once_and_a_decline_says_why() -> None:
    assert stages.answer("assigned", True, "") == ("accepted", "")
    with pytest.raises(StageError, match=r"reason\.needed_decline"):
        stages.answer("assigned", False, " ")
    assert stages.answer("assigned", False, "Không phù hợp") == ("declined", "Không phù hợp")
    with pytest.raises(StageError, match=r"answer\.already"):
        stages.answer("accepted", False, "Đổi ý")


@given(st.sampled_from(STAGES), st.sampled_from(STAGES), st.text(max_size=20))
def test_no_stage_goes_back_stops_or_restarts_without_a_reason(current: stages.Stage, target: stages.Stage,
                                                               reason: str) -> None:
    backwards = current != target and ("stopped" in (current, target) or ORDER[target] < ORDER[current])
    try:
        kept = stages.move("accepted", current, target, reason)
    except StageError as exc:
        assert exc.code == "reason.needed_stage" and backwards and not reason.split()
    else:
        assert not backwards or kept, "a backward move is only accepted with a reason, and keeps it"


@pytest.mark.parametrize(("kind", "value", "code"), [
    ("percent", 101, "value.out_of_range"), ("percent", -1, "value.out_of_range"), ("days", -0.5, "value.negative"),
    ("count", 2.5, "value.not_whole"), ("vnd", 10.25, "value.not_whole"), ("number", True, "value.not_number"),
    ("number", "3", "value.not_number"), ("number", float("nan"), "value.out_of_range"),
    ("number", 10**16, "value.out_of_range")])
def test_values_of_the_wrong_type_or_range_are_refused(kind: str, value: object, code: str) -> None:
    problem = value_problem(kind, value)  # type: ignore[arg-type]
    assert problem is not None and problem.code == code


def test_values_within_their_type_pass_and_a_future_date_does_not() -> None:
    assert all(value_problem(t, 0) is None for t in VALUE_TYPES)
    assert value_problem("percent", 99.5) is None and value_problem("number", -3.5) is None
    assert check_value(DAYS, 4, TODAY, TODAY) is None
    future = check_value(DAYS, 4, TODAY + timedelta(days=1), TODAY)
    assert future is not None and future.code == "value.future_date"


def test_a_plan_needs_units_a_lead_a_future_date_and_distinct_indicators() -> None:
    kept = plans.check_plan(["Sở Tư pháp", " sở  tư pháp ", "UBND huyện A"], "Sở Nội vụ", TODAY + timedelta(1),
                            [DAYS], TODAY)
    assert kept == ["Sở Tư pháp", "UBND huyện A"], "two spellings of one unit are one unit"
    for units, lead, due, inds, code in [
            ([" "], "Sở Nội vụ", TODAY + timedelta(1), [DAYS], "plan.no_units"),
            (["A"], " ", TODAY + timedelta(1), [DAYS], "plan.no_lead"),
            (["A"], "B", TODAY, [DAYS], "plan.due_past"),
            (["A"], "B", TODAY + timedelta(1), [], "indicator.count"),
            (["A"], "B", TODAY + timedelta(1), [DAYS, DAYS], "indicator.duplicate")]:
        with pytest.raises(CodedError, match=code):
            plans.check_plan(units, lead, due, inds, TODAY)
    with pytest.raises(IndicatorError, match=r"indicator\.baseline"):
        Indicator("p", "Hài lòng", "%", "percent", 120)


def test_publishing_and_withdrawing_follow_the_plan_status() -> None:
    assert plans.publish("draft") == "published"
    with pytest.raises(CodedError, match=r"plan\.not_draft"):
        plans.publish("published")
    with pytest.raises(CodedError, match=r"plan\.reason_needed"):
        plans.withdraw("published", " ")
    assert plans.withdraw("draft", "Trùng kế hoạch khác") == "withdrawn"
    with pytest.raises(CodedError, match=r"plan\.withdrawn"):
        plans.withdraw("withdrawn", "x")


@pytest.mark.parametrize(("status", "code"), [("published", "plan.published_no_edit"),
                                             ("withdrawn", "plan.withdrawn")])
def test_only_a_draft_is_edited(status: plans.PlanStatus, code: str) -> None:
    plans.edit("draft")
    with pytest.raises(CodedError) as refused:
        plans.edit(status)
    assert refused.value.code == code


def test_overdue_is_a_published_plan_past_its_date_not_applied_declined_or_stopped() -> None:
    due = TODAY - timedelta(days=1)
    assert plans.is_overdue("published", due, TODAY, "assigned", "planned")
    assert plans.is_overdue("published", due, TODAY, "accepted", "piloting")
    assert not plans.is_overdue("published", due, TODAY, "accepted", "applied")
    assert not plans.is_overdue("published", due, TODAY, "declined", "planned")
    assert not plans.is_overdue("published", due, TODAY, "accepted", "stopped")
    assert not plans.is_overdue("published", TODAY, TODAY, "assigned", "planned")
    assert not plans.is_overdue("withdrawn", due, TODAY, "assigned", "planned")


def test_totals_sum_amounts_average_durations_and_compare_with_the_baseline() -> None:
    values = [Reported("Sở A", "days", 6, TODAY, 1), Reported("Sở B", "days", 4, TODAY, 1),
              Reported("Sở A", "cost", 400_000, TODAY, 1), Reported("Sở B", "cost", 600_000, TODAY, 1)]
    days, cost = totals([DAYS, COST], values)
    assert (days.units, days.value, days.baseline, days.change, days.change_pct) == (2, 5, 10, -5, -50)
    assert (cost.units, cost.value, cost.baseline, cost.change) == (2, 1_000_000, 2_000_000, -1_000_000)
    (none,) = totals([Indicator("x", "X", "", "count", 0)], values)
    assert none.units == 0 and none.value is None and none.change_pct is None


reports = st.lists(st.builds(
    Reported, unit=st.sampled_from(["Sở A", "sở a ", "Sở B", "UBND huyện C"]), indicator=st.just("cost"),
    value=st.integers(0, 10**9).map(float), on=st.dates(date(2025, 1, 1), TODAY), version=st.integers(1, 50)),
    max_size=30)


@given(reports)
def test_the_total_is_the_sum_of_each_units_latest_value(values: list[Reported]) -> None:
    (total,) = totals([COST], values)
    last = latest(values)
    expected = [max((v for v in values if v.unit.strip().casefold() == unit), key=lambda v: (v.on, v.version))
                for unit in {v.unit.strip().casefold() for v in values}]
    assert total.units == len(expected) == len(last)
    assert (total.value or 0) == sum(v.value for v in last.values())
    assert sorted(v.value for v in expected) == sorted(v.value for v in last.values())
    if values:
        assert total.change == (total.value or 0) - COST.baseline * total.units
