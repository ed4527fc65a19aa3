"""The organiser's checklist: the steps in order, the first not done is next, history stays done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from services.awards.domain.checklist import Facts, steps

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def judging(*rounds: tuple[bool, bool], panel: int = 5, k: int = 3, version: int = 2) -> dict[str, Any]:
    return {"rubric_version": version, "criteria": 4, "max_total": 100.0, "panel_chosen": True, "panel_size": panel,
            "rounds": [{"round_no": i, "judges_per_entry": k, "released": rel, "closed": clo,
                        "final": i == len(rounds)} for i, (rel, clo) in enumerate(rounds, 1)]}


def facts(**kw: Any) -> Facts:
    base: dict[str, Any] = {"status": "open", "closes_at": NOW - timedelta(days=1),
                            "statuses": {"e1": "eligible", "e2": "ineligible"},
                            "judging": judging((False, False)), "prizes_saved": False, "judging_closed": False,
                            "approved": False, "announced": False}
    return Facts(**(base | kw))


def keyed(fs: Facts) -> dict[str, str]:
    return {f"{s.key}{s.round_no or ''}": s.state for s in steps(fs, NOW)}


def test_a_new_contest_waits_for_its_deadline_and_everything_after_is_to_do() -> None:
    got = keyed(facts(closes_at=NOW + timedelta(days=3), statuses={"e1": "submitted"}))
    assert got["contest"] == "done" and got["deadline"] == "next"
    assert got["screening"] == "todo" and got["announce"] == "todo"


def test_pending_screening_blocks_and_is_counted() -> None:
    out = steps(facts(statuses={"e1": "submitted", "e2": "eligible", "e3": "withdrawn"}), NOW)
    screening = next(s for s in out if s.key == "screening")
    assert screening.state == "next" and screening.facts["pending"] == 1
    assert next(s for s in out if s.key == "deadline").facts["submitted"] == 2  # a withdrawal does not count


def test_a_panel_smaller_than_the_judges_per_entry_is_not_done() -> None:
    assert keyed(facts(judging=judging((False, False), panel=2, k=3)))["panel"] == "next"


def test_two_rounds_each_need_release_and_close_then_prizes_approval_and_announcement() -> None:
    got = keyed(facts(judging=judging((True, True), (True, False)), prizes_saved=True))
    assert [got[k] for k in ("release1", "close1", "release2", "close2", "approve")] == [
        "done", "done", "done", "next", "todo"]


def test_unsaved_prizes_are_the_next_step_even_after_the_final_round_closed() -> None:
    """The dead end of issue 12: closing before saving prizes leaves a way forward, shown as next."""
    got = keyed(facts(judging=judging((True, True)), judging_closed=True))
    assert got["prizes"] == "next" and got["close1"] == "done" and got["approve"] == "todo"


def test_without_judging_s_snapshot_one_round_is_assumed() -> None:
    got = keyed(facts(judging=None))
    assert got["rubric"] == "next" and "release1" in got and "close1" in got


@given(st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_exactly_one_next_step_unless_all_are_done_and_announcement_completes_everything(
        released: bool, closed: bool, prizes: bool, approved: bool, announced: bool, pending: bool) -> None:
    fs = facts(judging=judging((released, closed and released)), prizes_saved=prizes, approved=approved,
               announced=announced, statuses={"e1": "submitted" if pending else "eligible"})
    states = [s.state for s in steps(fs, NOW)]
    assert states.count("next") == (0 if all(s == "done" for s in states) else 1)
    assert "next" not in states[states.index("next") + 1:] if "next" in states else True
    if announced:
        assert set(states) == {"done"}
