"""Where an entry's judging ended, read from the closed rounds' standings."""

from __future__ import annotations

from services.submission.domain.outcome import round_outcome

ROUND1 = {"round_no": 1, "final": False, "totals": {"a": 91.0, "b": 88.004, "c": 88.0, "d": 58.333333},
          "advancing": ["a", "b", "c"], "top_n": 3, "min_total": None}
ROUND2 = {"round_no": 2, "final": True, "totals": {"a": 84.0, "b": 90.0, "c": 77.0}, "advancing": [],
          "top_n": None, "min_total": None}


def test_an_entry_eliminated_in_round_1_learns_its_total_standing_and_the_rule() -> None:
    o = round_outcome("d", [ROUND2, ROUND1])
    assert o is not None and (o.round_no, o.rank, o.of, o.advanced, o.top_n, o.final) == (1, 4, 4, False, 3, False)
    assert o.total == 58.333333


def test_a_finalist_s_outcome_is_its_final_round_and_ties_on_two_decimals_share_a_rank() -> None:
    o = round_outcome("c", [ROUND1, ROUND2])
    assert o is not None and (o.round_no, o.rank, o.of, o.final) == (2, 3, 3, True)
    tie = round_outcome("c", [ROUND1])
    assert tie is not None and tie.rank == 2 and round_outcome("b", [ROUND1]).rank == 2  # type: ignore[union-attr]


def test_an_entry_never_scored_has_no_outcome() -> None:
    assert round_outcome("z", [ROUND1, ROUND2]) is None
