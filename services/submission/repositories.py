"""What submission's use cases ask of storage, one protocol per aggregate, in the use cases' terms.

``mongo_repositories`` implements them on the service's collections (``store.SubmissionStore``:
operators, projections, the outbox inside the written document, FerretDB's notes),
``memory_repositories`` in memory for use-case tests that run without servers.

A contest changes by compare-and-set on ``revision``, an entry by compare-and-set on ``rev``
(the participant's own edits) or on its ``status`` (screening, judging's and awards' statuses):
each such write answers whether it matched and, when it did, queued its events in the same
write, so a document and what the other services hear of it never disagree. A creation that
collides with a stored ``_id`` or unique ``code`` answers ``False`` and stores nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from shared.envelope import Envelope
from shared.mongo import Doc

#: What entries are counted by on the organisers' summary.
Tally = Literal["status", "category", "unit"]


class ContestRepository(Protocol):
    """Contests: the organisers' set-up (``revision``), rounds judging closed, the announcement."""

    async def get(self, contest_id: str) -> Doc | None: ...

    async def listing(self, *, include_drafts: bool) -> list[Doc]:
        """Every contest (drafts only if asked), latest opening first."""

    async def code_taken(self, code: str) -> bool: ...

    async def create(self, contest: Doc, events: Sequence[Envelope]) -> bool:
        """Insert with its events; ``False`` (nothing stored) if its id or code is taken."""

    async def save(self, revision: int, after: Doc, events: Sequence[Envelope]) -> bool:
        """Compare-and-set on ``revision``: store ``after`` (whole, but its ``_id``) with ``events``."""

    async def mark_announced(self, contest_id: str) -> None: ...

    async def announced_among(self, ids: Collection[str]) -> list[str]:
        """Those of ``ids`` whose result is announced."""

    async def close_round(self, contest_id: str, round_no: int) -> None:
        """Note that judging closed the round (a repeat changes nothing)."""

    async def reopen_round(self, contest_id: str, round_no: int) -> None: ...

    async def opened_by(self, at: datetime) -> list[str]:
        """Ids of the contests that opened at or before ``at``."""

    async def names(self, ids: Collection[str] | None = None) -> dict[str, str]:
        """Id -> name of the given contests (``None``: all)."""


class EntryRepository(Protocol):
    """Initiatives with their versions, history, screening and statuses from the others. What is
    read never carries the outbox; the participant's lists never carry the versions."""

    async def get(self, entry_id: str) -> Doc | None: ...

    async def own(self, entry_id: str, owner_id: str) -> Doc | None:
        """The entry if ``owner_id`` owns it."""

    async def exists(self, entry_id: str) -> bool: ...

    async def of_owner(self, owner_id: str) -> list[Doc]:
        """The participant's entries without versions, newest first."""

    async def past_submission(self, entry_id: str) -> Doc | None:
        """The entry, without versions, unless it is a draft (what screening may show)."""

    async def for_judge_file(self, entry_id: str) -> Doc | None:
        """``{status, in_judging, versions}``: what serving a file to a judge checks."""

    async def lists_file(self, entry_id: str, file_id: str) -> bool:
        """Whether the entry ever listed the file (``file_ids``)."""

    async def any_screened(self, contest_id: str) -> bool:
        """Whether an entry of the contest was screened (any status past submitted but withdrawn)."""

    async def tally(self, contest_id: str, by: Tally, *, excluding: Collection[str]) -> dict[str, int]:
        """Entries of the contest not in the ``excluding`` statuses, counted by ``by``."""

    async def submitted_in(self, contest_ids: Collection[str], statuses: Collection[str]) -> list[Doc]:
        """The contests' entries in ``statuses``, without versions and history."""

    async def create(self, entry: Doc, events: Sequence[Envelope]) -> bool:
        """Insert with its events; ``False`` (nothing stored) if its id or receipt code is taken."""

    async def save_text(self, entry: Doc, fields: Doc, fields_hash: str, versions: list[Doc], at: datetime) -> bool:
        """Compare-and-set on ``entry["rev"]``: the new text and versions (``rev`` moves on)."""

    async def save_attachments(self, entry: Doc, attachments: list[Doc], versions: list[Doc], at: datetime, *,
                               add_file: str | None = None) -> bool:
        """Compare-and-set on ``entry["rev"]``: the file list and versions; ``add_file`` joins
        the files the entry ever listed."""

    async def change_status(self, entry: Doc, status: str, at: datetime, fields: Doc,
                            events: Sequence[Envelope]) -> bool:
        """Compare-and-set on ``entry["rev"]``: the participant's own move (submit, withdraw),
        with ``fields``, a history line and ``events``."""

    async def status_of(self, entry_id: str) -> str | None: ...

    async def move_status(self, entry_id: str, before: str, status: str, at: datetime, fields: Doc) -> bool:
        """Compare-and-set on the status ``before``: another service's move, with ``fields``
        and a history line."""

    async def screen(self, entry_id: str, before: str, fields: Doc, history: Doc, events: Sequence[Envelope]) -> bool:
        """Compare-and-set on the status ``before``: the organisers' decision (``fields``, the
        ``history`` line, ``events``); a pending review request is closed by it."""

    async def request_review(self, entry_id: str, request: Doc, at: datetime) -> bool:
        """Set the request if the entry is ineligible and none is pending."""

    async def add_stored_bytes(self, entry_id: str, amount: int) -> None: ...


class FileRepository(Protocol):
    """Uploaded files (metadata and bytes, one document each) and their copies without metadata
    as judges get them."""

    async def add(self, file: Doc) -> bool:
        """Store a new file; ``False`` if its id is taken."""

    async def get(self, file_id: str) -> Doc | None: ...

    async def of_entry(self, file_id: str, entry_id: str) -> Doc | None:
        """The file if it belongs to the entry."""

    async def sizes(self, ids: Collection[str], entry_id: str) -> dict[str, int]:
        """Id -> size of those of ``ids`` that belong to the entry."""

    async def delete(self, ids: Collection[str]) -> None:
        """The files and their copies for judges."""

    async def created_before(self, at: datetime) -> list[tuple[str, str]]:
        """``(file id, entry id)`` of the files stored before ``at``."""

    async def blind(self, file_id: str) -> Doc | None:
        """The copy without metadata, if made."""

    async def keep_blind(self, copy: Doc) -> None:
        """Store the copy unless one is stored (concurrent downloads make the same one)."""


class CounterRepository(Protocol):
    """Named counters: receipt-code sequences and quotas' use."""

    async def next_seq(self, name: str) -> int:
        """The next number of a sequence: unique and increasing, not gap-free."""

    async def add(self, name: str, amount: int) -> int:
        """Add to a counter and return its new value (one atomic step)."""

    async def value(self, name: str) -> int:
        """A counter's value (0 if never written)."""

    async def set_many(self, values: Mapping[str, int]) -> None:
        """Write counters kept elsewhere (``quotas.EntryQuota``) in one command."""


class FingerprintRepository(Protocol):
    """Copy-detection fingerprints by ``<entry id>:<text hash>``, inserted, never updated."""

    async def add(self, docs: Sequence[Doc]) -> None:
        """Store those not stored (the same key holds the same value)."""

    async def many(self, ids: Collection[str]) -> list[Doc]: ...


class JudgingCopyRepository(Protocol):
    """What submission keeps of judging's events: each entry's reviewers per round, each closed
    round's standing, the feedback released to authors."""

    async def set_reviewers(self, entry_id: str, round_no: int, judge_ids: list[str]) -> None: ...

    async def reviewers(self, entry_id: str) -> dict[str, list[str]]:
        """Round number (as text) -> the entry's judges."""

    async def keep_standing(self, standing: Doc) -> None:
        """Store a round's standing (``_id`` ``<contest>:<round>``), replacing a repeat."""

    async def drop_standing(self, contest_id: str, round_no: int) -> None: ...

    async def standings(self, contest_ids: Collection[str]) -> list[Doc]: ...

    async def keep_feedback(self, feedback: Doc) -> None:
        """Store the judges' feedback to an entry's author (``_id``: the entry id), replacing a repeat."""

    async def feedback_of(self, entry_ids: Collection[str]) -> dict[str, Doc]:
        """Entry id -> its feedback, for those of ``entry_ids`` that have one."""


class AdoptionCopyRepository(Protocol):
    """Submission's copy of adoption's replication plans (``_id``: the plan id), for authors."""

    async def plan(self, plan_id: str) -> Doc | None: ...

    async def keep_plan(self, plan: Doc) -> None:
        """Store the plan's copy as folded (``domain.adoption``), replacing the previous one."""

    async def plans_of(self, entry_ids: Collection[str]) -> list[Doc]:
        """The plans of any of these initiatives (entry ids), whatever their state."""


@dataclass(frozen=True)
class SubmissionRepositories:
    """Everything submission stores, one repository per aggregate."""

    contests: ContestRepository
    entries: EntryRepository
    files: FileRepository
    counters: CounterRepository
    fingerprints: FingerprintRepository
    judging: JudgingCopyRepository
    adoption: AdoptionCopyRepository
