"""Benefit indicators of a replication plan and the values units report for them.

A value's type decides what it may hold (a percentage is 0-100, days, counts and amounts in VND
are never negative, counts and VND are whole) and how units' values add up across the province:
amounts and counts are summed, percentages and durations are averaged (ten units each taking 3
days per dossier do not take 30 days).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from shared.coded import Code, CodedError

ValueType = Literal["number", "percent", "days", "vnd", "count"]
VALUE_TYPES: tuple[ValueType, ...] = get_args(ValueType)
#: How values of a type combine across units.
AVERAGED: frozenset[ValueType] = frozenset({"percent", "days"})
WHOLE: frozenset[ValueType] = frozenset({"count", "vnd"})
MAX_VALUE = 10**15  # a province's yearly budget in VND is far below this
MAX_INDICATORS = 20


class IndicatorError(CodedError):
    """A plan's indicator or a reported value breaks a rule."""


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    measure: str  # the unit of measure as shown ("ngày/hồ sơ", "hồ sơ/tháng", "VNĐ/năm", "%")
    value_type: ValueType
    baseline: float

    def __post_init__(self) -> None:
        if not self.key.strip() or not self.name.strip():
            raise IndicatorError("indicator.no_name")
        if self.value_type not in VALUE_TYPES:
            raise IndicatorError("indicator.type", value_type=self.value_type)
        problem = value_problem(self.value_type, self.baseline)
        if problem is not None:
            raise IndicatorError("indicator.baseline", name=self.name, problem=problem.code)


def value_problem(value_type: ValueType, value: object) -> Code | None:
    """What is wrong with ``value`` as a value of ``value_type`` (``None``: nothing)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Code.of("value.not_number")
    if not math.isfinite(value) or abs(value) > MAX_VALUE:
        return Code.of("value.out_of_range", low=-MAX_VALUE, high=MAX_VALUE)
    if value_type in WHOLE and value != int(value):
        return Code.of("value.not_whole")
    if value_type == "percent" and not 0 <= value <= 100:
        return Code.of("value.out_of_range", low=0, high=100)
    if value_type in ("days", "count", "vnd") and value < 0:
        return Code.of("value.negative")
    return None


def check_value(indicator: Indicator, value: object, on: date, today: date) -> Code | None:
    """A reported value: of the indicator's type and measured on a day that has come."""
    if on > today:
        return Code.of("value.future_date", on=on.isoformat())
    return value_problem(indicator.value_type, value)


def check_indicators(indicators: list[Indicator]) -> None:
    if not 1 <= len(indicators) <= MAX_INDICATORS:
        raise IndicatorError("indicator.count", most=MAX_INDICATORS)
    keys = [i.key for i in indicators]
    if len(set(keys)) != len(keys):
        raise IndicatorError("indicator.duplicate", keys=", ".join(sorted({k for k in keys if keys.count(k) > 1})))
