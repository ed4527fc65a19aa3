"""Submission's copy of a replication plan, folded from adoption's events, and what the
initiative's author sees of it: nothing before publication or after withdrawal, each unit's
answer and stage, the latest value of each indicator; an older event arriving late never
overwrites a newer state, and a repeated event changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import reduce
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from services import submission
from services.submission.adoption_view import AdoptionView, PlanEvent, fold
from services.submission.domain import adoption
from services.submission.memory_repositories import MemoryAdoptionCopy
from shared.envelope import Envelope
from shared.events.adoption import (
    IndicatorSpec,
    IndicatorValue,
    PlanPublished,
    PlanWithdrawn,
    ReplicationPlanned,
    UnitAnswered,
    UnitReported,
)
from shared.web.render import Web, _lang

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
UNITS = ["Sở Tư pháp", "UBND huyện Sóc Sơn", "Sở Y tế"]
DUE = date(2027, 3, 31)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def planned(minute: int = 0, units: list[str] | None = None) -> ReplicationPlanned:
    return ReplicationPlanned(
        plan_id="p1", initiative_id="e1", contest_id="c1", title="Một cửa liên thông", units=units or UNITS,
        lead_unit="Sở Nội vụ", due=DUE, by_account_id="org", at=at(minute), indicators=[
            IndicatorSpec(key="days", name="Thời gian xử lý", measure="ngày/hồ sơ", value_type="days", baseline=10),
            IndicatorSpec(key="cost", name="Chi phí", measure="VNĐ/năm", value_type="vnd", baseline=2e6)])


def published(minute: int = 1, units: list[str] | None = None) -> PlanPublished:
    return PlanPublished(plan_id="p1", initiative_id="e1", title="Một cửa liên thông", units=units or UNITS,
                         lead_unit="Sở Nội vụ", due=DUE, at=at(minute))


def answered(unit: str, accepted: bool, minute: int, reason: str = "") -> UnitAnswered:
    return UnitAnswered(plan_id="p1", unit=unit, accepted=accepted, reason=reason, by_account_id="c", at=at(minute))


def reported(unit: str, version: int, stage: str, values: dict[str, tuple[float, int]], reason: str = "",
             previous: str = "planned") -> UnitReported:
    measured = [IndicatorValue(indicator=k, value=v, on=date(2026, 11, d)) for k, (v, d) in values.items()]
    return UnitReported(plan_id="p1", unit=unit, version=version, stage=stage, previous_stage=previous,
                        reason=reason, by_account_id="c", at=at(10 + version), values=measured)


def run(*events: PlanEvent) -> dict[str, object]:
    return reduce(fold, events, adoption.empty("p1"))


def test_a_draft_shows_nothing_and_publication_shows_every_unit_waiting() -> None:
    assert adoption.author_view(run(planned())) is None
    seen = adoption.author_view(run(planned(), published()))
    assert seen is not None and [u["unit"] for u in seen["units"]] == UNITS
    assert {u["answer"] for u in seen["units"]} == {"assigned"} and seen["in_use"] == 0


def test_answers_stages_and_latest_values_per_unit() -> None:
    seen = adoption.author_view(run(
        planned(), published(), answered(UNITS[0], True, 2), answered(UNITS[1], False, 3, "Không phù hợp"),
        reported(UNITS[0], 1, "piloting", {"days": (6, 10)}),
        reported(UNITS[0], 2, "applied", {"days": (4, 20), "cost": (1.5e6, 20)}, previous="piloting")))
    assert seen is not None
    first, second, third = seen["units"]
    assert first["answer"] == "accepted" and first["stage"] == "applied"
    assert [(v["indicator"], v["value"], v["on"], v["baseline"]) for v in first["values"]] == [
        ("cost", 1.5e6, "2026-11-20", 2e6), ("days", 4, "2026-11-20", 10)]
    assert second == {"unit": UNITS[1], "answer": "declined", "reason": "Không phù hợp", "stage": None,
                      "stage_reason": "", "values": []}
    assert third["answer"] == "assigned" and third["stage"] is None
    assert (seen["accepted"], seen["declined"], seen["in_use"]) == (1, 1, 1)


def test_a_late_older_report_or_answer_does_not_overwrite_the_newer_one() -> None:
    newer = reported(UNITS[0], 2, "stopped", {"days": (5, 20)}, reason="Thiếu nhân lực", previous="applied")
    older = reported(UNITS[0], 1, "applied", {"days": (3, 10), "cost": (1e6, 10)})
    seen = adoption.author_view(run(planned(), published(), answered(UNITS[0], True, 2), newer, older,
                                    answered(UNITS[0], False, 1, "cũ")))
    assert seen is not None
    u = seen["units"][0]
    assert u["answer"] == "accepted" and u["stage"] == "stopped" and u["stage_reason"] == "Thiếu nhân lực"
    # the older version still brings the indicator the newer one did not measure; days stays the newer value
    assert {v["indicator"]: v["value"] for v in u["values"]} == {"days": 5, "cost": 1e6}


def test_a_withdrawn_plan_disappears_and_a_late_publication_does_not_bring_it_back() -> None:
    state = run(planned(), published(), PlanWithdrawn(plan_id="p1", reason="Đổi kế hoạch", at=at(5)))
    assert adoption.author_view(state) is None
    assert adoption.author_view(fold(state, published(1))) is None


def test_a_unit_added_by_a_later_publication_is_shown_and_an_older_drawing_does_not_replace_it() -> None:
    more = [*UNITS, "UBND huyện Đông Anh"]
    seen = adoption.author_view(run(planned(0), published(1), published(4, more), planned(3)))
    assert seen is not None and [u["unit"] for u in seen["units"]] == more


EVENTS: list[PlanEvent] = [
    planned(), published(), answered(UNITS[0], True, 2), answered(UNITS[1], False, 3, "Không phù hợp"),
    answered(UNITS[2], True, 4), reported(UNITS[0], 1, "piloting", {"days": (6, 10)}),
    reported(UNITS[0], 2, "applied", {"days": (4, 20)}, previous="piloting"),
    reported(UNITS[0], 3, "applied", {"days": (3.5, 20), "cost": (1e6, 21)}),
    reported(UNITS[2], 1, "institutionalised", {"cost": (5e5, 15)}),
]


@settings(max_examples=200, deadline=None)
@given(st.permutations(EVENTS), st.lists(st.sampled_from(EVENTS), max_size=4))
def test_any_order_and_any_repeat_ends_in_the_same_state(order: list[PlanEvent], repeats: list[PlanEvent]) -> None:
    """Invariant: the copy depends on the set of events, not on their order or repeats."""
    assert adoption.author_view(run(*order, *repeats)) == adoption.author_view(run(*EVENTS))


async def test_the_view_keeps_the_copy_and_shows_it_only_for_the_authors_entries() -> None:
    repo = MemoryAdoptionCopy()
    view = AdoptionView(repo)
    for e in EVENTS[:3]:
        env = Envelope.wrap(e, producer="adoption").typed()
        await (view.on_unit(env) if isinstance(e, UnitAnswered) else view.on_plan(env))  # type: ignore[arg-type]
    shown = await view.of_entries(["e1", "e2"])
    assert list(shown) == ["e1"] and shown["e1"][0]["units"][0]["answer"] == "accepted"
    assert await view.of_entries(["e2"]) == {}


def test_the_partial_shows_units_answers_stages_and_values_in_both_languages() -> None:
    """``_adoption.html`` as "Sáng kiến của tôi" includes it, from the author's view above."""
    web = Web("submission", Path(submission.__file__).parent)
    seen = adoption.author_view(run(
        planned(), published(), answered(UNITS[0], True, 2), answered(UNITS[1], False, 3, "Không <phù hợp>"),
        reported(UNITS[0], 1, "applied", {"days": (4.5, 10)})))
    entry = {"adoption": [seen]}
    for lang, words in (("vi", ["Đã áp dụng", "Không áp dụng", "Chờ trả lời", "4,5", "10/11/2026", "31/03/2027"]),
                        ("en", ["Applied", "Declined", "Awaiting answer", "4.5", "2026-11-10", "2027-03-31"])):
        token = _lang.set(lang)  # reset after: the language must not leak into later tests
        try:
            html = web.env.get_template("_adoption.html").render(e=entry, lang=lang)
        finally:
            _lang.reset(token)
        assert 'id="adoption-p1"' in html and "Sở Tư pháp" in html and "Không &lt;phù hợp&gt;" in html
        assert all(w in html for w in words), (lang, html)
