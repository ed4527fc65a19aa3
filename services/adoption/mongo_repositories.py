"""Adoption's repositories on its MongoDB (FerretDB locally) collections (``store.AdoptionStore``).

Every filter, operator and projection lives here. Events go into the changed document in the
same single-document write (``shared.outbox``). Only operators both FerretDB 1.24 and MongoDB
honour: ``$set``, ``$inc``, a plain ``$push`` (never with ``$slice``), filters on scalars.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from services.adoption.repositories import AdoptionRepositories
from services.adoption.store import AdoptionStore
from shared import outbox
from shared.envelope import Envelope
from shared.mongo import Doc, insert_new

NO_OUTBOX: Doc = {outbox.OUTBOX: 0, outbox.PENDING: 0, outbox.SEQ: 0}
BRIEF: Doc = {**NO_OUTBOX, "history": 0}


class MongoInitiatives:
    def __init__(self, store: AdoptionStore) -> None:
        self._c = store.initiatives

    async def save(self, entry_id: str, fields: Doc) -> None:
        await self._c.update_one({"_id": entry_id}, {"$set": fields}, upsert=True)

    async def get(self, entry_id: str) -> Doc | None:
        return await self._c.find_one({"_id": entry_id})

    async def listing(self) -> list[Doc]:
        return await self._c.find({}, {"summary": 0}).to_list()


class MongoPlans:
    def __init__(self, store: AdoptionStore) -> None:
        self._c = store.plans

    async def insert(self, doc: Doc, events: Sequence[Envelope]) -> None:
        await self._c.insert_one(outbox.new_document(doc, *events))

    async def get(self, plan_id: str) -> Doc | None:
        return await self._c.find_one({"_id": plan_id}, NO_OUTBOX)

    async def listing(self) -> list[Doc]:
        return await self._c.find({}, NO_OUTBOX).sort("created_at", -1).to_list()

    async def change_status(self, plan_id: str, expected: str, fields: Doc, events: Sequence[Envelope]) -> bool:
        done = await self._c.update_one({"_id": plan_id, "status": expected},
                                        outbox.with_events({"$set": fields}, *events))
        return done.modified_count == 1

    async def edit_draft(self, plan_id: str, revision: int, fields: Doc, entry: Doc,
                         events: Sequence[Envelope]) -> bool:
        current: Doc | int = {"$exists": False} if revision == 0 else revision
        update = outbox.with_events({"$set": fields, "$push": {"history": entry}}, *events)
        done = await self._c.update_one({"_id": plan_id, "status": "draft", "revision": current}, update)
        return done.modified_count == 1


class MongoAssignments:
    def __init__(self, store: AdoptionStore) -> None:
        self._c = store.assignments

    async def insert_new(self, docs: Sequence[Doc]) -> set[str]:
        return await insert_new(self._c, [outbox.new_document(d) for d in docs])

    async def get(self, assignment_id: str) -> Doc | None:
        return await self._c.find_one({"_id": assignment_id}, NO_OUTBOX)

    async def of_plans(self, plan_ids: Collection[str] | None = None) -> list[Doc]:
        query: Doc = {} if plan_ids is None else {"plan_id": {"$in": sorted(plan_ids)}}
        return await self._c.find(query, BRIEF).sort("_id", 1).to_list()

    async def of_unit(self, unit_key: str) -> list[Doc]:
        return await self._c.find({"unit_key": unit_key}, BRIEF).sort("_id", 1).to_list()

    async def record(self, assignment_id: str, rev: int, fields: Doc, entry: Doc,
                     events: Sequence[Envelope]) -> bool:
        update = outbox.with_events({"$set": fields, "$inc": {"rev": 1}, "$push": {"history": entry}}, *events)
        done = await self._c.update_one({"_id": assignment_id, "rev": rev}, update)
        return done.modified_count == 1

    async def mark_overdue(self, assignment_id: str, events: Sequence[Envelope]) -> bool:
        done = await self._c.update_one({"_id": assignment_id, "overdue_told": False},
                                        outbox.with_events({"$set": {"overdue_told": True}}, *events))
        return done.modified_count == 1


class MongoEvidence:
    def __init__(self, store: AdoptionStore) -> None:
        self._c = store.evidence

    async def add(self, doc: Doc) -> None:
        await self._c.insert_one(doc)

    async def get(self, file_id: str) -> Doc | None:
        return await self._c.find_one({"_id": file_id})

    async def remove(self, file_id: str) -> None:
        await self._c.delete_one({"_id": file_id})


def mongo_repositories(store: AdoptionStore) -> AdoptionRepositories:
    return AdoptionRepositories(MongoInitiatives(store), MongoPlans(store), MongoAssignments(store),
                                MongoEvidence(store))
