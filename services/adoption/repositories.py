"""What adoption's use cases ask of storage, one protocol per aggregate.

Two implementations: ``mongo_repositories`` (MongoDB/FerretDB) and ``memory_repositories``
(dictionaries, for use-case tests in process). Documents are plain dicts shaped as stored. A
write that causes events takes them as ``events`` and writes them with the change (the Mongo
one inside the changed document, ``shared.outbox``); a compare-and-set answers whether it
matched, so nothing is published for a write that lost.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from shared.envelope import Envelope
from shared.mongo import Doc


class InitiativeRepository(Protocol):
    """Initiatives as submission and awards announced them (``_id``: entry id): title, summary,
    unit, authors' names, and the prize if it won one."""

    async def save(self, entry_id: str, fields: Doc) -> None:
        """Create or update an initiative with ``fields``."""

    async def get(self, entry_id: str) -> Doc | None: ...

    async def listing(self) -> list[Doc]:
        """Every initiative without its summary."""


class PlanRepository(Protocol):
    """Replication plans (``_id``: plan id) with their status (draft, published, withdrawn)."""

    async def insert(self, doc: Doc, events: Sequence[Envelope]) -> None: ...

    async def get(self, plan_id: str) -> Doc | None: ...

    async def listing(self) -> list[Doc]:
        """Every plan, newest first."""

    async def change_status(self, plan_id: str, expected: str, fields: Doc, events: Sequence[Envelope]) -> bool:
        """Compare-and-set on ``status``: set ``fields`` (which hold the new status) with ``events``."""

    async def edit_draft(self, plan_id: str, revision: int, fields: Doc, entry: Doc,
                         events: Sequence[Envelope]) -> bool:
        """Compare-and-set on a draft's ``revision`` (0: a plan stored before revisions, without the
        field): set ``fields`` (which hold the next revision), append ``entry`` to ``history``."""


class AssignmentRepository(Protocol):
    """One target unit of one plan (``_id``: ``plan:n``): its answer, stage, latest values and
    every version of its reports (``history``, never rewritten), with ``rev`` for compare-and-set."""

    async def insert_new(self, docs: Sequence[Doc]) -> set[str]:
        """Insert the assignments; returns the ids already stored (nothing written for those)."""

    async def get(self, assignment_id: str) -> Doc | None: ...

    async def of_plans(self, plan_ids: Collection[str] | None = None) -> list[Doc]:
        """The assignments of these plans (of every plan if ``None``), without ``history``."""

    async def of_unit(self, unit_key: str) -> list[Doc]:
        """A unit's assignments, without ``history``."""

    async def record(self, assignment_id: str, rev: int, fields: Doc, entry: Doc,
                     events: Sequence[Envelope]) -> bool:
        """Compare-and-set on ``rev``: set ``fields``, append ``entry`` to ``history``, bump ``rev``."""

    async def mark_overdue(self, assignment_id: str, events: Sequence[Envelope]) -> bool:
        """Flag the assignment overdue once (``False`` if it already was)."""


class EvidenceRepository(Protocol):
    """Evidence files (``_id``: file id) with their bytes (``data``); the assignment lists them
    (``evidence``), so a file the assignment does not list was never part of a report."""

    async def add(self, doc: Doc) -> None: ...

    async def get(self, file_id: str) -> Doc | None:
        """The file with its bytes."""

    async def remove(self, file_id: str) -> None:
        """Forget a file whose listing lost a race (no report ever named it)."""


@dataclass(frozen=True)
class AdoptionRepositories:
    initiatives: InitiativeRepository
    plans: PlanRepository
    assignments: AssignmentRepository
    evidence: EvidenceRepository
