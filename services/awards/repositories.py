"""What awards' use cases ask of storage, one protocol per aggregate, in the use cases' terms.

``mongo_repositories`` implements them on the service's collections (operators, projections,
compression of stored results), ``memory_repositories`` in memory for use-case tests. The
contest is the aggregate organisers change (prizes, overrides, approval, announcement): each
change is a compare-and-set on ``rev`` that answers whether it matched, refused once the result
is announced; the announcement writes ``ResultsAnnounced`` with the flag in one write.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.envelope import Envelope
from shared.mongo import Doc


class ContestRepository(Protocol):
    """Contests as submission announced them, with judging's closing, the prize structure,
    overrides, approval, audit trail and announcement."""

    async def get(self, contest_id: str) -> Doc | None: ...

    async def revision(self, contest_id: str) -> int | None:
        """The stored snapshot's revision (0 if none); ``None`` for an unknown contest."""

    async def save_snapshot(self, contest_id: str, fields: Doc, *, on_insert: Doc) -> None:
        """Set submission's ``fields``; a new contest also gets ``on_insert``."""

    async def is_announced(self, contest_id: str) -> bool: ...

    async def judging_closed(self, contest_id: str, fields: Doc, *, on_insert: Doc) -> None:
        """Judging closed: its final round and list (``fields``); a contest not known yet is
        created with ``on_insert``."""

    async def judging_reopened(self, contest_id: str, audit: Doc) -> None:
        """The final round opened again: judging is open, an approval no longer stands,
        ``audit`` appended (and ``rev`` moves on, so an organiser's change in flight fails)."""

    async def keep_setup(self, contest_id: str, snapshot: Doc, *, on_insert: Doc) -> None:
        """Judging's set-up ``snapshot`` unless a newer one (by ``as_of``) is stored."""

    async def revise(self, contest: Doc, fields: Doc, audit: Doc, *, drop_approval: bool) -> bool:
        """Compare-and-set on ``contest["rev"]`` while not announced: set ``fields``, append
        ``audit``, withdraw the approval if asked."""

    async def announce(self, contest_id: str, result_hash: str, at: datetime, audit: Doc,
                       events: Sequence[Envelope]) -> bool:
        """Compare-and-set: announce the result approved as ``result_hash`` (not announced yet),
        with ``events``."""

    async def listing(self, *, named_only: bool = False) -> list[Doc]:
        """``{name, closes_at}`` of every contest (only those whose snapshot arrived, if
        ``named_only``), latest closing first."""

    async def announced(self) -> list[Doc]:
        """``{name, code, issuing_body, announced_at}`` of announced contests, newest first."""


class EntryRepository(Protocol):
    """Awards' copy of each entry: authors and unit (from submission), round results (from
    judging), late scores, whether it was excluded by a later screening decision."""

    async def save_authors(self, entry_id: str, fields: Doc) -> None: ...

    async def record_score(self, entry_id: str, contest_id: str, round_no: int, record: Doc) -> None:
        """The round's result, replacing an earlier one of the same round."""

    async def record_late_score(self, entry_id: str, round_no: int, record: Doc) -> None:
        """A result that arrived after the announcement: kept apart, never applied."""

    async def status_at(self, entry_id: str) -> datetime | None:
        """When the stored screening decision was made (``None``: none stored)."""

    async def set_excluded(self, entry_id: str, contest_id: str, excluded: bool, at: datetime) -> None: ...

    async def scored(self, contest_id: str) -> list[Doc]:
        """The contest's entries with at least one round result."""

    async def any_scored(self, contest_id: str) -> Doc | None:
        """One entry of the contest with a round result (its criteria name the rubric)."""

    async def many(self, ids: Collection[str]) -> dict[str, Doc]:
        """Id -> the whole entry."""

    async def public(self, ids: Collection[str]) -> dict[str, Doc]:
        """Id -> the entry without its scores."""

    async def public_one(self, entry_id: str) -> Doc | None: ...

    async def owned_by(self, account_id: str) -> list[Doc]:
        """The participant's entries, without their scores."""

    async def late(self, contest_id: str) -> list[Doc]:
        """``{code, title, late_scores}`` of the contest's entries with late scores."""


class StatusRepository(Protocol):
    """Insert-only facts of entries' statuses (``_id``: the event's id)."""

    async def add(self, facts: Sequence[Doc]) -> None:
        """Store the facts; one already stored (a redelivery) is skipped."""

    async def of_contest(self, contest_id: str) -> list[Doc]:
        """``{entry_id, status, unit, category, author_group, at}`` of the contest's facts."""


class AdoptionRepository(Protocol):
    """Insert-only facts of the adoption service's plans, answers and reports (``_id``: the
    event's id), for the season report."""

    async def add(self, fact: Doc) -> None:
        """Store the fact; one already stored (a redelivery) is skipped."""

    async def of_initiatives(self, entry_ids: Collection[str]) -> list[Doc]:
        """Every fact of the plans that published one of ``entry_ids``."""


class ResultRepository(Protocol):
    """Official results, content-addressed by contest and result hash: canonical inputs and
    result bytes, never overwritten."""

    async def keep(self, contest_id: str, result_hash: str, *, inputs_sha256: str, inputs: bytes, result: bytes,
                   at: datetime) -> None:
        """Store unless stored (concurrent approvals cannot overwrite each other)."""

    async def get(self, contest_id: str, result_hash: str) -> tuple[bytes, bytes] | None:
        """``(result, inputs)`` as stored."""


@dataclass(frozen=True)
class AwardsRepositories:
    """Everything awards stores, one repository per aggregate."""

    contests: ContestRepository
    entries: EntryRepository
    statuses: StatusRepository
    results: ResultRepository
    adoption: AdoptionRepository
