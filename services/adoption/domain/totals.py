"""Measured benefits across units: each unit's latest value of each indicator, combined.

Only a unit's latest value counts (by the day it was measured, then by report version: a
correction reported later for the same day wins). Sums for amounts and counts, means for
percentages and durations (``indicators.AVERAGED``); the baseline is combined the same way
over the units that reported, so the change compares like with like.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from services.adoption.domain.indicators import AVERAGED, Indicator
from shared.units import unit_key


@dataclass(frozen=True)
class Reported:
    unit: str
    indicator: str
    value: float
    on: date
    version: int


@dataclass(frozen=True)
class Total:
    indicator: Indicator
    units: int  # units that reported a value
    value: float | None  # None: nobody reported yet
    baseline: float | None
    change: float | None
    change_pct: float | None  # of the baseline; None when the baseline is 0


def latest(values: Iterable[Reported]) -> dict[tuple[str, str], Reported]:
    """(unit key, indicator key) -> the value that counts."""
    out: dict[tuple[str, str], Reported] = {}
    for v in values:
        k = (unit_key(v.unit), v.indicator)
        if k not in out or (v.on, v.version) > (out[k].on, out[k].version):
            out[k] = v
    return out


def totals(indicators: Sequence[Indicator], values: Iterable[Reported]) -> list[Total]:
    last = latest(values)
    out: list[Total] = []
    for ind in indicators:
        mine = [v.value for (_, key), v in last.items() if key == ind.key]
        if not mine:
            out.append(Total(ind, 0, None, None, None, None))
            continue
        n = len(mine)
        value = sum(mine) / n if ind.value_type in AVERAGED else sum(mine)
        base = ind.baseline if ind.value_type in AVERAGED else ind.baseline * n
        change = value - base
        out.append(Total(ind, n, value, base, change, change / base * 100 if base else None))
    return out
