"""What judging's use cases ask of storage, one protocol per aggregate, in the use cases' terms.

Two implementations: ``mongo_repositories`` (the service's MongoDB/FerretDB collections, with
every operator, projection and FerretDB workaround) and ``memory_repositories`` (plain
dictionaries, for use-case tests that run in process without servers). Documents are plain
dicts shaped as stored, so the API and pages read them as before.

A write that causes events takes them as ``events``: the implementation writes them together
with the change (the Mongo one inside the changed document, ``shared.outbox``), and a
compare-and-set answers whether it matched, so nothing is published for a write that lost.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.envelope import Envelope
from shared.mongo import Doc


def fresh_sheet() -> Doc:
    """The sheet of a judge just given an entry (a new review, or a move to new judges)."""
    return {"status": "assigned", "scores": {}, "comments": {}, "overall": ""}


class JudgeRepository(Protocol):
    """Judges as identity announced them (``_id``: account id; name, unit, fields, active)."""

    async def save(self, judge_id: str, *, full_name: str, unit: str, categories: list[str], active: bool) -> None:
        """Create or update a judge."""

    async def deactivate(self, judge_id: str) -> None:
        """Mark a known judge inactive (an account that is no longer a judge); unknown ids are ignored."""

    async def active(self, ids: Collection[str] | None = None) -> list[Doc]:
        """Active judges (only those among ``ids`` if given), by id."""

    async def active_by_name(self) -> list[Doc]:
        """Every active judge, by full name."""

    async def names(self, ids: Collection[str] | None = None) -> dict[str, Doc]:
        """Id -> ``{full_name, unit}`` of the judges among ``ids`` (of every judge if ``None``)."""


class ContestRepository(Protocol):
    """Contests as submission announced them, with judging's set-up (rubric, rounds, panel,
    deadlines) and status."""

    async def get(self, contest_id: str) -> Doc | None: ...

    async def many(self, ids: Collection[str]) -> dict[str, Doc]:
        """Id -> ``{name, round_deadlines}`` (what a judge's queue shows)."""

    async def listing(self) -> list[Doc]:
        """Every contest's ``{name, closes_at}``, latest closing first."""

    async def revision(self, contest_id: str) -> int | None:
        """The stored snapshot's revision (0 if it has none); ``None`` for an unknown contest."""

    async def save_snapshot(self, contest_id: str, fields: Doc, *, on_insert: Doc) -> None:
        """Set submission's ``fields``; a new contest also gets ``on_insert``."""

    async def replace_rubric(self, contest_id: str, rubric: Doc, *, previous: Doc) -> bool:
        """Compare-and-set: replace ``previous`` (kept in ``rubric_history``) by ``rubric``,
        only while the set-up is not frozen and the stored rubric is still ``previous``."""

    async def set_rules(self, contest_id: str, setup: Doc) -> bool:
        """The rounds' rules, only while the set-up is not frozen."""

    async def set_panel(self, contest_id: str, panel: list[str] | None) -> None:
        """The chosen judges (``None``: every active judge)."""

    async def set_deadline(self, contest_id: str, round_no: int, deadline: datetime | None) -> None: ...

    async def set_reminder_days(self, contest_id: str, round_no: int, days: int) -> None:
        """How many days before the round's deadline its judges are reminded (0: never)."""

    async def set_feedback(self, contest_id: str, publish: bool) -> bool:
        """Whether authors get the judges' feedback after the announcement; only while the
        set-up is not frozen (judges must know it when they score)."""

    async def with_deadlines(self) -> list[Doc]:
        """``{round_deadlines, round_reminders}`` of every contest not announced that has a
        round deadline (what the reminder schedule looks at)."""

    async def freeze_for_scoring(self, contest_id: str) -> None:
        """A round was released: the set-up no longer changes, judges score."""

    async def set_judging_status(self, contest_id: str, status: str) -> None: ...

    async def mark_announced(self, contest_id: str) -> None: ...

    async def setup_published(self, contest_id: str, at: datetime, events: Sequence[Envelope]) -> None:
        """Record when the set-up was last told, writing ``events`` with it."""

    async def unannounced_ids(self) -> list[str]: ...


class EntryRepository(Protocol):
    """Blind copies of eligible entries (no authors), and whether each was withdrawn."""

    async def insert_new(self, docs: Sequence[Doc]) -> set[str]:
        """Insert the entries; returns the ids already stored (nothing is written for those)."""

    async def update_known(self, entry_id: str, fields: Doc) -> bool:
        """Update a stored entry's ``fields`` (never its withdrawn flag); returns that flag."""

    async def mark_withdrawn(self, entry_id: str, contest_id: str) -> None:
        """Withdrawn from judging, even before it was stored."""

    async def eligible(self, contest_id: str, ids: Collection[str] | None = None) -> list[Doc]:
        """The contest's entries not withdrawn (only ``ids`` if given), without texts or files."""

    async def refs(self, ids: Collection[str]) -> dict[str, Doc]:
        """Id -> ``{conflict_unit, category}``: what assignment rules need."""

    async def briefs(self, ids: Collection[str]) -> dict[str, Doc]:
        """Id -> ``{code, title, category}``: what lists show."""

    async def blind(self, entry_id: str) -> Doc | None:
        """The entry as its judges read it (without ``conflict_unit``)."""


class RoundRepository(Protocol):
    """Rounds of a contest (``_id``: ``contest:round``): rule size, seed, released, closed, who advanced."""

    async def get(self, contest_id: str, round_no: int) -> Doc | None: ...

    async def of_contest(self, contest_id: str) -> list[Doc]:
        """The contest's rounds, by number."""

    async def release(self, contest_id: str, round_no: int, fields: Doc) -> Doc:
        """Mark a round released with ``fields`` (unless it already is); returns it as stored."""

    async def close(self, contest_id: str, round_no: int, *, at: datetime, advancing: list[str],
                    totals: dict[str, float], events: Sequence[Envelope]) -> bool:
        """Compare-and-set on an open round: close it with its outcome and ``events``."""

    async def plan_next(self, contest_id: str, round_no: int, fields: Doc) -> None:
        """Create the next round (not released) unless it exists."""

    async def reopen(self, contest_id: str, round_no: int, history: Doc, events: Sequence[Envelope]) -> bool:
        """Compare-and-set on a closed round: open it again, its outcome cleared, ``history``
        appended, with ``events``."""

    async def discard_unreleased(self, contest_id: str, round_no: int) -> None:
        """Forget a round planned but not released."""

    async def latest_released(self, contests: int) -> list[tuple[str, int]]:
        """``(contest_id, round_no)`` of the latest released round of the ``contests`` contests
        whose rounds were released last, newest first."""


class ReviewRepository(Protocol):
    """One entry in one round (``_id``: ``contest:round:entry``): its judges, declarations,
    sheets, audit trail and result. Every change of who judges or what they scored is a
    compare-and-set on ``rev`` that answers whether it matched."""

    async def insert_new(self, reviews: Sequence[tuple[Doc, Sequence[Envelope]]]) -> set[str]:
        """Create reviews with their events; those whose id exists are skipped (returned)."""

    async def get(self, review_id: str) -> Doc | None: ...

    async def for_judge(self, review_id: str, judge_id: str) -> Doc | None:
        """The review if ``judge_id`` is one of its judges."""

    async def of_judge(self, judge_id: str) -> list[Doc]:
        """The judge's reviews not withdrawn, without audit trails."""

    async def moves_of(self, judge_id: str) -> list[Doc]:
        """Reviews of open rounds whose audit trail adds or removes the judge: ``{entry_id,
        audit, judge_ids}``."""

    async def open_rounds_of(self, judge_id: str) -> set[tuple[str, int]]:
        """``(contest_id, round_no)`` where the judge has a review neither closed nor withdrawn."""

    async def has_work(self, contest_id: str, judge_id: str) -> bool: ...

    async def assignments(self, contest_id: str, round_no: int) -> list[Doc]:
        """Every review of the round: ``{entry_id, judge_ids, withdrawn}``."""

    async def open_in_round(self, contest_id: str, round_no: int) -> list[Doc]:
        """The round's reviews neither closed nor withdrawn."""

    async def in_round(self, contest_id: str, round_no: int) -> list[Doc]:
        """The round's reviews not withdrawn, without audit trails."""

    async def results(self, contest_id: str, round_no: int) -> list[Doc]:
        """``{entry_id, result}`` of the round's reviews not withdrawn."""

    async def scored_in_contest(self, contest_id: str) -> list[Doc]:
        """``{entry_id, round_no, sheets, result}`` of the contest's reviews not withdrawn that
        have a result, every round."""

    async def ids_in_round(self, contest_id: str, round_no: int, *, closed: bool) -> list[str]:
        """The round's reviews that are (or are not) closed."""

    async def of_entry(self, entry_id: str) -> list[str]:
        """The entry's reviews not withdrawn."""

    async def audits(self, contest_id: str, entry_id: str | None = None) -> list[Doc]:
        """``{entry_id, round_no, audit}`` of the contest's reviews (of one entry if given)."""

    async def declare(self, review_id: str, judge_id: str, at: datetime) -> None:
        """Record the judge's no-conflict declaration, once."""

    async def move_judges(self, review: Doc, judge_ids: list[str], audit: Doc, events: Sequence[Envelope], *,
                          exclude: str | None = None, drop_result: bool = False) -> bool:
        """Compare-and-set on ``review["rev"]`` of an open review: its judges become
        ``judge_ids`` (stayers keep their sheets, newcomers get a fresh one, leavers' go),
        ``audit`` is appended, ``exclude`` barred from the entry, the result dropped if asked."""

    async def save_sheet(self, review: Doc, judge_id: str, sheet: Doc, audit: Doc, result: Doc | None,
                         events: Sequence[Envelope]) -> bool:
        """Compare-and-set on ``review["rev"]`` of an open review: the judge's sheet, its audit
        row and, with the last sheet, the round result."""

    async def set_pins(self, review: Doc, pinned: list[str], audit: Doc) -> bool:
        """Compare-and-set on ``review["rev"]``: the judges kept on the entry."""

    async def withdraw(self, review_id: str, reason: str) -> None:
        """The entry left judging (any compare-and-set in flight then fails)."""

    async def close(self, review_id: str, at: datetime) -> None: ...

    async def reopen(self, review_id: str, audit: Doc) -> None: ...


class ReminderRepository(Protocol):
    """Reminders to judges: organisers' (shown on the judge's queue) and the schedule's firings."""

    async def add(self, reminder: Doc, events: Sequence[Envelope]) -> Doc | None:
        """Record an organiser's reminder with its ``events``; if one with its ``_id`` exists
        already (a retried request), nothing is written and that one is returned."""

    async def fire(self, firing: Doc, events: Sequence[Envelope]) -> bool:
        """Record a scheduled reminder under its deterministic ``_id`` with its ``events``, in
        one write; False (nothing written, nothing queued) if that reminder was fired already."""

    async def latest_for(self, judge_id: str, limit: int) -> list[Doc]:
        """The judge's newest reminders (without ids)."""

    async def counts(self, contest_id: str) -> dict[str, int]:
        """Judge id -> reminders sent in the contest."""


class FeedbackRepository(Protocol):
    """Feedback released to authors, one document per contest and entry."""

    async def release(self, items: Sequence[tuple[Doc, Sequence[Envelope]]]) -> set[str]:
        """Write each feedback with its events; those whose ``_id`` exists are skipped (returned),
        so a repeated announcement releases nothing twice."""


@dataclass(frozen=True)
class JudgingRepositories:
    """Everything judging stores, one repository per aggregate."""

    judges: JudgeRepository
    contests: ContestRepository
    entries: EntryRepository
    rounds: RoundRepository
    reviews: ReviewRepository
    reminders: ReminderRepository
    feedback: FeedbackRepository
