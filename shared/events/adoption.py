"""adoption.plans: replication plans of initiatives and what each target unit reports.

Keyed by plan id, so one plan's events stay in order. Notifications can word reminders from
``ReportOverdue`` and tell units of ``PlanPublished``; the season report counts applications.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared import topics
from shared.envelope import EventPayload, register

Stage = Literal["planned", "piloting", "applied", "institutionalised", "stopped"]
ValueType = Literal["number", "percent", "days", "vnd", "count"]


class IndicatorSpec(BaseModel):
    model_config = ConfigDict(frozen=True)
    key: str
    name: str
    measure: str = Field(description="Unit of measure as shown, e.g. 'ngày/hồ sơ'.")
    value_type: ValueType
    baseline: float


class IndicatorValue(BaseModel):
    model_config = ConfigDict(frozen=True)
    indicator: str = Field(description="The indicator's key.")
    value: float
    on: date = Field(description="The day the value was measured.")


@register
class ReplicationPlanned(EventPayload):
    event_type: ClassVar[str] = "ReplicationPlanned"
    topic: ClassVar[str] = topics.ADOPTION.name
    key_field: ClassVar[str] = "plan_id"

    plan_id: str
    initiative_id: str = Field(description="The entry id of the initiative replicated.")
    contest_id: str
    title: str
    units: list[str]
    lead_unit: str
    due: date
    indicators: list[IndicatorSpec]
    by_account_id: str
    at: datetime


@register
class PlanPublished(EventPayload):
    """The target units now see the plan and are expected to answer."""

    event_type: ClassVar[str] = "PlanPublished"
    topic: ClassVar[str] = topics.ADOPTION.name
    key_field: ClassVar[str] = "plan_id"

    plan_id: str
    initiative_id: str
    title: str
    units: list[str]
    lead_unit: str
    due: date
    at: datetime


@register
class PlanWithdrawn(EventPayload):
    event_type: ClassVar[str] = "PlanWithdrawn"
    topic: ClassVar[str] = topics.ADOPTION.name
    key_field: ClassVar[str] = "plan_id"

    plan_id: str
    reason: str
    at: datetime


@register
class UnitAnswered(EventPayload):
    """A unit accepted the assignment, or declined it with a reason."""

    event_type: ClassVar[str] = "UnitAnswered"
    topic: ClassVar[str] = topics.ADOPTION.name
    key_field: ClassVar[str] = "plan_id"

    plan_id: str
    unit: str
    accepted: bool
    reason: str = ""
    by_account_id: str
    at: datetime


@register
class UnitReported(EventPayload):
    """One version of a unit's report: its stage and the indicator values it measured."""

    event_type: ClassVar[str] = "UnitReported"
    topic: ClassVar[str] = topics.ADOPTION.name
    key_field: ClassVar[str] = "plan_id"

    plan_id: str
    unit: str
    version: int
    stage: Stage
    previous_stage: Stage
    reason: str = ""
    values: list[IndicatorValue]
    by_account_id: str
    at: datetime


@register
class ReportOverdue(EventPayload):
    """A unit has not applied the initiative (nor declined or stopped) by the plan's date; once per unit."""

    event_type: ClassVar[str] = "ReportOverdue"
    topic: ClassVar[str] = topics.ADOPTION.name
    key_field: ClassVar[str] = "plan_id"

    plan_id: str
    unit: str
    title: str
    due: date
    stage: Stage
    at: datetime
