"""Advancement between rounds and competition ranks: hand cases and properties."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.judging.domain.rounds import RoundRule, advancing, competition_ranks

TOTALS = st.dictionaries(st.text("abcdefgh", min_size=1, max_size=3),
                         st.sampled_from([50.0, 60.5, 70.0, 70.0, 81.25, 90.0, 99.5]), max_size=25)


def test_top_n_min_total_and_both() -> None:
    totals = {"a": 90.0, "b": 85.0, "c": 70.0, "d": 69.99, "e": 40.0}
    assert advancing(totals, 2, None) == ["a", "b"]
    assert advancing(totals, None, 70) == ["a", "b", "c"]
    assert advancing(totals, 4, 70) == ["a", "b", "c"], "both: the best N among those with at least X"
    assert advancing(totals, 1, 95) == []
    assert advancing(totals, None, None) == []


def test_ties_at_the_cut_all_advance() -> None:
    assert advancing({"a": 90.0, "b": 80.0, "c": 80.0, "d": 70.0}, 2, None) == ["a", "b", "c"]


def test_competition_ranks_share_places() -> None:
    assert competition_ranks({"a": 90.0, "b": 80.0, "c": 80.0, "d": 70.0}) == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_round_rule_knows_whether_it_advances() -> None:
    assert not RoundRule(5).has_advancement
    assert RoundRule(3, advance_top_n=20).has_advancement and RoundRule(3, advance_min_total=70).has_advancement


@settings(max_examples=200, deadline=None)
@given(TOTALS, st.one_of(st.none(), st.integers(1, 30)), st.one_of(st.none(), st.sampled_from([0.0, 60.0, 70.0, 95.0])))
def test_advancement_properties(totals: dict[str, float], top_n: int | None, min_total: float | None) -> None:
    out = advancing(totals, top_n, min_total)
    assert out == sorted(set(out)) and set(out) <= set(totals)
    if top_n is None and min_total is None:
        assert out == []
        return
    if min_total is not None:
        assert all(totals[e] >= min_total for e in out)
    pool = [e for e in totals if min_total is None or totals[e] >= min_total]
    if top_n is None:
        assert set(out) == set(pool)
    else:
        assert len(out) >= min(top_n, len(pool)), "never fewer than N when N qualify"
        # Nobody left out scored more than anybody let in, and only ties push past N.
        left = [e for e in pool if e not in out]
        assert all(totals[x] < min(totals[e] for e in out) for x in left) if out else not left
        if len(out) > top_n:
            cut = sorted((totals[e] for e in out), reverse=True)[top_n - 1]
            assert all(totals[e] == cut for e in out if totals[e] < cut) or min(totals[e] for e in out) == cut
    # Same input, any order: same output.
    assert advancing(dict(reversed(list(totals.items()))), top_n, min_total) == out
