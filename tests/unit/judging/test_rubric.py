"""Rubric definition, score validation messages and the weighted total."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.judging.domain.rubric import (
    Criterion,
    Rubric,
    RubricError,
    default_rubric,
    format_points,
    round_points,
    validate_scores,
    weighted_total,
)
from services.judging.messages import text, texts
from shared.coded import Code
from shared.web.i18n import service_catalog

CATALOG = service_catalog(Path(__file__).resolve().parents[3] / "services" / "judging")


def vi(issues: Mapping[str, Code]) -> dict[str, str]:
    """The score form's messages as a Vietnamese reader sees them."""
    return {k: CATALOG.word(v, "vi") for k, v in texts(issues).items()}


def crit(key: str, max_points: float, weight: float = 1.0, required: bool = True) -> Criterion:
    return Criterion(key, f"Tiêu chí {key}", "mô tả", max_points, weight, required)


def test_default_rubric_is_the_typical_100_point_rubric() -> None:
    rubric = default_rubric()
    assert rubric.version == 1
    assert rubric.keys == ("novelty", "effectiveness", "applicability", "presentation")
    assert [c.max_points for c in rubric.criteria] == [30, 40, 20, 10]
    assert rubric.max_total == 100
    assert [c.name for c in rubric.criteria] == [
        "Tính mới, tính sáng tạo",
        "Tính hiệu quả",
        "Khả năng áp dụng, nhân rộng",
        "Hình thức trình bày",
    ]
    assert all(c.description and c.weight == 1.0 and c.required for c in rubric.criteria)
    assert rubric.criterion("effectiveness") is rubric.criteria[1]
    assert rubric.criterion("nope") is None


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda: crit(" ", 10), "Mã tiêu chí"),
        (lambda: Criterion("a", "", "d", 10), "chưa có tên"),
        (lambda: crit("a", 0), "số dương"),
        (lambda: crit("a", -5), "số dương"),
        (lambda: crit("a", math.nan), "số dương"),
        (lambda: crit("a", math.inf), "số dương"),
        (lambda: crit("a", 10, weight=-1), "không âm"),
        (lambda: Rubric(1, ()), "ít nhất một tiêu chí"),
        (lambda: Rubric(0, (crit("a", 10),)), "Phiên bản"),
        (lambda: Rubric(1, (crit("a", 10), crit("a", 5))), "bị trùng: 'a'"),
        (lambda: Rubric(1, (crit("a", 10, required=False),)), "bắt buộc"),
        (lambda: Rubric(1, (crit("a", 10, weight=0), crit("b", 5, required=False))), "trọng số"),
    ],
)
def test_invalid_rubrics_raise_rubric_error_with_a_message(build: object, fragment: str) -> None:
    with pytest.raises(RubricError) as info:
        build()  # type: ignore[operator]
    assert re.search(fragment, CATALOG.word(text(info.value), "vi"))
    assert issubclass(RubricError, ValueError)


def test_zero_weight_is_allowed_when_another_required_criterion_counts() -> None:
    rubric = Rubric(2, (crit("a", 10, weight=0), crit("b", 10)))
    # sum(w*s) = 0*10 + 1*4 = 4; scale = (10+10)/(0*10+1*10) = 2 -> 8
    assert weighted_total(rubric, {"a": 10, "b": 4}) == 8


def test_validate_scores_accepts_a_complete_valid_form() -> None:
    scores = {"novelty": 30, "effectiveness": 0, "applicability": 12.5, "presentation": 10}
    assert vi(validate_scores(default_rubric(), scores, final=True)) == {}


def test_validate_scores_messages_are_vietnamese_and_per_field() -> None:
    rubric = default_rubric()
    errors = vi(validate_scores(
        rubric,
        {"novelty": 31, "effectiveness": -0.5, "applicability": math.nan, "creativity": 5},
        final=True,
    ))
    assert errors == {
        "novelty": "Điểm phải từ 0 đến 30",
        "effectiveness": "Điểm phải từ 0 đến 40",
        "applicability": "Điểm phải là một số",
        "creativity": "Tiêu chí không có trong thang điểm",
        "presentation": "Chưa chấm điểm tiêu chí bắt buộc “Hình thức trình bày”",
    }


def test_missing_required_scores_only_block_a_final_submission() -> None:
    rubric = default_rubric()
    draft = {"novelty": 20, "effectiveness": None}
    assert vi(validate_scores(rubric, draft, final=False)) == {}
    assert vi(validate_scores(rubric, draft, final=True)) == {
        "effectiveness": "Chưa chấm điểm tiêu chí bắt buộc “Tính hiệu quả”",
        "applicability": "Chưa chấm điểm tiêu chí bắt buộc “Khả năng áp dụng, nhân rộng”",
        "presentation": "Chưa chấm điểm tiêu chí bắt buộc “Hình thức trình bày”",
    }


def test_non_numbers_are_rejected_and_fractional_maxima_use_a_decimal_comma() -> None:
    rubric = Rubric(1, (crit("a", 7.5), crit("note", 5, required=False)))
    assert vi(validate_scores(rubric, {"a": True}, final=False)) == {"a": "Điểm phải là một số"}
    assert vi(validate_scores(rubric, {"a": "7"}, final=False)) == {"a": "Điểm phải là một số"}  # type: ignore[dict-item]
    assert vi(validate_scores(rubric, {"a": 7.6}, final=False)) == {"a": "Điểm phải từ 0 đến 7,5"}
    # the informational criterion may stay blank even in a final submission
    assert vi(validate_scores(rubric, {"a": 7.5}, final=True)) == {}
    assert vi(validate_scores(rubric, {"a": 1, "note": 6}, final=True)) == {"note": "Điểm phải từ 0 đến 5"}


def test_weighted_total_with_all_weights_one_is_the_plain_sum() -> None:
    # 25 + 32 + 15 + 8 = 80
    scores = {"novelty": 25, "effectiveness": 32, "applicability": 15, "presentation": 8}
    assert weighted_total(default_rubric(), scores) == 80


def test_weighted_total_normalises_weights_back_to_the_rubric_scale() -> None:
    rubric = Rubric(1, (crit("a", 10, weight=2), crit("b", 10, weight=1)))
    # sum(w*s) = 2*5 + 1*10 = 20; sum(max) = 20; sum(w*max) = 2*10 + 1*10 = 30
    # total = 20 * 20 / 30 = 40/3 = 13.333...
    assert weighted_total(rubric, {"a": 5, "b": 10}) == pytest.approx(40 / 3, rel=1e-12)
    # full marks stay full marks: 30 * 20 / 30 = 20
    assert weighted_total(rubric, {"a": 10, "b": 10}) == pytest.approx(20, rel=1e-12)
    # the heavier criterion matters more: a=10, b=5 -> (20 + 5) * 20/30 = 16.67 > 13.33
    assert weighted_total(rubric, {"a": 10, "b": 5}) == pytest.approx(50 / 3, rel=1e-12)


def test_informational_criteria_never_count_toward_the_total() -> None:
    rubric = Rubric(1, (crit("a", 30), crit("b", 70, weight=3), crit("note", 10, weight=5, required=False)))
    # required only: sum(w*s) = 1*20 + 3*35 = 125; sum(max) = 100; sum(w*max) = 30 + 210 = 240
    # total = 125 * 100 / 240 = 52.0833...
    expected = 125 * 100 / 240
    assert weighted_total(rubric, {"a": 20, "b": 35, "note": 10}) == pytest.approx(expected, rel=1e-12)
    assert weighted_total(rubric, {"a": 20, "b": 35}) == weighted_total(rubric, {"a": 20, "b": 35, "note": 0})
    assert rubric.max_total == 100


def test_missing_scores_count_as_zero_and_unknown_keys_raise() -> None:
    rubric = default_rubric()
    assert weighted_total(rubric, {"novelty": 10, "effectiveness": None}) == 10
    with pytest.raises(RubricError, match="creativity"):
        weighted_total(rubric, {"creativity": 5})


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False), min_size=1, max_size=8))
def test_unit_weights_give_exactly_the_fsum_of_the_scores(values: list[float]) -> None:
    rubric = Rubric(1, tuple(crit(f"c{i}", 100) for i in range(len(values))))
    scores = {f"c{i}": v for i, v in enumerate(values)}
    assert weighted_total(rubric, scores) == math.fsum(values)
    assert rubric.total_of(values) == weighted_total(rubric, scores)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_weighted_total_stays_within_zero_and_the_maximum(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 6))
    maxima = data.draw(st.lists(st.integers(1, 50), min_size=n, max_size=n))
    weights = data.draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0]), min_size=n, max_size=n))
    rubric = Rubric(1, tuple(crit(f"c{i}", m, w) for i, (m, w) in enumerate(zip(maxima, weights, strict=True))))
    scores = {f"c{i}": data.draw(st.floats(0, m)) for i, m in enumerate(maxima)}
    total = weighted_total(rubric, scores)
    assert 0 <= total <= rubric.max_total * (1 + 1e-12)


def test_rounding_and_formatting_are_for_display_only() -> None:
    assert round_points(2.675) == 2.68  # round() would give 2.67
    assert round_points(85.33333333) == 85.33
    assert round_points(72.005) == 72.01
    assert format_points(30.0) == "30"
    assert format_points(7.5) == "7,5"
    assert format_points(85.3333) == "85,33"
    assert format_points(0.004) == "0"
    assert format_points(-0.001) == "0"
