"""What judging's API answers (``services.judging.api``): one model per kind of answer.

Documents read from the store keep keys not declared here (``shared.schemas.Out``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from shared.schemas import Number, Out

# ---------------------------------------------------------------- judges


class QueueItem(Out):
    review_id: str
    entry_id: str
    round_no: int
    contest_id: str
    contest_name: str
    deadline: datetime | None = Field(description="When the round's judges should have submitted, if set.")
    title: str
    code: str
    category: str
    status: str = Field(description="assigned, draft or submitted")
    declared: bool = Field(description="Whether the judge declared no conflict of interest.")
    closed: bool
    overdue: bool


class Reminder(Out):
    """An organiser's reminder to a judge (the latest five are shown on the judge's queue); it
    is also e-mailed to the judge."""

    contest_id: str
    judge_id: str
    by: str = Field(description="The organiser's account id.")
    message: str
    at: datetime
    round_no: int | None = Field(default=None, description="The judge's round it is about.")
    pending: int | None = Field(default=None, description="Sheets the judge had still to submit in that round.")


class Criterion(Out):
    key: str
    name: str
    description: str = ""
    max_points: Number
    weight: Number = 1.0
    required: bool = True


class Rubric(Out):
    version: int
    criteria: list[Criterion]


class Sheet(Out):
    status: str = Field(description="assigned, draft or submitted")
    scores: dict[str, Number] = Field(default_factory=dict)
    comments: dict[str, str] = Field(default_factory=dict)
    overall: str = ""
    updated_at: datetime | None = None
    submitted_at: datetime | None = None


class BlindEntry(Out):
    """The entry as a judge sees it: no authors, no unit."""

    code: str | None
    title: str | None
    category: str | None
    sections: Any = Field(description="The initiative's text, section by section.")
    attachments: Any = Field(description="Its files, each with a signed, expiring download link.")


class ReviewOut(Out):
    review_id: str
    entry: BlindEntry
    rubric: Rubric
    sheet: Sheet
    round_no: int
    closed: bool
    comments_to_authors: bool = Field(description="The contest publishes feedback: after the announcement the "
                                                  "author reads this sheet's comments, never the judge's name.")


class Declared(Out):
    review_id: str
    declared: bool


class Recused(Out):
    review_id: str
    recused: bool


# ---------------------------------------------------------------- organisers: set-up


class RoundRule(Out):
    judges_per_entry: int
    advance_top_n: int | None = None
    advance_min_total: Number | None = None


class SetupOut(Out):
    contest_id: str
    rubric: Rubric
    rubric_history: list[Any]
    max_total: Number
    frozen: bool
    rounds: list[RoundRule]
    standardised: bool
    disagreement_threshold: Number
    panel: list[str] | None = Field(description="The judges on the contest's panel; null: every active judge.")
    publish_feedback: bool = Field(description="Authors read per-criterion scores and anonymised comments after "
                                               "the announcement.")


class FeedbackChoice(Out):
    contest_id: str
    publish: bool


class RoundsOut(Out):
    rounds: list[RoundRule]
    standardised: bool
    disagreement_threshold: Number


class JudgeChoice(Out):
    judge_id: str
    name: str
    unit: str
    categories: list[str]
    on_panel: bool


class PanelOut(Out):
    contest_id: str
    judge_ids: list[str]


# ---------------------------------------------------------------- organisers: rounds


class PlannedJudge(Out):
    judge_id: str
    name: str
    unit: str


class PlannedEntry(Out):
    entry_id: str
    code: str
    title: str
    category: str
    judges: list[PlannedJudge]


class PreviewOut(Out):
    contest_id: str
    round_no: int
    k: int = Field(description="Judges per entry.")
    seed: int
    entries: list[PlannedEntry]


class Released(Out):
    contest_id: str
    round_no: int
    k: int
    seed: int
    released: bool


class Closed(Out):
    contest_id: str
    round_no: int
    closed: bool
    scored: list[str] = Field(description="The entries with a result in this round.")
    advancing: list[str] = Field(description="The entries that go on to the next round.")


class Reopened(Out):
    contest_id: str
    round_no: int
    closed: bool
    reason: str


class DeadlineOut(Out):
    contest_id: str
    round_no: int
    deadline: datetime | None
    remind_days_before: int = Field(description="Days before the deadline judges are reminded (0: never).")


class Voided(Out):
    review_id: str
    removed: str
    added: list[str]


class Pinned(Out):
    review_id: str
    pinned: list[str]


class RoundOut(Out):
    round_no: int | None = None
    k: int | None = None
    seed: int | None = None
    released: bool | None = None
    closed: bool | None = None
    final: bool | None = None
    advancing: list[str] | None = None
    entry_ids: list[str] | None = None


# ---------------------------------------------------------------- organisers: watching


class JudgeProgress(Out):
    name: str
    unit: str
    assigned: int
    draft: int
    submitted: int
    reminders: int


class EntryProgress(Out):
    entry_id: str
    review_id: str
    code: str
    title: str
    judges: int
    submitted: int
    official_total: Number | None
    disagreement: bool


class ProgressOut(Out):
    round_no: int | None
    entries: int
    scored: int
    judges: dict[str, JudgeProgress] = Field(description="By judge id.")
    items: list[EntryProgress] = Field(description="The page of entries asked for (offset, limit), by code.")
    items_total: int
    as_of: datetime | None = Field(description="When the figures were read.")
    fresh: bool = Field(description="False: newer figures are being computed.")


class PanelStats(Out):
    mean: Number
    stdev: Number


class JudgeCalibration(Out):
    judge_id: str
    name: str
    mean: Number
    stdev: Number
    count: int
    bias: Number


class CalibratedEntry(Out):
    entry_id: str
    code: str
    title: str
    raw: Number
    raw_rank: int
    z: Number
    z_rank: int
    moved: int


class CalibrationOut(Out):
    round_no: int
    standardised: bool
    panel: PanelStats | None
    judges: list[JudgeCalibration]
    ranking: list[CalibratedEntry]
    as_of: datetime | None = None
    fresh: bool = True


class AuditRow(Out):
    """One score change, recusal, declaration or reassignment (more keys by its kind)."""

    entry_id: str
    code: str
    round_no: int
    kind: str | None = None
    at: datetime
    by: str | None = None
    by_name: str | None = None
