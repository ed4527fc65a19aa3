"""judging.results: keyed by contest so a round's results and its closing stay in order."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared import topics
from shared.envelope import EventPayload, register


class _Judging(EventPayload):
    topic: ClassVar[str] = topics.JUDGING.name
    key_field: ClassVar[str] = "contest_id"

    contest_id: str


class CriterionDef(BaseModel):
    model_config = ConfigDict(frozen=True)
    key: str
    name: str
    max_points: float
    weight: float
    required: bool


class JudgeSheet(BaseModel):
    """One judge's submitted scores; the judge is a pseudonym (G1, G2...) outside judging."""

    model_config = ConfigDict(frozen=True)
    judge: str
    scores: dict[str, float]
    total: float


@register
class EntryReviewStarted(_Judging):
    event_type: ClassVar[str] = "EntryReviewStarted"
    entry_id: str
    round_no: int
    judges: int


@register
class ReviewersChanged(_Judging):
    """Who reviews an entry in a round now (on assignment, rebalancing, recusal): submission lets
    exactly these judges download the entry's files."""

    event_type: ClassVar[str] = "ReviewersChanged"
    entry_id: str
    round_no: int
    judge_ids: list[str]


@register
class EntryRoundScored(_Judging):
    """All judges of a round have submitted: the entry's round result."""

    event_type: ClassVar[str] = "EntryRoundScored"
    entry_id: str
    round_no: int
    final_round: bool
    rubric_version: int
    criteria: list[CriterionDef]
    sheets: list[JudgeSheet]
    mean_total: float
    trimmed_mean: float | None
    official_total: float
    criterion_means: dict[str, float]
    disagreement: bool
    # Added with issue 4 (optional, so older readers and events still fit).
    spread: float = Field(default=0.0, description="Highest minus lowest judge total.")


@register
class RoundReopened(_Judging):
    """An organiser reopened a round closed by mistake (with the reason): its results may change
    again; if it was the final round, judging is open again and any approval no longer stands."""

    event_type: ClassVar[str] = "RoundReopened"
    round_no: int
    final_round: bool
    reason: str
    by: str


@register
class RoundClosed(_Judging):
    event_type: ClassVar[str] = "RoundClosed"
    round_no: int
    final_round: bool
    scored_entries: list[str]
    advancing: list[str]
    # Added with issue 4 (optional, so older readers and events still fit).
    standardised: bool = Field(default=False, description="Totals below are z-score standardised (contest setting).")
    totals: dict[str, float] = Field(
        default_factory=dict, description="Entry id -> the total that counts for this round (raw or standardised)."
    )
    # Added with issue 16 (optional): the rule that chose ``advancing``, so participants read why.
    advance_top_n: int | None = Field(default=None, description="The best N went on (with ties at the cut).")
    advance_min_total: float | None = Field(default=None, description="Only totals at least this went on.")


@register
class JudgingClosed(_Judging):
    """The last round closed: ``entries`` lists every entry whose final result counts."""

    event_type: ClassVar[str] = "JudgingClosed"
    round_no: int
    rubric_version: int
    entries: list[str]
    standardised: bool
    # Added with issue 4 (optional, so older readers and events still fit).
    standardised_totals: dict[str, float] = Field(
        default_factory=dict,
        description=(
            "Entry id -> the final round's total after per-judge z-score standardisation. When "
            "``standardised`` is true this, not EntryRoundScored.official_total, is what ranks."
        ),
    )


class RoundSetup(BaseModel):
    round_no: int
    judges_per_entry: int
    released: bool
    closed: bool
    final: bool
    deadline: datetime | None = Field(default=None, description="When judges should have submitted their sheets.")


@register
class JudgingSetupChanged(_Judging):
    """Judging's whole set-up of a contest after any change to it (rubric, rounds, panel,
    release, close, reopen, deadline). A snapshot, so a reader keeps the newest by ``as_of``
    and a lost or repeated one is healed by the next; awards builds the organisers'
    set-up checklist from it."""

    event_type: ClassVar[str] = "JudgingSetupChanged"
    as_of: datetime
    rubric_version: int
    criteria: int
    max_total: float
    panel_chosen: bool = Field(description="False: every active judge is on the panel.")
    panel_size: int = Field(description="Judges who may be assigned now.")
    rounds: list[RoundSetup]


class JudgeReminder(BaseModel):
    """One judge to remind: sheets still to submit in the round, of how many."""

    model_config = ConfigDict(frozen=True)
    judge_id: str
    pending: int
    total: int


@register
class JudgesReminded(_Judging):
    """Judges of a round are reminded of their unsubmitted sheets: automatically some days
    before the round's deadline (once per round, deadline and lead time), or by an organiser
    (``manual``, with their ``message``). Only judges with work listed; notifications mails them."""

    event_type: ClassVar[str] = "JudgesReminded"
    round_no: int
    deadline: datetime | None = Field(description="The round's judging deadline, if set.")
    reminders: list[JudgeReminder]
    manual: bool = Field(description="True: an organiser pressed 'Nhắc'; false: the scheduled reminder.")
    message: str = Field(default="", description="The organiser's own words (manual only); empty: the standard text.")


class CriterionFeedback(BaseModel):
    model_config = ConfigDict(frozen=True)
    key: str
    name: str
    max_points: float
    mean: float | None = Field(description="The judges' mean score on this criterion; None if nobody scored it.")


class FeedbackComment(BaseModel):
    """A judge's comment as the author reads it: the words only, never who wrote them."""

    model_config = ConfigDict(frozen=True)
    criterion: str | None = Field(description="The criterion's key; None for an overall comment.")
    text: str


@register
class FeedbackReleased(_Judging):
    """After the announcement, when the organisers chose to publish feedback: an entry's
    per-criterion means and its judges' comments, anonymised (no judge ids or names, order
    shuffled deterministically), from the last round the entry was scored in."""

    event_type: ClassVar[str] = "FeedbackReleased"
    entry_id: str
    round_no: int
    criteria: list[CriterionFeedback]
    comments: list[FeedbackComment]
