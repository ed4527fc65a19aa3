"""Adoption's repositories in memory: the same protocols (``repositories``) over dictionaries,
for use-case tests that run in process without Kafka or a database.

Faithful where the use cases rely on it: documents are copied in and out, ``_id``s are unique,
a compare-and-set that misses writes nothing and queues no event, reads leave out what the
Mongo projections leave out and sort as they sort. Events go to a ``MemoryOutbox`` in the same
step as the change.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence

from services.adoption.repositories import AdoptionRepositories
from shared.envelope import Envelope
from shared.memory_outbox import MemoryOutbox
from shared.mongo import Doc


def _without(doc: Doc, *fields: str) -> Doc:
    return {k: copy.deepcopy(v) for k, v in doc.items() if k not in fields}


class MemoryInitiatives:
    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}

    async def save(self, entry_id: str, fields: Doc) -> None:
        self.docs.setdefault(entry_id, {"_id": entry_id}).update(copy.deepcopy(fields))

    async def get(self, entry_id: str) -> Doc | None:
        doc = self.docs.get(entry_id)
        return copy.deepcopy(doc) if doc is not None else None

    async def listing(self) -> list[Doc]:
        return [_without(d, "summary") for d in self.docs.values()]


class MemoryPlans:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.docs: dict[str, Doc] = {}
        self._outbox = outbox

    async def insert(self, doc: Doc, events: Sequence[Envelope]) -> None:
        if doc["_id"] in self.docs:
            raise KeyError(f"duplicate plan id {doc['_id']}")
        self.docs[doc["_id"]] = copy.deepcopy(doc)
        self._outbox.add(events)

    async def get(self, plan_id: str) -> Doc | None:
        doc = self.docs.get(plan_id)
        return copy.deepcopy(doc) if doc is not None else None

    async def listing(self) -> list[Doc]:
        return sorted((copy.deepcopy(d) for d in self.docs.values()), key=lambda d: d["created_at"], reverse=True)

    async def change_status(self, plan_id: str, expected: str, fields: Doc, events: Sequence[Envelope]) -> bool:
        doc = self.docs.get(plan_id)
        if doc is None or doc.get("status") != expected:
            return False
        doc.update(copy.deepcopy(fields))
        self._outbox.add(events)
        return True

    async def edit_draft(self, plan_id: str, revision: int, fields: Doc, entry: Doc,
                         events: Sequence[Envelope]) -> bool:
        doc = self.docs.get(plan_id)
        if doc is None or doc.get("status") != "draft" or doc.get("revision", 0) != revision:
            return False
        doc.update(copy.deepcopy(fields))
        doc.setdefault("history", []).append(copy.deepcopy(entry))
        self._outbox.add(events)
        return True


class MemoryAssignments:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.docs: dict[str, Doc] = {}
        self._outbox = outbox

    async def insert_new(self, docs: Sequence[Doc]) -> set[str]:
        known = {d["_id"] for d in docs if d["_id"] in self.docs}
        for d in docs:
            if d["_id"] not in known:
                self.docs[d["_id"]] = copy.deepcopy(d)
        return known

    async def get(self, assignment_id: str) -> Doc | None:
        doc = self.docs.get(assignment_id)
        return copy.deepcopy(doc) if doc is not None else None

    async def of_plans(self, plan_ids: Collection[str] | None = None) -> list[Doc]:
        return [_without(d, "history") for _, d in sorted(self.docs.items())
                if plan_ids is None or d["plan_id"] in plan_ids]

    async def of_unit(self, unit_key: str) -> list[Doc]:
        return [_without(d, "history") for _, d in sorted(self.docs.items()) if d["unit_key"] == unit_key]

    async def record(self, assignment_id: str, rev: int, fields: Doc, entry: Doc,
                     events: Sequence[Envelope]) -> bool:
        doc = self.docs.get(assignment_id)
        if doc is None or doc.get("rev") != rev:
            return False
        doc.update(copy.deepcopy(fields))
        doc["rev"] = rev + 1
        doc.setdefault("history", []).append(copy.deepcopy(entry))
        self._outbox.add(events)
        return True

    async def mark_overdue(self, assignment_id: str, events: Sequence[Envelope]) -> bool:
        doc = self.docs.get(assignment_id)
        if doc is None or doc.get("overdue_told") is not False:
            return False
        doc["overdue_told"] = True
        self._outbox.add(events)
        return True


class MemoryEvidence:
    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}

    async def add(self, doc: Doc) -> None:
        if doc["_id"] in self.docs:
            raise KeyError(f"duplicate file id {doc['_id']}")
        self.docs[doc["_id"]] = copy.deepcopy(doc)

    async def get(self, file_id: str) -> Doc | None:
        doc = self.docs.get(file_id)
        return copy.deepcopy(doc) if doc is not None else None

    async def remove(self, file_id: str) -> None:
        self.docs.pop(file_id, None)


def memory_repositories() -> tuple[AdoptionRepositories, MemoryOutbox]:
    out = MemoryOutbox()
    return AdoptionRepositories(MemoryInitiatives(), MemoryPlans(out), MemoryAssignments(out), MemoryEvidence()), out
