"""Awards' repositories on its MongoDB (FerretDB locally) collections (``store.AwardsStore``).

Every filter, operator and projection of awards lives here; stored results are gzip-compressed
``Binary`` (``store.gz``). FerretDB notes: an upsert whose filter does not match a stored
document answers "duplicate key" (``keep_setup``); reads by anything but ``_id`` scan.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Sequence
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from services.awards.repositories import AwardsRepositories
from services.awards.store import AwardsStore, gunzip, gz
from shared import outbox
from shared.envelope import Envelope
from shared.mongo import Doc, insert_new

NO_OUTBOX: Doc = {outbox.OUTBOX: 0}
NO_SCORES: Doc = {"rounds": 0, "late_scores": 0}


class MongoContests:
    def __init__(self, store: AwardsStore) -> None:
        self._c = store.contests

    async def get(self, contest_id: str) -> Doc | None:
        return await self._c.find_one({"_id": contest_id}, NO_OUTBOX)

    async def revision(self, contest_id: str) -> int | None:
        known = await self._c.find_one({"_id": contest_id}, {"revision": 1})
        return None if known is None else int(known.get("revision", 0))

    async def save_snapshot(self, contest_id: str, fields: Doc, *, on_insert: Doc) -> None:
        await self._c.update_one({"_id": contest_id}, {"$set": fields, "$setOnInsert": on_insert}, upsert=True)

    async def is_announced(self, contest_id: str) -> bool:
        known = await self._c.find_one({"_id": contest_id}, {"announced": 1})
        return bool(known is not None and known.get("announced"))

    async def judging_closed(self, contest_id: str, fields: Doc, *, on_insert: Doc) -> None:
        await self._c.update_one({"_id": contest_id}, {"$set": fields, "$setOnInsert": on_insert}, upsert=True)

    async def judging_reopened(self, contest_id: str, audit: Doc) -> None:
        await self._c.update_one({"_id": contest_id}, {"$set": {"judging_closed": False}, "$unset": {"approval": ""},
                                                       "$inc": {"rev": 1}, "$push": {"audit": audit}})

    async def keep_setup(self, contest_id: str, snapshot: Doc, *, on_insert: Doc) -> None:
        with contextlib.suppress(DuplicateKeyError):  # the contest is known and holds a newer one
            await self._c.update_one(
                {"_id": contest_id, "$or": [{"judging_setup": {"$exists": False}},
                                            {"judging_setup.as_of": {"$lt": snapshot["as_of"]}}]},
                {"$set": {"judging_setup": snapshot}, "$setOnInsert": on_insert}, upsert=True)

    async def revise(self, contest: Doc, fields: Doc, audit: Doc, *, drop_approval: bool) -> bool:
        rev = contest.get("rev")
        query: Doc = {"_id": contest["_id"], "announced": {"$ne": True},
                      "rev": rev if rev is not None else {"$exists": False}}
        update: Doc = {"$set": fields, "$push": {"audit": audit}, "$inc": {"rev": 1}}
        if drop_approval:
            update["$unset"] = {"approval": ""}
        res = await self._c.update_one(query, update)
        return bool(res.matched_count)

    async def announce(self, contest_id: str, result_hash: str, at: datetime, audit: Doc,
                       events: Sequence[Envelope]) -> bool:
        res = await self._c.update_one(
            {"_id": contest_id, "announced": {"$ne": True}, "approval.result_hash": result_hash},
            outbox.with_events({"$set": {"announced": True, "announced_at": at, "result_hash": result_hash},
                                "$inc": {"rev": 1}, "$push": {"audit": audit}}, *events))
        return bool(res.matched_count)

    async def listing(self, *, named_only: bool = False) -> list[Doc]:
        query: Doc = {"name": {"$exists": True}} if named_only else {}
        return await self._c.find(query, {"name": 1, "closes_at": 1}).sort("closes_at", -1).to_list()

    async def announced(self) -> list[Doc]:
        return await self._c.find({"announced": True}, {"name": 1, "code": 1, "issuing_body": 1, "announced_at": 1,
                                                        "result_hash": 1}).sort("announced_at", -1).to_list()


class MongoEntries:
    def __init__(self, store: AwardsStore) -> None:
        self._c = store.entries

    async def save_authors(self, entry_id: str, fields: Doc) -> None:
        await self._c.update_one({"_id": entry_id}, {"$set": fields}, upsert=True)

    async def record_score(self, entry_id: str, contest_id: str, round_no: int, record: Doc) -> None:
        await self._c.update_one({"_id": entry_id},
                                 {"$set": {"contest_id": contest_id, f"rounds.r{round_no}": record}}, upsert=True)

    async def record_late_score(self, entry_id: str, round_no: int, record: Doc) -> None:
        await self._c.update_one({"_id": entry_id}, {"$set": {f"late_scores.r{round_no}": record}}, upsert=True)

    async def status_at(self, entry_id: str) -> datetime | None:
        known = await self._c.find_one({"_id": entry_id}, {"status_at": 1})
        return None if known is None else known.get("status_at")

    async def set_excluded(self, entry_id: str, contest_id: str, excluded: bool, at: datetime) -> None:
        await self._c.update_one({"_id": entry_id},
                                 {"$set": {"excluded": excluded, "status_at": at, "contest_id": contest_id}},
                                 upsert=True)

    async def scored(self, contest_id: str) -> list[Doc]:
        return await self._c.find({"contest_id": contest_id, "rounds": {"$exists": True}}).to_list()

    async def any_scored(self, contest_id: str) -> Doc | None:
        return await self._c.find_one({"contest_id": contest_id, "rounds": {"$exists": True}})

    async def many(self, ids: Collection[str]) -> dict[str, Doc]:
        return {d["_id"]: d async for d in self._c.find({"_id": {"$in": list(ids)}})}

    async def public(self, ids: Collection[str]) -> dict[str, Doc]:
        return {d["_id"]: d async for d in self._c.find({"_id": {"$in": list(ids)}}, NO_SCORES)}

    async def public_one(self, entry_id: str) -> Doc | None:
        return await self._c.find_one({"_id": entry_id}, NO_SCORES)

    async def owned_by(self, account_id: str) -> list[Doc]:
        return await self._c.find({"owner_account_id": account_id}, NO_SCORES).to_list()

    async def late(self, contest_id: str) -> list[Doc]:
        return await self._c.find({"contest_id": contest_id, "late_scores": {"$exists": True}},
                                  {"code": 1, "title": 1, "late_scores": 1}).to_list()


class MongoStatuses:
    def __init__(self, store: AwardsStore) -> None:
        self._c = store.statuses

    async def add(self, facts: Sequence[Doc]) -> None:
        await insert_new(self._c, facts)

    async def of_contest(self, contest_id: str) -> list[Doc]:
        return await self._c.find({"contest_id": contest_id},
                                  {"entry_id": 1, "status": 1, "unit": 1, "category": 1, "author_group": 1,
                                   "at": 1}).to_list()


class MongoAdoption:
    def __init__(self, store: AwardsStore) -> None:
        self._c = store.adoption

    async def add(self, fact: Doc) -> None:
        await insert_new(self._c, [fact])

    async def of_initiatives(self, entry_ids: Collection[str]) -> list[Doc]:
        if not entry_ids:
            return []
        plans = {d["plan_id"] async for d in self._c.find(
            {"kind": "published", "initiative_id": {"$in": sorted(entry_ids)}}, {"plan_id": 1})}
        if not plans:
            return []
        return await self._c.find({"plan_id": {"$in": sorted(plans)}}).to_list()


class MongoResults:
    def __init__(self, store: AwardsStore) -> None:
        self._c = store.results

    async def keep(self, contest_id: str, result_hash: str, *, inputs_sha256: str, inputs: bytes, result: bytes,
                   at: datetime) -> None:
        await self._c.update_one(
            {"_id": f"{contest_id}:{result_hash}"},
            {"$setOnInsert": {"contest_id": contest_id, "result_hash": result_hash, "inputs_sha256": inputs_sha256,
                              "inputs": gz(inputs), "result": gz(result), "created_at": at}},
            upsert=True)

    async def get(self, contest_id: str, result_hash: str) -> tuple[bytes, bytes] | None:
        doc = await self._c.find_one({"_id": f"{contest_id}:{result_hash}"})
        return None if doc is None else (gunzip(doc["result"]), gunzip(doc["inputs"]))


def mongo_repositories(store: AwardsStore) -> AwardsRepositories:
    return AwardsRepositories(contests=MongoContests(store), entries=MongoEntries(store),
                              statuses=MongoStatuses(store), results=MongoResults(store),
                              adoption=MongoAdoption(store))
