"""What submission's API answers (``services.submission.api``): contests, a participant's
entries, files and the organisers' screening.

A contest is answered as stored (its keys only: ``response_model_exclude_unset``); an entry
through the views in ``api.py``, which always name every field declared here."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from services.submission.files import CONTENT_TYPES
from shared.schemas import Out


class Category(Out):
    key: str
    name: str


class ExtensionOut(Out):
    from_: datetime = Field(alias="from", description="The deadline before the extension.")
    to: datetime
    reason: str
    at: datetime


class ContestOut(Out):
    contest_id: str
    id_: str = Field(alias="_id", description="The same as contest_id.")
    code: str
    name: str
    issuing_body: str
    description: str = ""
    rules_text: str = ""
    categories: list[Category]
    eligible_groups: list[str] = Field(default_factory=list)
    opens_at: datetime
    closes_at: datetime
    max_coauthors: int
    allowed_types: list[str]
    max_file_mb: int
    max_files: int
    max_entries_per_participant: int | None = None
    status: str = Field(description="draft, open or closed")
    revision: int = Field(description="Send it back as expected_revision when editing (compare-and-set).")
    extensions: list[ExtensionOut] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Counts(Out):
    status: dict[str, int] = Field(description="Entries by status (drafts left out).")
    category: dict[str, int] = Field(description="Entries by category (drafts and withdrawn left out).")
    unit: dict[str, int] | None = Field(default=None, description="By author unit: organisers only.")


class AttachmentOut(Out):
    file_id: str
    filename: str
    content_type: str
    size: int = Field(description="Bytes.")


class VersionOut(Out):
    number: int
    saved_at: datetime


class ScreeningDecision(Out):
    eligible: bool | None = None
    reason: str | None = None
    at: datetime | None = None


class EntryOut(Out):
    """An entry as its participant sees it."""

    entry_id: str
    contest_id: str
    code: str = Field(description="The receipt code.")
    status: str = Field(description="draft, submitted, withdrawn, eligible, ineligible, ...")
    fields: dict[str, Any] = Field(description="The initiative form's fields.")
    attachments: list[AttachmentOut]
    submitted_at: datetime | None
    updated_at: datetime | None
    versions: list[VersionOut]
    review_request: dict[str, Any] | None = Field(description="The participant's request to look again, if any.")
    screening: ScreeningDecision | None
    result: Any = Field(description="The judging result, once known.")
    outcome: Any = Field(description="The prize, once announced.")


class CriterionFeedback(Out):
    key: str
    name: str
    max_points: float
    mean: float | None = Field(description="The judges' mean score on the criterion.")


class JudgeComment(Out):
    criterion: str | None = Field(description="The criterion's key; null for an overall comment.")
    text: str = Field(description="A judge's words; never who wrote them.")


class Feedback(Out):
    """The judges' feedback to the author, released after the announcement if the contest publishes it."""

    round_no: int = Field(description="The last round the entry was scored in.")
    criteria: list[CriterionFeedback]
    comments: list[JudgeComment]


class MeasuredValue(Out):
    indicator: str = Field(description="The indicator's key in the plan.")
    name: str
    measure: str = Field(description="Unit of measure as shown, e.g. 'ngày/hồ sơ'.")
    value_type: Literal["number", "percent", "days", "vnd", "count"]
    baseline: float
    value: float = Field(description="The unit's latest value (by the day measured, then the report's version).")
    on: str = Field(description="The day it was measured (ISO date).")


class UnitAdoption(Out):
    unit: str
    answer: Literal["assigned", "accepted", "declined"] = Field(description="assigned: not answered yet.")
    reason: str = Field(description="Why the unit declined; empty otherwise.")
    stage: Literal["planned", "piloting", "applied", "institutionalised", "stopped"] | None = Field(
        description="Where an accepting unit is; null until it accepts (and for a declining unit).")
    stage_reason: str = Field(description="Why the unit stopped; empty otherwise.")
    values: list[MeasuredValue]


class AdoptionPlan(Out):
    """A published replication plan of the entry (withdrawn ones and drafts are never shown)."""

    plan_id: str
    title: str
    lead_unit: str = Field(description="The unit that supports the others.")
    due: str = Field(description="The day the units should apply it by (ISO date).")
    units: list[UnitAdoption]
    accepted: int
    declined: int
    in_use: int = Field(description="Units where the initiative is applied or institutionalised.")


class MyEntry(EntryOut):
    """An entry as its owner reads it in "Sáng kiến của tôi"."""

    feedback: Feedback | None = Field(description="Only the entry's owner ever reads it.")
    adoption: list[AdoptionPlan] = Field(default_factory=list, description=(
        "Where the initiative is being applied: its published replication plans, only to its owner."))


class ScreeningRow(EntryOut):
    """An entry as the organisers screen it."""

    author: str | None
    similar: list[Any] = Field(description="Entries whose text resembles this one.")


class ScreeningEntry(ScreeningRow):
    author_email: str | None


class Sentence(Out):
    a: str
    b: str
    same: bool


class ComparedSection(Out):
    key: str
    rows: list[Sentence]


class ComparedSide(Out):
    entry_id: str
    code: str
    title: str
    contest_id: str
    contest_name: str
    status: str
    unit: str


class Comparison(Out):
    a: ComparedSide
    b: ComparedSide
    sections: list[ComparedSection]


PAGE_HEADERS = {
    "X-Total-Count": {"description": "How many rows there are in all.", "schema": {"type": "integer"}},
    "X-Data-As-Of": {"description": "When the list was read (ISO 8601).", "schema": {"type": "string"}},
}

#: A stored file: its bytes with the type it was accepted as.
FILE_RESPONSE: dict[int | str, dict[str, Any]] = {200: {
    "description": "The file.",
    "headers": {"Content-Disposition": {"description": "attachment; filename=...", "schema": {"type": "string"}}},
    "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in CONTENT_TYPES.values()}}}
