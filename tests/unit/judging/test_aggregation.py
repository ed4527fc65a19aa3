"""Aggregation against hand-computed cases, calibration and standardised totals."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.judging.domain.aggregation import (
    AggregationError,
    EntryResult,
    JudgeScore,
    aggregate_entry,
    aggregate_many,
    calibration,
    z_score_totals,
)
from services.judging.domain.rubric import Criterion, Rubric, default_rubric

RUBRIC = default_rubric()
KEYS = RUBRIC.keys


def score(judge_id: str, novelty: float, effectiveness: float, applicability: float, presentation: float) -> JudgeScore:
    values = dict(zip(KEYS, (novelty, effectiveness, applicability, presentation), strict=True))
    return JudgeScore.of(RUBRIC, judge_id, values)


def result(entry_id: str, totals: dict[str, float], threshold: float = 100) -> EntryResult:
    """An entry result whose judge totals are given directly (criteria are irrelevant here)."""
    judge_scores = [JudgeScore(j, {}, t) for j, t in totals.items()]
    return aggregate_entry(RUBRIC, judge_scores, threshold, entry_id=entry_id)


def test_three_judges_mean_no_trim_and_criterion_means() -> None:
    judges = [
        score("gk1", 25, 32, 15, 8),  # 80
        score("gk2", 20, 30, 14, 6),  # 70
        score("gk3", 18, 28, 12, 8),  # 66
    ]
    res = aggregate_entry(RUBRIC, judges, 15, entry_id="HS-001")
    assert res.entry_id == "HS-001"
    assert res.judge_totals == {"gk1": 80, "gk2": 70, "gk3": 66}
    assert res.mean_total == 72  # (80 + 70 + 66) / 3 = 216 / 3
    assert res.trimmed_mean is None  # fewer than 5 judges
    assert res.official_total == 72
    assert res.spread == 14  # 80 - 66
    assert res.disagreement is False  # 14 <= 15
    assert res.judge_count == 3
    assert res.criterion_means == {
        "novelty": 21,  # (25 + 20 + 18) / 3 = 63 / 3
        "effectiveness": 30,  # (32 + 30 + 28) / 3 = 90 / 3
        "applicability": pytest.approx(41 / 3),  # (15 + 14 + 12) / 3
        "presentation": pytest.approx(22 / 3),  # (8 + 6 + 8) / 3
    }


def test_five_judges_drop_one_highest_and_one_lowest() -> None:
    judges = [
        score("a", 30, 35, 20, 10),  # 95
        score("b", 25, 30, 17, 8),  # 80
        score("c", 20, 30, 15, 7),  # 72
        score("d", 18, 25, 12, 6),  # 61
        score("e", 10, 15, 10, 5),  # 40
    ]
    res = aggregate_entry(RUBRIC, judges, 30)
    assert res.mean_total == pytest.approx(69.6)  # (95 + 80 + 72 + 61 + 40) / 5 = 348 / 5
    assert res.trimmed_mean == 71  # drop 95 and 40: (80 + 72 + 61) / 3 = 213 / 3
    assert res.official_total == 71
    assert res.spread == 55  # 95 - 40
    assert res.disagreement is True
    assert res.criterion_means["novelty"] == pytest.approx(20.6)  # (30+25+20+18+10)/5 = 103/5, untrimmed


def test_trimmed_mean_drops_only_one_of_several_equal_extremes() -> None:
    res = result("x", {"a": 90, "b": 90, "c": 70, "d": 50, "e": 50, "f": 60})
    # sorted 50 50 60 70 90 90 -> drop one 50 and one 90: (50 + 60 + 70 + 90) / 4 = 270 / 4
    assert res.trimmed_mean == 67.5
    assert res.mean_total == pytest.approx(410 / 6)


def test_four_judges_are_not_trimmed() -> None:
    res = result("x", {"a": 90, "b": 80, "c": 70, "d": 10})
    assert res.trimmed_mean is None
    assert res.official_total == res.mean_total == 62.5  # 250 / 4


@pytest.mark.parametrize(
    ("threshold", "flagged"),
    [(20.0, False), (19.99, True), (20.01, False), (0.0, True)],
)
def test_disagreement_is_strictly_above_the_threshold(threshold: float, flagged: bool) -> None:
    res = result("x", {"a": 85, "b": 65, "c": 75}, threshold)  # spread = 85 - 65 = 20
    assert res.spread == 20
    assert res.disagreement is flagged


def test_disagreement_boundary_survives_float_noise() -> None:
    # (0.3 + 15.3) - (0.3 + 0.3) is 15 on paper but 15.000000000000002 in binary floating point
    res = result("x", {"a": 0.3 + 15.3, "b": 0.3 + 0.3}, 15)
    assert res.spread > 15 and res.spread == pytest.approx(15)
    assert res.disagreement is False
    assert result("x", {"a": 15.61, "b": 0.6}, 15).disagreement is True


def test_single_judge_has_zero_spread() -> None:
    res = result("x", {"a": 42.5})
    assert (res.mean_total, res.spread, res.disagreement, res.judge_count) == (42.5, 0, False, 1)


def test_weighted_rubric_and_informational_criterion_in_aggregation() -> None:
    rubric = Rubric(
        3,
        (
            Criterion("impact", "Tính hiệu quả", "d", 50, weight=2),
            Criterion("form", "Hình thức trình bày", "d", 50, weight=1),
            Criterion("cost", "Chi phí (tham khảo)", "d", 10, required=False),
        ),
    )
    a = JudgeScore.of(rubric, "a", {"impact": 40, "form": 20, "cost": 9})
    b = JudgeScore.of(rubric, "b", {"impact": 20, "form": 50})
    # a: (2*40 + 1*20) * 100 / (2*50 + 1*50) = 100 * 100 / 150 = 66.67
    # b: (2*20 + 1*50) * 100 / 150 = 90 * 100 / 150 = 60
    assert a.total == pytest.approx(200 / 3)
    assert b.total == pytest.approx(60)
    res = aggregate_entry(rubric, [a, b], 10)
    assert res.mean_total == pytest.approx((200 / 3 + 60) / 2)
    assert res.criterion_means == {"impact": 30, "form": 35, "cost": 9}  # cost: only judge a scored it


def test_aggregate_entry_rejects_bad_input() -> None:
    with pytest.raises(AggregationError):
        aggregate_entry(RUBRIC, [], 10)
    with pytest.raises(AggregationError, match="judge_twice"):
        aggregate_entry(RUBRIC, [score("a", 1, 1, 1, 1), score("a", 2, 2, 2, 2)], 10)
    with pytest.raises(AggregationError, match="creativity"):
        aggregate_entry(RUBRIC, [JudgeScore("a", {"creativity": 3}, 3)], 10)


def test_aggregate_many_matches_aggregate_entry_exactly() -> None:
    rng = random.Random(7)
    rows = []
    by_entry: dict[str, list[JudgeScore]] = {}
    for e in range(300):
        entry_id = f"HS-{e:04d}"
        for j in rng.sample(range(40), rng.choice([1, 3, 5, 6])):
            values = (rng.uniform(0, 30), rng.uniform(0, 40), rng.uniform(0, 20), rng.uniform(0, 10))
            rows.append((entry_id, f"gk{j:02d}", values))
            by_entry.setdefault(entry_id, []).append(
                JudgeScore.of(RUBRIC, f"gk{j:02d}", dict(zip(KEYS, values, strict=True)))
            )
    rng.shuffle(rows)
    many = aggregate_many(RUBRIC, rows, 12.5)
    assert list(many) == sorted(by_entry)
    for entry_id, judge_scores in by_entry.items():
        rng.shuffle(judge_scores)
        assert many[entry_id] == aggregate_entry(RUBRIC, judge_scores, 12.5, entry_id=entry_id)


def test_aggregate_many_rejects_rows_of_the_wrong_width_and_duplicates() -> None:
    with pytest.raises(AggregationError, match="width=4"):
        aggregate_many(RUBRIC, [("e", "a", (1.0, 2.0))], 10)
    with pytest.raises(AggregationError, match="judge_twice"):
        aggregate_many(RUBRIC, [("e", "a", (1.0, 2.0, 3.0, 4.0)), ("e", "a", (1.0, 2.0, 3.0, 4.0))], 10)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=1, max_size=9), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_judge_order(totals: list[float], rnd: random.Random) -> None:
    named = {f"gk{i}": t for i, t in enumerate(totals)}
    shuffled = list(named.items())
    rnd.shuffle(shuffled)
    assert result("x", named) == result("x", dict(shuffled))
    res = result("x", named)
    assert min(totals) <= res.official_total <= max(totals)
    assert res.spread == max(totals) - min(totals)
    assert (res.trimmed_mean is not None) == (len(totals) >= 5)
    if len(set(totals)) == 1:
        assert res.official_total == totals[0]


def calibration_results() -> list[EntryResult]:
    return [
        result("E1", {"A": 80, "B": 70}),  # panel mean 75
        result("E2", {"A": 60, "B": 50, "C": 70}),  # panel mean 60
        result("E3", {"C": 90}),  # alone: no colleague to compare with
    ]


def test_calibration_hand_computed() -> None:
    stats = calibration(calibration_results())
    assert list(stats) == ["A", "B", "C"]
    root200 = math.sqrt(200)
    a, b, c = stats["A"], stats["B"], stats["C"]
    # A: totals 80, 60 -> mean 70, deviations +-10 -> variance (100 + 100) / (2 - 1) = 200
    # bias: E1 80 - 75 = +5, E2 60 - 60 = 0 -> +2.5
    assert (a.mean, a.count, a.bias) == (70, 2, 2.5)
    assert a.stdev == pytest.approx(root200)
    # B: 70, 50 -> mean 60, stdev sqrt(200); bias: 70 - 75 = -5, 50 - 60 = -10 -> -7.5
    assert (b.mean, b.count, b.bias) == (60, 2, -7.5)
    assert b.stdev == pytest.approx(root200)
    # C: 70, 90 -> mean 80, stdev sqrt(200); bias only from E2: 70 - 60 = +10 (E3 had no colleague)
    assert (c.mean, c.count, c.bias) == (80, 2, 10)
    assert c.stdev == pytest.approx(root200)


def test_calibration_single_score_has_zero_stdev_and_bias() -> None:
    stats = calibration([result("E1", {"A": 55})])
    assert stats["A"].stdev == 0 and stats["A"].count == 1 and stats["A"].bias == 0


def test_z_score_totals_hand_computed() -> None:
    results = [
        result("E1", {"A": 80, "B": 70}),
        result("E2", {"A": 60, "B": 66}),
    ]
    # A: mean 70, stdev sqrt((10^2 + 10^2) / 1) = sqrt(200); z(E1) = 10 / sqrt(200) = 1/sqrt(2), z(E2) = -1/sqrt(2)
    # B: mean 68, stdev sqrt((2^2 + 2^2) / 1) = sqrt(8);     z(E1) = 2 / sqrt(8)    = 1/sqrt(2), z(E2) = -1/sqrt(2)
    # panel: 80, 70, 60, 66 -> mean 276 / 4 = 69; squared deviations 121 + 1 + 81 + 9 = 212;
    # stdev sqrt(212 / 3); E1 = 69 + sqrt(212/3) / sqrt(2) = 69 + sqrt(106/3) = 74.944...
    z = z_score_totals(results)
    assert z["E1"] == pytest.approx(69 + math.sqrt(106 / 3))
    assert z["E2"] == pytest.approx(69 - math.sqrt(106 / 3))
    # raw means are 75 and 63: same order, a bit compressed
    assert z["E1"] > z["E2"]


def test_z_scores_neutralise_a_harsh_judge() -> None:
    # H scores everything 20 points lower than G; E2 was seen only by H, E3 only by G.
    results = [
        result("E1", {"G": 80, "H": 60}),
        result("E2", {"H": 70}),  # raw 70: looks weaker than E3...
        result("E3", {"G": 78}),  # ...raw 78
        result("E4", {"G": 60, "H": 40}),
    ]
    raw = {r.entry_id: r.mean_total for r in results}
    z = z_score_totals(results)
    assert raw["E3"] > raw["E2"]
    # G: 80, 78, 60 -> mean 218/3 = 72.67 ; H: 60, 70, 40 -> mean 170/3 = 56.67
    # E2 is 13.33 above H's mean, E3 only 5.33 above G's, and the stdevs are comparable,
    # so standardised E2 ranks above E3.
    assert z["E2"] > z["E3"]


def test_z_score_is_zero_for_constant_or_single_score_judges() -> None:
    results = [
        result("E1", {"K": 50, "S": 90}),  # K always gives 50; S scored once
        result("E2", {"K": 50, "V": 40}),
        result("E3", {"V": 60}),
    ]
    # panel: 50, 90, 50, 40, 60 -> mean 290 / 5 = 58
    z = z_score_totals(results)
    # E1: K -> z 0 -> 58; S -> z 0 (single score) -> 58
    assert z["E1"] == pytest.approx(58)
    # E2: K -> 58; V: mean 50, z = (40 - 50) / sqrt(200) = -1/sqrt(2); panel stdev sqrt(1480 / 4)
    panel_sd = math.sqrt((8**2 + 32**2 + 8**2 + 18**2 + 2**2) / 4)
    assert z["E2"] == pytest.approx((58 + 58 - panel_sd / math.sqrt(2)) / 2)
    assert z_score_totals([]) == {}


def test_z_score_totals_reject_duplicate_entries() -> None:
    with pytest.raises(AggregationError):
        z_score_totals([result("E1", {"A": 1}), result("E1", {"A": 2})])
