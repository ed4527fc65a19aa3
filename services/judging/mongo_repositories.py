"""Judging's repositories on its MongoDB (FerretDB locally) collections (``store.JudgingStore``).

Every filter, operator and projection of judging lives here. Events go into the changed
document in the same single-document write (``shared.outbox``); a compare-and-set returns
whether its filter matched. FerretDB 1.24 notes: sub-documents are set and unset one path at
a time (``judges_update``); reads by anything but ``_id`` scan, so the use cases read little.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection

from services.judging.repositories import JudgingRepositories, fresh_sheet
from services.judging.store import JudgingStore, round_id
from shared import outbox
from shared.envelope import Envelope
from shared.mongo import Doc, insert_new

NO_OUTBOX: Doc = {outbox.OUTBOX: 0}
OUTBOX_FIELDS: Doc = {outbox.OUTBOX: 0, outbox.PENDING: 0, outbox.SEQ: 0}  # documents read as the memory twin's
REVIEW_BATCH = 200  # reviews inserted per command when a round is assigned


def judges_update(r: Doc, new: list[str]) -> Doc:
    """Move a review to the judges ``new``: sheets of judges who stay are kept, leavers' dropped.

    Sheets are set and unset one path at a time: FerretDB 1.24 skips a ``$set`` of a whole
    sub-document whose values equal the old ones under other keys (it compares values only).
    """
    old = r["judge_ids"]
    update: Doc = {"$set": {"judge_ids": new, **{f"sheets.{j}": fresh_sheet() for j in new if j not in old}}}
    gone = {f"sheets.{j}": "" for j in old if j not in new}
    if gone:
        update["$unset"] = gone
    return update


async def _insert_with_events(coll: AsyncCollection[Doc], items: Sequence[tuple[Doc, Sequence[Envelope]]]) -> set[str]:
    """Insert each document carrying its events, many per command; those whose ``_id`` is stored
    are skipped (returned) and queue nothing."""
    docs = [outbox.new_document(doc, *events) for doc, events in items]
    skipped: set[str] = set()
    for i in range(0, len(docs), REVIEW_BATCH):
        skipped |= await insert_new(coll, docs[i:i + REVIEW_BATCH])
    return skipped


class MongoJudges:
    def __init__(self, store: JudgingStore) -> None:
        self._c = store.judges

    async def save(self, judge_id: str, *, full_name: str, unit: str, categories: list[str], active: bool) -> None:
        await self._c.update_one(
            {"_id": judge_id},
            {"$set": {"full_name": full_name, "unit": unit, "categories": categories, "active": active}}, upsert=True)

    async def deactivate(self, judge_id: str) -> None:
        await self._c.update_one({"_id": judge_id}, {"$set": {"active": False}})

    async def active(self, ids: Collection[str] | None = None) -> list[Doc]:
        query: Doc = {"active": True}
        if ids is not None:
            query["_id"] = {"$in": list(ids)}
        return await self._c.find(query).sort("_id", 1).to_list()

    async def active_by_name(self) -> list[Doc]:
        return await self._c.find({"active": True}).sort("full_name", 1).to_list()

    async def names(self, ids: Collection[str] | None = None) -> dict[str, Doc]:
        query: Doc = {} if ids is None else {"_id": {"$in": sorted(ids)}}
        return {j["_id"]: j async for j in self._c.find(query, {"full_name": 1, "unit": 1})}


class MongoContests:
    def __init__(self, store: JudgingStore) -> None:
        self._c = store.contests

    async def get(self, contest_id: str) -> Doc | None:
        return await self._c.find_one({"_id": contest_id}, NO_OUTBOX)

    async def many(self, ids: Collection[str]) -> dict[str, Doc]:
        return {c["_id"]: c async for c in self._c.find({"_id": {"$in": sorted(ids)}},
                                                        {"name": 1, "round_deadlines": 1})}

    async def listing(self) -> list[Doc]:
        return await self._c.find({}, {"name": 1, "closes_at": 1}).sort("closes_at", -1).to_list()

    async def revision(self, contest_id: str) -> int | None:
        known = await self._c.find_one({"_id": contest_id}, {"revision": 1})
        return None if known is None else int(known.get("revision", 0))

    async def save_snapshot(self, contest_id: str, fields: Doc, *, on_insert: Doc) -> None:
        await self._c.update_one({"_id": contest_id}, {"$set": fields, "$setOnInsert": on_insert}, upsert=True)

    async def replace_rubric(self, contest_id: str, rubric: Doc, *, previous: Doc) -> bool:
        res = await self._c.update_one(
            {"_id": contest_id, "frozen": {"$ne": True}, "rubric.version": previous["version"]},
            {"$set": {"rubric": rubric}, "$push": {"rubric_history": previous}})
        return bool(res.matched_count)

    async def set_rules(self, contest_id: str, setup: Doc) -> bool:
        res = await self._c.update_one({"_id": contest_id, "frozen": {"$ne": True}}, {"$set": {"setup": setup}})
        return bool(res.matched_count)

    async def set_panel(self, contest_id: str, panel: list[str] | None) -> None:
        await self._c.update_one({"_id": contest_id}, {"$set": {"panel": panel}})

    async def set_deadline(self, contest_id: str, round_no: int, deadline: datetime | None) -> None:
        await self._c.update_one({"_id": contest_id}, {"$set": {f"round_deadlines.r{round_no}": deadline}})

    async def set_reminder_days(self, contest_id: str, round_no: int, days: int) -> None:
        await self._c.update_one({"_id": contest_id}, {"$set": {f"round_reminders.r{round_no}": days}})

    async def set_feedback(self, contest_id: str, publish: bool) -> bool:
        res = await self._c.update_one({"_id": contest_id, "frozen": {"$ne": True}},
                                       {"$set": {"publish_feedback": publish}})
        return bool(res.matched_count)

    async def with_deadlines(self) -> list[Doc]:
        return await self._c.find({"round_deadlines": {"$exists": True}, "announced": {"$ne": True}},
                                  {"round_deadlines": 1, "round_reminders": 1}).to_list()

    async def freeze_for_scoring(self, contest_id: str) -> None:
        await self._c.update_one({"_id": contest_id}, {"$set": {"frozen": True, "judging_status": "scoring"}})

    async def set_judging_status(self, contest_id: str, status: str) -> None:
        await self._c.update_one({"_id": contest_id}, {"$set": {"judging_status": status}})

    async def mark_announced(self, contest_id: str) -> None:
        await self._c.update_one({"_id": contest_id}, {"$set": {"announced": True}})

    async def setup_published(self, contest_id: str, at: datetime, events: Sequence[Envelope]) -> None:
        await self._c.update_one({"_id": contest_id},
                                 outbox.with_events({"$set": {"setup_published_at": at}}, *events))

    async def unannounced_ids(self) -> list[str]:
        return [c["_id"] async for c in self._c.find({"announced": {"$ne": True}}, {"_id": 1})]


class MongoEntries:
    def __init__(self, store: JudgingStore) -> None:
        self._c = store.entries

    async def insert_new(self, docs: Sequence[Doc]) -> set[str]:
        # One command; an entry already stored is refused by its _id.
        return await insert_new(self._c, docs)

    async def update_known(self, entry_id: str, fields: Doc) -> bool:
        await self._c.update_one({"_id": entry_id}, {"$set": {k: v for k, v in fields.items()
                                                              if k not in ("_id", "withdrawn")}})
        stored = await self._c.find_one({"_id": entry_id}, {"withdrawn": 1})
        return bool((stored or {}).get("withdrawn"))

    async def mark_withdrawn(self, entry_id: str, contest_id: str) -> None:
        await self._c.update_one({"_id": entry_id}, {"$set": {"withdrawn": True, "contest_id": contest_id}},
                                 upsert=True)

    async def eligible(self, contest_id: str, ids: Collection[str] | None = None) -> list[Doc]:
        query: Doc = {"contest_id": contest_id, "withdrawn": False}
        if ids is not None:
            query["_id"] = {"$in": sorted(ids)}
        return await self._c.find(query, {"sections": 0, "attachments": 0}).to_list()

    async def refs(self, ids: Collection[str]) -> dict[str, Doc]:
        return {e["_id"]: e async for e in self._c.find({"_id": {"$in": list(ids)}},
                                                        {"conflict_unit": 1, "category": 1})}

    async def briefs(self, ids: Collection[str]) -> dict[str, Doc]:
        return {e["_id"]: e async for e in self._c.find({"_id": {"$in": list(ids)}},
                                                        {"code": 1, "title": 1, "category": 1})}

    async def blind(self, entry_id: str) -> Doc | None:
        return await self._c.find_one({"_id": entry_id}, {"conflict_unit": 0})


class MongoRounds:
    def __init__(self, store: JudgingStore) -> None:
        self._c = store.rounds

    async def get(self, contest_id: str, round_no: int) -> Doc | None:
        return await self._c.find_one({"_id": round_id(contest_id, round_no)}, NO_OUTBOX)

    async def of_contest(self, contest_id: str) -> list[Doc]:
        return await self._c.find({"contest_id": contest_id}, NO_OUTBOX).sort("round_no", 1).to_list()

    async def release(self, contest_id: str, round_no: int, fields: Doc) -> Doc:
        rid = round_id(contest_id, round_no)
        await self._c.update_one({"_id": rid, "released": {"$ne": True}}, {"$set": fields}, upsert=True)
        rnd = await self._c.find_one({"_id": rid}, NO_OUTBOX)
        assert rnd is not None
        return rnd

    async def close(self, contest_id: str, round_no: int, *, at: datetime, advancing: list[str],
                    totals: dict[str, float], events: Sequence[Envelope]) -> bool:
        res = await self._c.update_one(
            {"_id": round_id(contest_id, round_no), "closed": False},
            outbox.with_events({"$set": {"closed": True, "closed_at": at, "advancing": advancing, "totals": totals}},
                               *events))
        return bool(res.matched_count)

    async def plan_next(self, contest_id: str, round_no: int, fields: Doc) -> None:
        await self._c.update_one({"_id": round_id(contest_id, round_no)}, {"$setOnInsert": fields}, upsert=True)

    async def reopen(self, contest_id: str, round_no: int, history: Doc, events: Sequence[Envelope]) -> bool:
        res = await self._c.update_one(
            {"_id": round_id(contest_id, round_no), "closed": True},
            outbox.with_events({"$set": {"closed": False, "advancing": [], "totals": {}},
                                "$push": {"history": history}}, *events))
        return bool(res.matched_count)

    async def discard_unreleased(self, contest_id: str, round_no: int) -> None:
        await self._c.delete_one({"_id": round_id(contest_id, round_no), "released": {"$ne": True}})

    async def latest_released(self, contests: int) -> list[tuple[str, int]]:
        latest: dict[str, int] = {}
        async for rnd in self._c.find({"released": True}, {"contest_id": 1, "round_no": 1}).sort("released_at", -1):
            if len(latest) < contests:
                latest.setdefault(rnd["contest_id"], rnd["round_no"])
        return list(latest.items())


class MongoReviews:
    def __init__(self, store: JudgingStore) -> None:
        self._c = store.reviews

    async def insert_new(self, reviews: Sequence[tuple[Doc, Sequence[Envelope]]]) -> set[str]:
        # A review written meanwhile by another release is skipped by its unique _id.
        return await _insert_with_events(self._c, reviews)

    async def get(self, review_id: str) -> Doc | None:
        return await self._c.find_one({"_id": review_id}, NO_OUTBOX)

    async def for_judge(self, review_id: str, judge_id: str) -> Doc | None:
        return await self._c.find_one({"_id": review_id, "judge_ids": judge_id}, NO_OUTBOX)

    async def of_judge(self, judge_id: str) -> list[Doc]:
        return await self._c.find({"judge_ids": judge_id, "withdrawn": {"$ne": True}},
                                  {outbox.OUTBOX: 0, "audit": 0}).to_list()

    async def moves_of(self, judge_id: str) -> list[Doc]:
        return await self._c.find({"$or": [{"audit.added": judge_id}, {"audit.removed": judge_id}],
                                   "closed": {"$ne": True}}, {"entry_id": 1, "audit": 1, "judge_ids": 1}).to_list()

    async def open_rounds_of(self, judge_id: str) -> set[tuple[str, int]]:
        return {(r["contest_id"], r["round_no"]) async for r in self._c.find(
            {"judge_ids": judge_id, "closed": {"$ne": True}, "withdrawn": {"$ne": True}},
            {"contest_id": 1, "round_no": 1})}

    async def has_work(self, contest_id: str, judge_id: str) -> bool:
        return await self._c.find_one({"contest_id": contest_id, "judge_ids": judge_id}, {"_id": 1}) is not None

    async def assignments(self, contest_id: str, round_no: int) -> list[Doc]:
        return await self._c.find({"contest_id": contest_id, "round_no": round_no},
                                  {"entry_id": 1, "judge_ids": 1, "withdrawn": 1}).to_list()

    async def open_in_round(self, contest_id: str, round_no: int) -> list[Doc]:
        return await self._c.find(
            {"contest_id": contest_id, "round_no": round_no, "withdrawn": {"$ne": True}, "closed": {"$ne": True}},
            NO_OUTBOX).to_list()

    async def in_round(self, contest_id: str, round_no: int) -> list[Doc]:
        return await self._c.find({"contest_id": contest_id, "round_no": round_no, "withdrawn": {"$ne": True}},
                                  {outbox.OUTBOX: 0, "audit": 0}).to_list()

    async def results(self, contest_id: str, round_no: int) -> list[Doc]:
        return await self._c.find({"contest_id": contest_id, "round_no": round_no, "withdrawn": {"$ne": True}},
                                  {"entry_id": 1, "result": 1}).to_list()

    async def scored_in_contest(self, contest_id: str) -> list[Doc]:
        # A review's result is null until its last sheet: kept out here, not by a null filter.
        return [r async for r in self._c.find({"contest_id": contest_id, "withdrawn": {"$ne": True}},
                                              {"entry_id": 1, "round_no": 1, "sheets": 1, "result": 1})
                if r.get("result")]

    async def ids_in_round(self, contest_id: str, round_no: int, *, closed: bool) -> list[str]:
        state: bool | Doc = True if closed else {"$ne": True}
        return [r["_id"] async for r in self._c.find({"contest_id": contest_id, "round_no": round_no,
                                                      "closed": state}, {"_id": 1})]

    async def of_entry(self, entry_id: str) -> list[str]:
        return [r["_id"] async for r in self._c.find({"entry_id": entry_id, "withdrawn": {"$ne": True}}, {"_id": 1})]

    async def audits(self, contest_id: str, entry_id: str | None = None) -> list[Doc]:
        query: Doc = {"contest_id": contest_id}
        if entry_id:
            query["entry_id"] = entry_id
        return await self._c.find(query, {"entry_id": 1, "round_no": 1, "audit": 1}).to_list()

    async def declare(self, review_id: str, judge_id: str, at: datetime) -> None:
        await self._c.update_one(
            {"_id": review_id, f"declarations.{judge_id}": {"$exists": False}},
            {"$set": {f"declarations.{judge_id}": at}, "$inc": {"rev": 1},
             "$push": {"audit": {"kind": "declaration", "at": at, "by": judge_id}}})

    async def _cas(self, review: Doc, update: Doc, events: Sequence[Envelope], *, only_open: bool = True) -> bool:
        query: Doc = {"_id": review["_id"], "rev": review["rev"]}
        if only_open:
            query |= {"closed": {"$ne": True}, "withdrawn": {"$ne": True}}
        res = await self._c.update_one(query, outbox.with_events(update, *events))
        return bool(res.matched_count)

    async def move_judges(self, review: Doc, judge_ids: list[str], audit: Doc, events: Sequence[Envelope], *,
                          exclude: str | None = None, drop_result: bool = False) -> bool:
        update = judges_update(review, judge_ids)
        update["$set"]["rev"] = review["rev"] + 1
        update["$push"] = {"audit": audit}
        if exclude is not None:
            update["$push"]["excluded"] = exclude
        if drop_result:
            update.setdefault("$unset", {})["result"] = ""
        return await self._cas(review, update, events)

    async def save_sheet(self, review: Doc, judge_id: str, sheet: Doc, audit: Doc, result: Doc | None,
                         events: Sequence[Envelope]) -> bool:
        update: Doc = {"$set": {f"sheets.{judge_id}": sheet, "rev": review["rev"] + 1}, "$push": {"audit": audit}}
        if result is not None:
            update["$set"]["result"] = result
        return await self._cas(review, update, events)

    async def set_pins(self, review: Doc, pinned: list[str], audit: Doc) -> bool:
        return await self._cas(review, {"$set": {"pinned": pinned, "rev": review["rev"] + 1},
                                        "$push": {"audit": audit}}, (), only_open=False)

    async def withdraw(self, review_id: str, reason: str) -> None:
        await self._c.update_one({"_id": review_id},
                                 {"$set": {"withdrawn": True, "withdrawn_reason": reason}, "$inc": {"rev": 1}})

    async def close(self, review_id: str, at: datetime) -> None:
        await self._c.update_one({"_id": review_id}, {"$set": {"closed": True, "closed_at": at}, "$inc": {"rev": 1}})

    async def reopen(self, review_id: str, audit: Doc) -> None:
        await self._c.update_one({"_id": review_id},
                                 {"$set": {"closed": False}, "$inc": {"rev": 1}, "$push": {"audit": audit}})


class MongoReminders:
    def __init__(self, store: JudgingStore) -> None:
        self._c = store.reminders
        self._firings = store.reminder_firings

    async def add(self, reminder: Doc, events: Sequence[Envelope]) -> Doc | None:
        if not await insert_new(self._c, [outbox.new_document(dict(reminder), *events)]):
            return None
        return await self._c.find_one({"_id": reminder["_id"]}, NO_OUTBOX)

    async def fire(self, firing: Doc, events: Sequence[Envelope]) -> bool:
        # The unique _id is the guard: a second replica, a restart or a later tick is refused.
        return not await insert_new(self._firings, [outbox.new_document(dict(firing), *events)])

    async def latest_for(self, judge_id: str, limit: int) -> list[Doc]:
        return await self._c.find({"judge_id": judge_id}, {"_id": 0, **OUTBOX_FIELDS}).sort(
            "at", -1).limit(limit).to_list()

    async def counts(self, contest_id: str) -> dict[str, int]:
        out: dict[str, int] = {}
        async for m in self._c.find({"contest_id": contest_id}, {"judge_id": 1}):
            out[m["judge_id"]] = out.get(m["judge_id"], 0) + 1
        return out


class MongoFeedback:
    def __init__(self, store: JudgingStore) -> None:
        self._c = store.feedback

    async def release(self, items: Sequence[tuple[Doc, Sequence[Envelope]]]) -> set[str]:
        return await _insert_with_events(self._c, items)


def mongo_repositories(store: JudgingStore) -> JudgingRepositories:
    return JudgingRepositories(judges=MongoJudges(store), contests=MongoContests(store), entries=MongoEntries(store),
                               rounds=MongoRounds(store), reviews=MongoReviews(store),
                               reminders=MongoReminders(store), feedback=MongoFeedback(store))


