"""A replication plan: which units apply an initiative, by when, who supports them, and what
they measure. Organisers draft it, publish it (the units then see it) and may withdraw it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from services.adoption.domain.indicators import Indicator, check_indicators
from services.adoption.domain.stages import IN_USE, Answer, Stage
from shared.coded import CodedError
from shared.units import clean_unit, unit_key

PlanStatus = Literal["draft", "published", "withdrawn"]
MAX_UNITS = 500


class PlanError(CodedError):
    """A plan or a change of its status the rules refuse."""


def target_units(units: Sequence[str]) -> list[str]:
    """The units named, cleaned, each once (two spellings of one unit are one unit), in order."""
    seen: set[str] = set()
    out: list[str] = []
    for u in units:
        name = clean_unit(u)
        if name and unit_key(name) not in seen:
            seen.add(unit_key(name))
            out.append(name)
    if not out:
        raise PlanError("plan.no_units")
    if len(out) > MAX_UNITS:
        raise PlanError("plan.too_many_units", most=MAX_UNITS)
    return out


def check_plan(units: Sequence[str], lead_unit: str, due: date, indicators: list[Indicator],
               today: date) -> list[str]:
    """Check a new plan; returns its target units as kept."""
    kept = target_units(units)
    if not clean_unit(lead_unit):
        raise PlanError("plan.no_lead")
    if due <= today:
        raise PlanError("plan.due_past", due=due.isoformat())
    check_indicators(indicators)
    return kept


def edit(status: PlanStatus) -> None:
    """Only a draft is edited: once published the units have seen it and started on it (a change
    of course is a withdrawal and a new plan), and a withdrawn plan is closed."""
    if status == "withdrawn":
        raise PlanError("plan.withdrawn")
    if status != "draft":
        raise PlanError("plan.published_no_edit")


def publish(status: PlanStatus) -> PlanStatus:
    if status != "draft":
        raise PlanError("plan.not_draft", status=status)
    return "published"


def withdraw(status: PlanStatus, reason: str) -> PlanStatus:
    if status == "withdrawn":
        raise PlanError("plan.withdrawn")
    if not reason.strip():
        raise PlanError("plan.reason_needed")
    return "withdrawn"


def is_overdue(status: PlanStatus, due: date, today: date, answered: Answer, stage: Stage) -> bool:
    """A published plan past its date whose unit neither applies it nor said why not."""
    return (status == "published" and today > due and answered != "declined"
            and stage not in IN_USE and stage != "stopped")
