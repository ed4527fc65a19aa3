"""Scoring rubric: criteria, validation of a judge's scores, and the weighted total.

Pure rules, no I/O. Messages meant for judges and organisers are in Vietnamese because
they are shown as-is in the scoring form and the contest set-up screens.

Totals are kept at full float precision (summed with ``math.fsum`` so they do not depend on
the order of the criteria or judges); rounding to 2 decimals happens only for display,
through :func:`round_points` / :func:`format_points`, so ties and thresholds are decided on
the exact values.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from shared.coded import Code, CodedError

__all__ = [
    "Criterion",
    "Rubric",
    "RubricError",
    "default_rubric",
    "format_points",
    "round_points",
    "validate_scores",
    "weighted_total",
]


class RubricError(CodedError):
    """A rubric definition (or a score mapping given to it) is unusable; organisers read it,
    worded by the service (``services/judging/messages.py``), when they configure a contest."""


def _is_real(value: object) -> bool:
    """True for finite ints/floats; bools are rejected because ``True`` is not a score."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True, slots=True)
class Criterion:
    """One rubric line that judges score from 0 to ``max_points``.

    ``weight`` rescales the criterion's influence on the total without changing the scale
    judges type on; ``required=False`` marks an informational criterion that is scored
    (and averaged) but never counts toward the total.
    """

    key: str
    name: str
    description: str
    max_points: float
    weight: float = 1.0
    required: bool = True

    def __post_init__(self) -> None:
        if not self.key.strip():
            raise RubricError("criterion.no_key")
        if not self.name.strip():
            raise RubricError("criterion.no_name", key=self.key)
        if not _is_real(self.max_points) or self.max_points <= 0:
            raise RubricError("criterion.max_points", key=self.key)
        if not _is_real(self.weight) or self.weight < 0:
            raise RubricError("criterion.weight", key=self.key)


@dataclass(frozen=True, slots=True)
class Rubric:
    """A versioned, validated set of criteria.

    Validation happens at construction so that every ``Rubric`` in the system can compute a
    total: keys are unique, at least one criterion is required and the required criteria
    have a positive total weight (otherwise the weighted total would divide by zero).
    ``version`` lets stored scores say which rubric they were given against.
    """

    version: int
    criteria: tuple[Criterion, ...]
    _by_key: Mapping[str, Criterion] = field(init=False, repr=False, compare=False)
    _weights: tuple[tuple[int, float], ...] = field(init=False, repr=False, compare=False)
    _dense: tuple[float, ...] | None = field(init=False, repr=False, compare=False)
    _scale: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        criteria = tuple(self.criteria)
        object.__setattr__(self, "criteria", criteria)
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise RubricError("rubric.version")
        if not criteria:
            raise RubricError("rubric.empty")
        by_key: dict[str, Criterion] = {}
        for criterion in criteria:
            if criterion.key in by_key:
                raise RubricError("rubric.duplicate_key", key=criterion.key)
            by_key[criterion.key] = criterion
        required = [(i, c) for i, c in enumerate(criteria) if c.required]
        if not required:
            raise RubricError("rubric.no_required")
        weighted_max = math.fsum(c.weight * c.max_points for _, c in required)
        if weighted_max <= 0:
            raise RubricError("rubric.zero_weight")
        object.__setattr__(self, "_by_key", MappingProxyType(by_key))
        object.__setattr__(self, "_weights", tuple((i, c.weight) for i, c in required))
        # When every criterion counts, a score row with no blanks is one C-level pass.
        dense = tuple(c.weight for c in criteria) if len(required) == len(criteria) else None
        object.__setattr__(self, "_dense", dense)
        # sum(max_i) / sum(w_i * max_i): maps the weighted sum back onto the rubric's own scale,
        # and is exactly 1.0 when all weights are 1 (same fsum on both sides).
        object.__setattr__(self, "_scale", math.fsum(c.max_points for _, c in required) / weighted_max)

    @property
    def keys(self) -> tuple[str, ...]:
        """Criterion keys in rubric order (the order :meth:`total_of` expects)."""
        return tuple(c.key for c in self.criteria)

    @property
    def max_total(self) -> float:
        """The best possible total, i.e. the scale totals are expressed on (100 by default)."""
        return math.fsum(c.max_points for c in self.criteria if c.required)

    def criterion(self, key: str) -> Criterion | None:
        """The criterion with ``key``, or None if the rubric has no such criterion."""
        return self._by_key.get(key)

    def total_of(self, values: Sequence[float | None]) -> float:
        """Weighted total of scores given positionally in rubric order (fast path for bulk use).

        Missing (None) scores count as 0 so drafts can show a running total; informational
        criteria are ignored.
        """
        if len(values) != len(self.criteria):
            raise RubricError("rubric.width", expected=len(self.criteria), got=len(values))
        if self._dense is not None and None not in values:
            return math.fsum(map(operator.mul, values, self._dense)) * self._scale
        parts = [v * w for i, w in self._weights if (v := values[i]) is not None]
        return math.fsum(parts) * self._scale


def weighted_total(rubric: Rubric, scores: Mapping[str, float | None]) -> float:
    """Total on the rubric's scale: ``sum(w_i*s_i) * sum(max_i) / sum(w_i*max_i)``.

    With all weights equal to 1 this is the plain sum. Only required criteria count; a
    missing or None score counts as 0 (use :func:`validate_scores` with ``final=True`` before
    treating a total as official). Unknown keys raise, because they signal a rubric mismatch.
    """
    unknown = [key for key in scores if rubric.criterion(key) is None]
    if unknown:
        raise RubricError("rubric.unknown_criteria", keys=", ".join(sorted(unknown)))
    return rubric.total_of([scores.get(c.key) for c in rubric.criteria])


def validate_scores(rubric: Rubric, scores: Mapping[str, float | None], final: bool) -> dict[str, Code]:
    """Field -> what is wrong with it (a code) for a judge's score form; empty dict means valid.

    Drafts (``final=False``) may leave criteria blank so judges can save their work; a final
    submission must score every required criterion. Informational criteria may always be
    left blank.
    """
    errors: dict[str, Code] = {}
    for key, value in scores.items():
        criterion = rubric.criterion(key)
        if criterion is None:
            errors[key] = Code.of("score.unknown")
        elif value is None:
            continue
        elif not _is_real(value):
            errors[key] = Code.of("score.not_a_number")
        elif not 0 <= value <= criterion.max_points:
            errors[key] = Code.of("score.range", max=format_points(criterion.max_points))
    if final:
        for criterion in rubric.criteria:
            if criterion.required and scores.get(criterion.key) is None:
                errors[criterion.key] = Code.of("score.required", name=criterion.name)
    return errors


def round_points(value: float, decimals: int = 2) -> float:
    """Round half-up on the decimal value people see (2.675 -> 2.68), for display only.

    ``round()`` would give 2.67 because of binary representation and banker's rounding,
    which looks wrong on a published result sheet.
    """
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def format_points(value: float, decimals: int = 2) -> str:
    """Vietnamese display of points: decimal comma, no trailing zeros (30 -> "30", 7.5 -> "7,5")."""
    text = f"{round_points(value, decimals):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.replace(".", ",")


def default_rubric(version: int = 1) -> Rubric:
    """The typical 100-point rubric of an administrative-reform initiative contest."""
    return Rubric(
        version=version,
        criteria=(
            Criterion(
                key="novelty",
                name="Tính mới, tính sáng tạo",
                description=(
                    "Giải pháp chưa từng được áp dụng tại cơ quan, đơn vị hoặc cải tiến rõ rệt so với "
                    "cách làm hiện có; thể hiện ý tưởng, cách tiếp cận mới."
                ),
                max_points=30,
            ),
            Criterion(
                key="effectiveness",
                name="Tính hiệu quả",
                description=(
                    "Lợi ích đo lường được khi áp dụng vào thực tế: rút ngắn thời gian, giảm chi phí, "
                    "giảm thủ tục, nâng cao sự hài lòng của người dân và doanh nghiệp."
                ),
                max_points=40,
            ),
            Criterion(
                key="applicability",
                name="Khả năng áp dụng, nhân rộng",
                description=(
                    "Có thể triển khai tại cơ quan, đơn vị, địa phương khác với điều kiện và nguồn lực "
                    "hợp lý; phạm vi ảnh hưởng rộng."
                ),
                max_points=20,
            ),
            Criterion(
                key="presentation",
                name="Hình thức trình bày",
                description=(
                    "Hồ sơ trình bày rõ ràng, mạch lạc, đúng thể thức; số liệu và minh chứng đầy đủ, đáng tin cậy."
                ),
                max_points=10,
            ),
        ),
    )
