from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from services.awards.domain.ranking import EntryScores, RankingError, normalise_chain, rank
from services.awards.explanations import render

from .factories import entry, refused

CHAIN = ("criterion:effectiveness", "submitted_at")


def test_orders_by_total_then_chain_then_id() -> None:
    entries = [
        entry("C", 80.0, effectiveness=30.0, minutes=5),
        entry("A", 90.0),
        entry("B", 80.0, effectiveness=30.0, minutes=1),
        entry("D", 80.0, effectiveness=31.0, minutes=9),
        entry("F", 75.0, minutes=2),
        entry("E", 75.0, minutes=2),
    ]
    ranked = rank(entries, CHAIN)
    assert [r.entry_id for r in ranked] == ["A", "D", "B", "C", "E", "F"]
    assert [r.position for r in ranked] == [1, 2, 3, 4, 5, 6]


def test_totals_compared_after_rounding_to_two_decimals() -> None:
    ranked = rank(
        [entry("B", 85.333334, effectiveness=35.0), entry("A", 85.333333, effectiveness=36.0)],
        CHAIN,
    )
    # 85.333334 > 85.333333 but both read 85,33: the effectiveness score decides.
    assert [r.entry_id for r in ranked] == ["A", "B"]
    assert ranked[0].tied_with == ("B",)
    assert ranked[1].tied_with == ("A",)


def test_explanation_for_tie_broken_by_criterion() -> None:
    ranked = rank(
        [
            entry("E2", 85.333334, effectiveness=35.0, title="Một cửa điện tử cấp xã"),
            entry("E1", 85.333333, effectiveness=36.0, title="Số hoá hồ sơ đất đai"),
        ],
        CHAIN,
    )
    top, second = ranked
    assert render(top.explanation, "vi") == (
        "Hạng 1, tổng điểm 85,33. Bằng điểm với «Một cửa điện tử cấp xã» về tổng điểm (85,33); "
        "xếp trên nhờ điểm tiêu chí Tính hiệu quả (36,00 so với 35,00)."
    )
    assert render(second.explanation, "vi") == (
        "Hạng 2, tổng điểm 85,33. Bằng điểm với «Số hoá hồ sơ đất đai» về tổng điểm (85,33); "
        "xếp dưới do điểm tiêu chí Tính hiệu quả thấp hơn (35,00 so với 36,00)."
    )
    assert render(top.explanation, "en") == (
        "Rank 1, total score 85.33. Tied with «Một cửa điện tử cấp xã» on total score (85.33); "
        "ranked above thanks to the Effectiveness criterion score (36.00 vs 35.00)."
    )


def test_explanation_mentions_every_equal_key_and_submission_time() -> None:
    ranked = rank([entry("B", 80.0, minutes=30), entry("A", 80.0, minutes=0)], CHAIN)
    assert ranked[0].entry_id == "A"
    assert render(ranked[0].explanation, "vi").endswith(
        "Bằng điểm với «B» về tổng điểm (80,00) và điểm tiêu chí Tính hiệu quả (30,00); "
        "xếp trên nhờ nộp sớm hơn (08:00:00 ngày 01/10/2026 so với 08:30:00 ngày 01/10/2026)."
    )


def test_entry_id_fallback_is_flagged_and_explained() -> None:
    ranked = rank([entry("B", 80.0), entry("A", 80.0)], CHAIN)
    assert [r.entry_id for r in ranked] == ["A", "B"]
    assert all(r.decided_only_by_id for r in ranked)
    assert "theo thứ tự mã bài dự thi (A trước B)" in render(ranked[0].explanation, "vi")
    assert "entry id order (A before B)" in render(ranked[1].explanation, "en")


def test_no_tie_explanation_is_short() -> None:
    ranked = rank([entry("A", 90.0), entry("B", 80.0)])
    assert render(ranked[0].explanation, "vi") == "Hạng 1, tổng điểm 90,00."
    assert ranked[1].tied_with == ()
    assert not ranked[1].decided_only_by_id


def test_median_key() -> None:
    ranked = rank(
        [entry("A", 80.0, judges=(70.0, 80.0, 90.0)), entry("B", 80.0, judges=(60.0, 85.0, 95.0))],
        ("median",),
    )
    assert [r.entry_id for r in ranked] == ["B", "A"]
    assert "trung vị điểm của giám khảo (85,00 so với 80,00)" in render(ranked[0].explanation, "vi")


def test_median_of_no_judges_is_zero() -> None:
    assert entry("A", 80.0, judges=()).median_total == 0.0
    assert entry("A", 80.0, judges=(1.0, 2.0, 3.0, 4.0)).median_total == 2.5


def test_tie_group_is_shared_not_copied() -> None:
    ranked = rank([entry(f"E{i}", 80.0) for i in range(50)])
    assert all(r.tie_group is ranked[0].tie_group for r in ranked)
    assert len(ranked[10].tied_with) == 49


def test_chain_normalisation() -> None:
    assert normalise_chain(()) == ("total",)
    assert normalise_chain(("median",)) == ("total", "median")
    assert normalise_chain(("total", "median")) == ("total", "median")


@pytest.mark.parametrize(
    "chain",
    [("median", "total"), ("median", "median"), ("speed",), ("criterion:",), "median"],
)
def test_invalid_chain(chain: tuple[str, ...]) -> None:
    with pytest.raises(RankingError):
        normalise_chain(chain)


def test_duplicate_ids_rejected() -> None:
    with refused(RankingError, "trùng"):
        rank([entry("A", 80.0), entry("A", 70.0)])


def test_missing_criterion_rejected() -> None:
    with refused(RankingError, "thiếu điểm tiêu chí"):
        rank([entry("A", 80.0), entry("B", 80.0, criteria={})], ("criterion:effectiveness",))


def test_naive_datetime_rejected() -> None:
    with refused(RankingError, "múi giờ"):
        EntryScores("A", "c", datetime(2026, 1, 1), (), {}, 80.0)


def test_custom_labels() -> None:
    ranked = rank(
        [entry("A", 80.0, criteria={"k": 2.0}), entry("B", 80.0, criteria={"k": 1.0})],
        ("criterion:k",),
        criterion_labels={"k": ("Tiêu chí K", "Criterion K")},
    )
    assert "điểm tiêu chí Tiêu chí K (2,00 so với 1,00)" in render(ranked[0].explanation, "vi")
    assert "the Criterion K criterion score" in render(ranked[0].explanation, "en")


def test_long_titles_are_shortened_in_explanations() -> None:
    ranked = rank([entry("A", 80.0, title="x" * 200), entry("B", 80.0)])
    assert "«" + "x" * 79 + "…»" in render(ranked[1].explanation, "vi")


@pytest.mark.parametrize("field", ["official_total", "judge_totals", "criterion_means"])
def test_non_finite_scores_rejected(field: str) -> None:
    nan = float("nan")
    values = {"official_total": nan, "judge_totals": (80.0, nan), "criterion_means": {"effectiveness": nan}}
    base = entry("A", 80.0)
    with refused(RankingError, "hữu hạn"):
        replace(base, **{field: values[field]})  # type: ignore[arg-type]
