"""What adoption's API answers and accepts (``services.adoption.api``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from shared.events.adoption import Stage, ValueType
from shared.schemas import In, Number, Out

Name = Annotated[str, Field(min_length=1, max_length=200)]


class IndicatorIn(In):
    key: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$", description="Short code, e.g. 'days'.")
    name: Name
    measure: str = Field(default="", max_length=60, description="Unit of measure as shown, e.g. 'ngày/hồ sơ'.")
    value_type: ValueType
    baseline: Number = Field(description="The value before the initiative (per unit for sums).")


class PlanEditIn(In):
    """A draft's terms, replaced whole (the initiative stays)."""

    units: list[Name] = Field(min_length=1, max_length=500, description="Target units (names in the directory).")
    lead_unit: Name
    due: date = Field(strict=False, description="When the units should apply it (ISO date).")
    indicators: list[IndicatorIn] = Field(min_length=1, max_length=20)


class PlanIn(PlanEditIn):
    initiative_id: str = Field(min_length=1, max_length=64)


class WithdrawIn(In):
    reason: str = Field(min_length=1, max_length=1000)


class AnswerIn(In):
    accept: bool
    reason: str = Field(default="", max_length=1000, description="Required when declining.")


class ValueIn(In):
    indicator: str = Field(min_length=1, max_length=40)
    value: Number
    on: date = Field(strict=False, description="The day it was measured (ISO date); never after today.")


class ReportIn(In):
    stage: Stage
    reason: str = Field(default="", max_length=1000, description="Required going back, stopping or restarting.")
    values: list[ValueIn] = Field(default_factory=list, max_length=20)


class IndicatorOut(Out):
    key: str
    name: str
    measure: str
    value_type: ValueType
    baseline: float


class Progress(Out):
    units: int
    accepted: int
    declined: int
    applied: int
    overdue: int


class PlanOut(Out):
    id: str = Field(alias="_id")
    initiative_id: str
    title: str
    units: list[str]
    lead_unit: str
    due: date
    indicators: list[IndicatorOut]
    status: Literal["draft", "published", "withdrawn"]
    reason: str = ""
    created_at: datetime
    revision: int = Field(default=1, description="Raised by each edit of the draft.")


class PlanSummary(PlanOut):
    progress: Progress


class ValueOut(Out):
    indicator: str
    value: float
    on: date
    version: int


class EvidenceOut(Out):
    """A file kept as evidence of a unit's report (its bytes at ``/adoption/api/evidence/{id}``)."""

    id: str
    filename: str
    type: str
    size: int
    at: datetime


class AssignmentOut(Out):
    id: str = Field(alias="_id")
    plan_id: str
    unit: str
    answer: Literal["assigned", "accepted", "declined"]
    stage: Stage
    reason: str
    version: int
    values: list[ValueOut]
    evidence: list[EvidenceOut] = Field(default_factory=list)
    overdue: bool = False


class MyAssignment(AssignmentOut):
    plan: PlanOut


class TotalOut(Out):
    indicator: str
    name: str
    measure: str
    units: int
    value: float | None
    baseline: float | None
    change: float | None
    change_pct: float | None


class PlanDetail(Out):
    plan: PlanOut
    assignments: list[AssignmentOut]
    totals: list[TotalOut]


class InitiativeOut(Out):
    id: str = Field(alias="_id")
    title: str
    unit: str = ""
    contest_id: str = ""
    winner: bool = False
    tier_name: str | None = None
    rank: int | None = None


class UnitRow(Out):
    unit: str
    assigned: int
    applied: int
    declined: int
    overdue: int


class InitiativeRow(Out):
    title: str
    tier_name: str | None = None
    units: int
    applied: int
    declined: int


class PlanTotals(Out):
    plan_id: str
    title: str
    totals: list[TotalOut]


class DashboardOut(Out):
    initiatives: list[InitiativeRow]
    units: list[UnitRow]
    overdue: int = Field(description="Units past a published plan's date that neither apply it nor declined.")
    measured: list[PlanTotals] = Field(description="Each published plan's measured totals against its baseline.")
