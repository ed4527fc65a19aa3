"""Submission's repositories on its MongoDB (FerretDB locally) collections (``store.SubmissionStore``).

Every filter, operator and projection of submission lives here. Events go inside the written
document in the same single-document write (``shared.outbox``); a new entry's go through the
staged outbox (``shared.staged_outbox``: beside the document on FerretDB, where rewriting a
large new document costs two table scans). FerretDB notes: only ``$sum`` works in ``$group``;
any filter but ``_id`` scans, so what is read together is read in one query; ``$pull`` with a
condition is ignored, so a list loses an item by being written whole.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from bson.binary import Binary
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.submission.repositories import SubmissionRepositories, Tally
from services.submission.store import SubmissionStore
from shared import outbox
from shared.envelope import Envelope
from shared.mongo import Doc, insert_new
from shared.staged_outbox import StagedOutbox

#: What the outbox keeps in a document: never read by the use cases, never written by a save.
NO_OUTBOX: Doc = {outbox.OUTBOX: 0, outbox.PENDING: 0, outbox.SEQ: 0}
OUTBOX_FIELDS = ("_id", *NO_OUTBOX)
TALLY_PATH: dict[Tally, str] = {"status": "$status", "category": "$fields.category", "unit": "$fields.author_unit"}
#: Sequence numbers are reserved from the counter in blocks, so a rush of new entries costs
#: one counter write per block rather than one per entry (numbers left in a block when the
#: process stops are skipped: receipt codes are unique and increasing, not gap-free).
SEQ_BLOCK = 50


def rev_filter(entry: Doc) -> Doc:
    """Compare-and-set on the entry's revision (entries written before ``rev`` existed have none)."""
    rev = entry.get("rev")
    return {"_id": entry["_id"], "rev": rev if rev is not None else {"$exists": False}}


class MongoContests:
    def __init__(self, store: SubmissionStore) -> None:
        self._c = store.contests

    async def get(self, contest_id: str) -> Doc | None:
        return await self._c.find_one({"_id": contest_id}, NO_OUTBOX)

    async def listing(self, *, include_drafts: bool) -> list[Doc]:
        query: Doc = {} if include_drafts else {"status": {"$ne": "draft"}}
        return await self._c.find(query, NO_OUTBOX).sort("opens_at", -1).to_list()

    async def code_taken(self, code: str) -> bool:
        return await self._c.find_one({"code": code}, {"_id": 1}) is not None

    async def create(self, contest: Doc, events: Sequence[Envelope]) -> bool:
        try:
            await self._c.insert_one(outbox.new_document(contest, *events))
        except DuplicateKeyError:
            return False
        return True

    async def save(self, revision: int, after: Doc, events: Sequence[Envelope]) -> bool:
        changes = {k: v for k, v in after.items() if k not in OUTBOX_FIELDS}
        res = await self._c.update_one({"_id": after["_id"], "revision": revision},
                                       outbox.with_events({"$set": changes}, *events))
        return bool(res.matched_count)

    async def mark_announced(self, contest_id: str) -> None:
        await self._c.update_one({"_id": contest_id}, {"$set": {"announced": True}})

    async def announced_among(self, ids: Collection[str]) -> list[str]:
        if not ids:
            return []
        return [c["_id"] async for c in self._c.find({"_id": {"$in": list(ids)}, "announced": True}, {"_id": 1})]

    async def close_round(self, contest_id: str, round_no: int) -> None:
        await self._c.update_one({"_id": contest_id}, {"$addToSet": {"closed_rounds": round_no}})

    async def reopen_round(self, contest_id: str, round_no: int) -> None:
        # The list is written whole: FerretDB ignores ``$pull`` with a condition.
        c = await self._c.find_one({"_id": contest_id}, {"closed_rounds": 1})
        if c is not None:
            rounds = [r for r in c.get("closed_rounds", []) if r != round_no]
            await self._c.update_one({"_id": contest_id}, {"$set": {"closed_rounds": rounds}})

    async def opened_by(self, at: datetime) -> list[str]:
        return [c["_id"] async for c in self._c.find({"opens_at": {"$lte": at}}, {"_id": 1})]

    async def names(self, ids: Collection[str] | None = None) -> dict[str, str]:
        query: Doc = {} if ids is None else {"_id": {"$in": list(ids)}}
        return {c["_id"]: c["name"] async for c in self._c.find(query, {"name": 1})}


class MongoEntries:
    def __init__(self, store: SubmissionStore, staged: StagedOutbox) -> None:
        self._c = store.entries
        self._staged = staged

    async def get(self, entry_id: str) -> Doc | None:
        return await self._c.find_one({"_id": entry_id}, NO_OUTBOX)

    async def own(self, entry_id: str, owner_id: str) -> Doc | None:
        return await self._c.find_one({"_id": entry_id, "owner_id": owner_id}, NO_OUTBOX)

    async def exists(self, entry_id: str) -> bool:
        return await self._c.find_one({"_id": entry_id}, {"_id": 1}) is not None

    async def of_owner(self, owner_id: str) -> list[Doc]:
        return await self._c.find({"owner_id": owner_id}, {**NO_OUTBOX, "versions": 0}).sort(
            "created_at", -1).to_list()

    async def past_submission(self, entry_id: str) -> Doc | None:
        return await self._c.find_one({"_id": entry_id, "status": {"$ne": "draft"}}, {**NO_OUTBOX, "versions": 0})

    async def for_judge_file(self, entry_id: str) -> Doc | None:
        return await self._c.find_one({"_id": entry_id}, {"status": 1, "in_judging": 1, "versions": 1})

    async def lists_file(self, entry_id: str, file_id: str) -> bool:
        return await self._c.find_one({"_id": entry_id, "file_ids": file_id}, {"_id": 1}) is not None

    async def any_screened(self, contest_id: str) -> bool:
        found = await self._c.find_one(
            {"contest_id": contest_id, "status": {"$nin": ["draft", "submitted", "withdrawn"]}}, {"_id": 1})
        return found is not None

    async def tally(self, contest_id: str, by: Tally, *, excluding: Collection[str]) -> dict[str, int]:
        # ``$group`` with ``$sum`` only: FerretDB fails on any other accumulator.
        cursor = await self._c.aggregate([
            {"$match": {"contest_id": contest_id, "status": {"$nin": list(excluding)}}},
            {"$group": {"_id": TALLY_PATH[by], "n": {"$sum": 1}}}])
        return {str(d["_id"]): int(d["n"]) async for d in cursor}

    async def submitted_in(self, contest_ids: Collection[str], statuses: Collection[str]) -> list[Doc]:
        # One read for the whole screening queue: FerretDB parses the collection for any filter.
        return await self._c.find({"contest_id": {"$in": list(contest_ids)}, "status": {"$in": list(statuses)}},
                                  {**NO_OUTBOX, "versions": 0, "history": 0}).to_list()

    async def create(self, entry: Doc, events: Sequence[Envelope]) -> bool:
        try:
            await self._staged.insert(self._c, entry, *events)
        except DuplicateKeyError:
            return False
        return True

    async def save_text(self, entry: Doc, fields: Doc, fields_hash: str, versions: list[Doc], at: datetime) -> bool:
        # ``versions`` whole with ``$set``: MongoDB refuses ``$set`` on ``versions.N.fields``
        # beside a ``$push`` to ``versions``; the compare-and-set on ``rev`` keeps it safe.
        res = await self._c.update_one(rev_filter(entry), {
            "$set": {"fields": fields, "fields_hash": fields_hash, "updated_at": at, "versions": versions},
            "$inc": {"rev": 1}})
        return bool(res.matched_count)

    async def save_attachments(self, entry: Doc, attachments: list[Doc], versions: list[Doc], at: datetime, *,
                               add_file: str | None = None) -> bool:
        update: Doc = {"$set": {"attachments": attachments, "updated_at": at, "versions": versions},
                       "$inc": {"rev": 1}}
        if add_file is not None:
            update["$push"] = {"file_ids": add_file}
        res = await self._c.update_one(rev_filter(entry), update)
        return bool(res.matched_count)

    async def change_status(self, entry: Doc, status: str, at: datetime, fields: Doc,
                            events: Sequence[Envelope]) -> bool:
        res = await self._c.update_one(rev_filter(entry), outbox.with_events(
            {"$set": {"status": status, **fields}, "$inc": {"rev": 1},
             "$push": {"history": {"status": status, "at": at}}}, *events))
        return bool(res.matched_count)

    async def status_of(self, entry_id: str) -> str | None:
        found = await self._c.find_one({"_id": entry_id}, {"status": 1})
        return None if found is None else str(found["status"])

    async def move_status(self, entry_id: str, before: str, status: str, at: datetime, fields: Doc) -> bool:
        res = await self._c.update_one({"_id": entry_id, "status": before},
                                       {"$set": {"status": status, "updated_at": at, **fields},
                                        "$push": {"history": {"status": status, "at": at}}})
        return bool(res.matched_count)

    async def screen(self, entry_id: str, before: str, fields: Doc, history: Doc, events: Sequence[Envelope]) -> bool:
        res = await self._c.update_one({"_id": entry_id, "status": before}, outbox.with_events(
            {"$set": fields, "$unset": {"review_request": ""}, "$push": {"history": history}}, *events))
        return bool(res.matched_count)

    async def request_review(self, entry_id: str, request: Doc, at: datetime) -> bool:
        res = await self._c.update_one(
            {"_id": entry_id, "status": "ineligible", "review_request": {"$exists": False}},
            {"$set": {"review_request": request, "updated_at": at},
             "$push": {"history": {"status": "review_requested", "at": at, "reason": request["reason"]}}})
        return bool(res.matched_count)

    async def add_stored_bytes(self, entry_id: str, amount: int) -> None:
        await self._c.update_one({"_id": entry_id}, {"$inc": {"stored_bytes": amount}})


class MongoFiles:
    """Each file one document, its bytes as BSON binary (at most 15 MB, under the 16 MB limit)."""

    def __init__(self, store: SubmissionStore) -> None:
        self._c = store.attachments
        self._blind = store.blind_files

    async def add(self, file: Doc) -> bool:
        try:
            await self._c.insert_one({**file, "data": Binary(file["data"])})
        except DuplicateKeyError:
            return False
        return True

    async def get(self, file_id: str) -> Doc | None:
        return await self._c.find_one({"_id": file_id})

    async def of_entry(self, file_id: str, entry_id: str) -> Doc | None:
        return await self._c.find_one({"_id": file_id, "entry_id": entry_id})

    async def sizes(self, ids: Collection[str], entry_id: str) -> dict[str, int]:
        return {f["_id"]: int(f.get("size", 0)) async for f in self._c.find(
            {"_id": {"$in": sorted(ids)}, "entry_id": entry_id}, {"size": 1})}

    async def delete(self, ids: Collection[str]) -> None:
        if len(ids) == 1:  # a plain ``_id``: FerretDB finds it without a scan
            (only,) = ids
            await self._c.delete_one({"_id": only})
            await self._blind.delete_one({"_id": only})
        elif ids:
            await self._c.delete_many({"_id": {"$in": list(ids)}})
            await self._blind.delete_many({"_id": {"$in": list(ids)}})

    async def created_before(self, at: datetime) -> list[tuple[str, str]]:
        return [(f["_id"], f["entry_id"]) async for f in self._c.find({"created_at": {"$lt": at}}, {"entry_id": 1})]

    async def blind(self, file_id: str) -> Doc | None:
        return await self._blind.find_one({"_id": file_id})

    async def keep_blind(self, copy: Doc) -> None:
        await insert_new(self._blind, [{**copy, "data": Binary(copy["data"])}])


class MongoCounters:
    def __init__(self, store: SubmissionStore, *, seq_block: int = SEQ_BLOCK) -> None:
        self._c = store.counters
        self._seq_block = seq_block
        self._blocks: dict[str, tuple[int, int]] = {}
        self._seq_lock = asyncio.Lock()

    async def next_seq(self, name: str) -> int:
        # findAndModify is atomic on MongoDB and FerretDB.
        async with self._seq_lock:
            nxt, end = self._blocks.get(name, (0, 0))
            if nxt >= end:
                doc = await self._c.find_one_and_update(
                    {"_id": name}, {"$inc": {"n": self._seq_block}}, upsert=True, return_document=True)
                assert doc is not None
                end = int(doc["n"]) + 1
                nxt = end - self._seq_block
            self._blocks[name] = (nxt + 1, end)
            return nxt

    async def add(self, name: str, amount: int) -> int:
        doc = await self._c.find_one_and_update({"_id": name}, {"$inc": {"n": amount}}, upsert=True,
                                                return_document=True)
        assert doc is not None
        return int(doc["n"])

    async def value(self, name: str) -> int:
        doc = await self._c.find_one({"_id": name})
        return int(doc["n"]) if doc else 0

    async def set_many(self, values: Mapping[str, int]) -> None:
        if values:
            await self._c.bulk_write([UpdateOne({"_id": k}, {"$set": {"n": n}}, upsert=True)
                                      for k, n in sorted(values.items())], ordered=False)


class MongoFingerprints:
    def __init__(self, store: SubmissionStore) -> None:
        self._c = store.fingerprints

    async def add(self, docs: Sequence[Doc]) -> None:
        with contextlib.suppress(DuplicateKeyError, BulkWriteError):  # stored meanwhile: same text, same value
            if len(docs) == 1:
                await self._c.insert_one(docs[0])
            elif docs:
                await self._c.insert_many(docs, ordered=False)

    async def many(self, ids: Collection[str]) -> list[Doc]:
        return await self._c.find({"_id": {"$in": list(ids)}}).to_list() if ids else []


class MongoJudgingCopy:
    def __init__(self, store: SubmissionStore) -> None:
        self._reviewers = store.reviewers
        self._standings = store.standings
        self._feedback = store.feedback

    async def set_reviewers(self, entry_id: str, round_no: int, judge_ids: list[str]) -> None:
        await self._reviewers.update_one({"_id": entry_id}, {"$set": {f"rounds.{round_no}": judge_ids}}, upsert=True)

    async def reviewers(self, entry_id: str) -> dict[str, list[str]]:
        doc = await self._reviewers.find_one({"_id": entry_id}) or {}
        return dict(doc.get("rounds") or {})

    async def keep_standing(self, standing: Doc) -> None:
        await self._standings.replace_one({"_id": standing["_id"]},
                                          {k: v for k, v in standing.items() if k != "_id"}, upsert=True)

    async def drop_standing(self, contest_id: str, round_no: int) -> None:
        await self._standings.delete_one({"_id": f"{contest_id}:{round_no}"})

    async def standings(self, contest_ids: Collection[str]) -> list[Doc]:
        if not contest_ids:
            return []
        return await self._standings.find({"contest_id": {"$in": list(contest_ids)}}).to_list()

    async def keep_feedback(self, feedback: Doc) -> None:
        await self._feedback.replace_one({"_id": feedback["_id"]},
                                         {k: v for k, v in feedback.items() if k != "_id"}, upsert=True)

    async def feedback_of(self, entry_ids: Collection[str]) -> dict[str, Doc]:
        if not entry_ids:
            return {}
        return {f["_id"]: f async for f in self._feedback.find({"_id": {"$in": sorted(entry_ids)}})}


class MongoAdoptionCopy:
    def __init__(self, store: SubmissionStore) -> None:
        self._plans = store.adoption_plans

    async def plan(self, plan_id: str) -> Doc | None:
        return await self._plans.find_one({"_id": plan_id})

    async def keep_plan(self, plan: Doc) -> None:
        await self._plans.replace_one({"_id": plan["_id"]}, {k: v for k, v in plan.items() if k != "_id"},
                                      upsert=True)

    async def plans_of(self, entry_ids: Collection[str]) -> list[Doc]:
        if not entry_ids:
            return []
        return await self._plans.find({"initiative_id": {"$in": sorted(entry_ids)}}).sort("_id", 1).to_list()


def mongo_repositories(store: SubmissionStore, staged: StagedOutbox) -> SubmissionRepositories:
    return SubmissionRepositories(contests=MongoContests(store), entries=MongoEntries(store, staged),
                                  files=MongoFiles(store), counters=MongoCounters(store),
                                  fingerprints=MongoFingerprints(store), judging=MongoJudgingCopy(store),
                                  adoption=MongoAdoptionCopy(store))
