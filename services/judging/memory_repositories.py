"""Judging's repositories in memory: the same protocols (``repositories``) over dictionaries,
for use-case tests that run in process, in seconds, without Kafka or a database.

Kept beside the Mongo ones (not under ``tests/``) so ``mypy --strict services`` checks both
against the protocols. Faithful where the use cases rely on it: documents are copied in and
out (no aliasing), ``_id``s are unique, compare-and-set answers whether ``rev`` matched and
writes nothing (and queues no event) when it did not, reads return the fields the Mongo
projections return, in insertion order unless a sort is documented. Events go to a
``MemoryOutbox`` in the same step as the change.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from services.judging.repositories import JudgingRepositories, fresh_sheet
from services.judging.store import round_id
from shared.envelope import Envelope
from shared.memory_outbox import MemoryOutbox
from shared.mongo import Doc


def _pick(doc: Doc, fields: Iterable[str]) -> Doc:
    return {"_id": doc["_id"], **{k: copy.deepcopy(doc[k]) for k in fields if k in doc}}


def _drop(doc: Doc, *fields: str) -> Doc:
    return {k: copy.deepcopy(v) for k, v in doc.items() if k not in fields}


def _insert_new(docs: dict[str, Doc], items: Sequence[tuple[Doc, Sequence[Envelope]]],
                outbox: MemoryOutbox) -> set[str]:
    """Insert each document with its events unless its ``_id`` is stored; the ids skipped."""
    skipped = set()
    for doc, events in items:
        if doc["_id"] in docs:
            skipped.add(doc["_id"])
            continue
        docs[doc["_id"]] = copy.deepcopy(doc)
        outbox.add(events)
    return skipped


class MemoryJudges:
    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}

    async def save(self, judge_id: str, *, full_name: str, unit: str, categories: list[str], active: bool) -> None:
        self.docs.setdefault(judge_id, {"_id": judge_id}).update(
            full_name=full_name, unit=unit, categories=list(categories), active=active)

    async def deactivate(self, judge_id: str) -> None:
        if judge_id in self.docs:
            self.docs[judge_id]["active"] = False

    async def active(self, ids: Collection[str] | None = None) -> list[Doc]:
        return [copy.deepcopy(j) for _, j in sorted(self.docs.items())
                if j.get("active") is True and (ids is None or j["_id"] in ids)]

    async def active_by_name(self) -> list[Doc]:
        return sorted((copy.deepcopy(j) for j in self.docs.values() if j.get("active") is True),
                      key=lambda j: j.get("full_name", ""))

    async def names(self, ids: Collection[str] | None = None) -> dict[str, Doc]:
        return {k: _pick(j, ("full_name", "unit")) for k, j in self.docs.items() if ids is None or k in ids}


class MemoryContests:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.docs: dict[str, Doc] = {}
        self._outbox = outbox

    async def get(self, contest_id: str) -> Doc | None:
        c = self.docs.get(contest_id)
        return copy.deepcopy(c) if c is not None else None

    async def many(self, ids: Collection[str]) -> dict[str, Doc]:
        return {k: _pick(c, ("name", "round_deadlines")) for k, c in self.docs.items() if k in ids}

    async def listing(self) -> list[Doc]:
        rows = [_pick(c, ("name", "closes_at")) for c in self.docs.values()]
        with_date = sorted((r for r in rows if r.get("closes_at") is not None), key=lambda r: r["closes_at"],
                           reverse=True)
        return with_date + [r for r in rows if r.get("closes_at") is None]  # MongoDB: null sorts lowest

    async def revision(self, contest_id: str) -> int | None:
        c = self.docs.get(contest_id)
        return None if c is None else int(c.get("revision", 0))

    async def save_snapshot(self, contest_id: str, fields: Doc, *, on_insert: Doc) -> None:
        if contest_id not in self.docs:
            self.docs[contest_id] = {"_id": contest_id, **copy.deepcopy(on_insert)}
        self.docs[contest_id].update(copy.deepcopy(fields))

    async def replace_rubric(self, contest_id: str, rubric: Doc, *, previous: Doc) -> bool:
        c = self.docs.get(contest_id)
        if c is None or c.get("frozen") is True or c["rubric"]["version"] != previous["version"]:
            return False
        c["rubric"] = copy.deepcopy(rubric)
        c.setdefault("rubric_history", []).append(copy.deepcopy(previous))
        return True

    async def set_rules(self, contest_id: str, setup: Doc) -> bool:
        c = self.docs.get(contest_id)
        if c is None or c.get("frozen") is True:
            return False
        c["setup"] = copy.deepcopy(setup)
        return True

    def _set(self, contest_id: str, **fields: object) -> None:
        if contest_id in self.docs:
            self.docs[contest_id].update(copy.deepcopy(fields))

    async def set_panel(self, contest_id: str, panel: list[str] | None) -> None:
        self._set(contest_id, panel=panel)

    async def set_deadline(self, contest_id: str, round_no: int, deadline: datetime | None) -> None:
        if contest_id in self.docs:
            self.docs[contest_id].setdefault("round_deadlines", {})[f"r{round_no}"] = deadline

    async def set_reminder_days(self, contest_id: str, round_no: int, days: int) -> None:
        if contest_id in self.docs:
            self.docs[contest_id].setdefault("round_reminders", {})[f"r{round_no}"] = days

    async def set_feedback(self, contest_id: str, publish: bool) -> bool:
        c = self.docs.get(contest_id)
        if c is None or c.get("frozen") is True:
            return False
        c["publish_feedback"] = publish
        return True

    async def with_deadlines(self) -> list[Doc]:
        return [_pick(c, ("round_deadlines", "round_reminders")) for c in self.docs.values()
                if "round_deadlines" in c and c.get("announced") is not True]

    async def freeze_for_scoring(self, contest_id: str) -> None:
        self._set(contest_id, frozen=True, judging_status="scoring")

    async def set_judging_status(self, contest_id: str, status: str) -> None:
        self._set(contest_id, judging_status=status)

    async def mark_announced(self, contest_id: str) -> None:
        self._set(contest_id, announced=True)

    async def setup_published(self, contest_id: str, at: datetime, events: Sequence[Envelope]) -> None:
        if contest_id in self.docs:
            self.docs[contest_id]["setup_published_at"] = at
            self._outbox.add(events)

    async def unannounced_ids(self) -> list[str]:
        return [k for k, c in self.docs.items() if c.get("announced") is not True]


class MemoryEntries:
    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}

    async def insert_new(self, docs: Sequence[Doc]) -> set[str]:
        known = set()
        for d in docs:
            if d["_id"] in self.docs:
                known.add(d["_id"])
            else:
                self.docs[d["_id"]] = copy.deepcopy(d)
        return known

    async def update_known(self, entry_id: str, fields: Doc) -> bool:
        e = self.docs.get(entry_id)
        if e is None:
            return False
        e.update({k: copy.deepcopy(v) for k, v in fields.items() if k not in ("_id", "withdrawn")})
        return bool(e.get("withdrawn"))

    async def mark_withdrawn(self, entry_id: str, contest_id: str) -> None:
        self.docs.setdefault(entry_id, {"_id": entry_id}).update(withdrawn=True, contest_id=contest_id)

    async def eligible(self, contest_id: str, ids: Collection[str] | None = None) -> list[Doc]:
        return [_drop(e, "sections", "attachments") for e in self.docs.values()
                if e.get("contest_id") == contest_id and e.get("withdrawn") is False
                and (ids is None or e["_id"] in ids)]

    async def refs(self, ids: Collection[str]) -> dict[str, Doc]:
        return {k: _pick(e, ("conflict_unit", "category")) for k, e in self.docs.items() if k in ids}

    async def briefs(self, ids: Collection[str]) -> dict[str, Doc]:
        return {k: _pick(e, ("code", "title", "category")) for k, e in self.docs.items() if k in ids}

    async def blind(self, entry_id: str) -> Doc | None:
        e = self.docs.get(entry_id)
        return _drop(e, "conflict_unit") if e is not None else None


class MemoryRounds:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.docs: dict[str, Doc] = {}
        self._outbox = outbox

    async def get(self, contest_id: str, round_no: int) -> Doc | None:
        r = self.docs.get(round_id(contest_id, round_no))
        return copy.deepcopy(r) if r is not None else None

    async def of_contest(self, contest_id: str) -> list[Doc]:
        return sorted((copy.deepcopy(r) for r in self.docs.values() if r.get("contest_id") == contest_id),
                      key=lambda r: r["round_no"])

    async def release(self, contest_id: str, round_no: int, fields: Doc) -> Doc:
        rid = round_id(contest_id, round_no)
        rnd = self.docs.setdefault(rid, {"_id": rid})
        if rnd.get("released") is not True:
            rnd.update(copy.deepcopy(fields))
        return copy.deepcopy(rnd)

    async def close(self, contest_id: str, round_no: int, *, at: datetime, advancing: list[str],
                    totals: dict[str, float], events: Sequence[Envelope]) -> bool:
        rnd = self.docs.get(round_id(contest_id, round_no))
        if rnd is None or rnd.get("closed") is not False:
            return False
        rnd.update(closed=True, closed_at=at, advancing=list(advancing), totals=dict(totals))
        self._outbox.add(events)
        return True

    async def plan_next(self, contest_id: str, round_no: int, fields: Doc) -> None:
        rid = round_id(contest_id, round_no)
        if rid not in self.docs:
            self.docs[rid] = {"_id": rid, **copy.deepcopy(fields)}

    async def reopen(self, contest_id: str, round_no: int, history: Doc, events: Sequence[Envelope]) -> bool:
        rnd = self.docs.get(round_id(contest_id, round_no))
        if rnd is None or rnd.get("closed") is not True:
            return False
        rnd.update(closed=False, advancing=[], totals={})
        rnd.setdefault("history", []).append(copy.deepcopy(history))
        self._outbox.add(events)
        return True

    async def discard_unreleased(self, contest_id: str, round_no: int) -> None:
        rid = round_id(contest_id, round_no)
        if rid in self.docs and self.docs[rid].get("released") is not True:
            del self.docs[rid]

    async def latest_released(self, contests: int) -> list[tuple[str, int]]:
        latest: dict[str, int] = {}
        for r in sorted((r for r in self.docs.values() if r.get("released") is True),
                        key=lambda r: r["released_at"], reverse=True):
            if len(latest) < contests:
                latest.setdefault(r["contest_id"], r["round_no"])
        return list(latest.items())


class MemoryReviews:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.docs: dict[str, Doc] = {}
        self._outbox = outbox

    def _where(self, **conditions: object) -> list[Doc]:
        return [r for r in self.docs.values() if all(r.get(k) == v for k, v in conditions.items())]

    async def insert_new(self, reviews: Sequence[tuple[Doc, Sequence[Envelope]]]) -> set[str]:
        return _insert_new(self.docs, reviews, self._outbox)

    async def get(self, review_id: str) -> Doc | None:
        r = self.docs.get(review_id)
        return copy.deepcopy(r) if r is not None else None

    async def for_judge(self, review_id: str, judge_id: str) -> Doc | None:
        r = self.docs.get(review_id)
        return copy.deepcopy(r) if r is not None and judge_id in r["judge_ids"] else None

    async def of_judge(self, judge_id: str) -> list[Doc]:
        return [_drop(r, "audit") for r in self.docs.values()
                if judge_id in r["judge_ids"] and r.get("withdrawn") is not True]

    async def moves_of(self, judge_id: str) -> list[Doc]:
        return [_pick(r, ("entry_id", "audit", "judge_ids")) for r in self.docs.values()
                if r.get("closed") is not True
                and any(judge_id in a.get("added", ()) or judge_id in a.get("removed", ()) for a in r["audit"])]

    async def open_rounds_of(self, judge_id: str) -> set[tuple[str, int]]:
        return {(r["contest_id"], r["round_no"]) for r in self.docs.values() if judge_id in r["judge_ids"]
                and r.get("closed") is not True and r.get("withdrawn") is not True}

    async def has_work(self, contest_id: str, judge_id: str) -> bool:
        return any(judge_id in r["judge_ids"] for r in self._where(contest_id=contest_id))

    async def assignments(self, contest_id: str, round_no: int) -> list[Doc]:
        return [_pick(r, ("entry_id", "judge_ids", "withdrawn"))
                for r in self._where(contest_id=contest_id, round_no=round_no)]

    async def open_in_round(self, contest_id: str, round_no: int) -> list[Doc]:
        return [copy.deepcopy(r) for r in self._where(contest_id=contest_id, round_no=round_no)
                if r.get("withdrawn") is not True and r.get("closed") is not True]

    async def in_round(self, contest_id: str, round_no: int) -> list[Doc]:
        return [_drop(r, "audit") for r in self._where(contest_id=contest_id, round_no=round_no)
                if r.get("withdrawn") is not True]

    async def results(self, contest_id: str, round_no: int) -> list[Doc]:
        return [_pick(r, ("entry_id", "result")) for r in self._where(contest_id=contest_id, round_no=round_no)
                if r.get("withdrawn") is not True]

    async def scored_in_contest(self, contest_id: str) -> list[Doc]:
        return [_pick(r, ("entry_id", "round_no", "sheets", "result")) for r in self._where(contest_id=contest_id)
                if r.get("withdrawn") is not True and r.get("result")]

    async def ids_in_round(self, contest_id: str, round_no: int, *, closed: bool) -> list[str]:
        return [r["_id"] for r in self._where(contest_id=contest_id, round_no=round_no)
                if (r.get("closed") is True) == closed]

    async def of_entry(self, entry_id: str) -> list[str]:
        return [r["_id"] for r in self._where(entry_id=entry_id) if r.get("withdrawn") is not True]

    async def audits(self, contest_id: str, entry_id: str | None = None) -> list[Doc]:
        return [_pick(r, ("entry_id", "round_no", "audit")) for r in self._where(contest_id=contest_id)
                if not entry_id or r["entry_id"] == entry_id]

    async def declare(self, review_id: str, judge_id: str, at: datetime) -> None:
        r = self.docs.get(review_id)
        if r is None or judge_id in r["declarations"]:
            return
        r["declarations"][judge_id] = at
        r["rev"] += 1
        r["audit"].append({"kind": "declaration", "at": at, "by": judge_id})

    def _matching(self, review: Doc, *, only_open: bool = True) -> Doc | None:
        r = self.docs.get(review["_id"])
        if r is None or r["rev"] != review["rev"]:
            return None
        if only_open and (r.get("closed") is True or r.get("withdrawn") is True):
            return None
        return r

    async def move_judges(self, review: Doc, judge_ids: list[str], audit: Doc, events: Sequence[Envelope], *,
                          exclude: str | None = None, drop_result: bool = False) -> bool:
        r = self._matching(review)
        if r is None:
            return False
        old = r["judge_ids"]
        r["sheets"] = {**{j: s for j, s in r["sheets"].items() if j in judge_ids},
                       **{j: fresh_sheet() for j in judge_ids if j not in old}}
        r["judge_ids"] = list(judge_ids)
        r["rev"] = review["rev"] + 1
        r["audit"].append(copy.deepcopy(audit))
        if exclude is not None:
            r["excluded"].append(exclude)
        if drop_result:
            r.pop("result", None)
        self._outbox.add(events)
        return True

    async def save_sheet(self, review: Doc, judge_id: str, sheet: Doc, audit: Doc, result: Doc | None,
                         events: Sequence[Envelope]) -> bool:
        r = self._matching(review)
        if r is None:
            return False
        r["sheets"][judge_id] = copy.deepcopy(sheet)
        r["rev"] = review["rev"] + 1
        r["audit"].append(copy.deepcopy(audit))
        if result is not None:
            r["result"] = copy.deepcopy(result)
        self._outbox.add(events)
        return True

    async def set_pins(self, review: Doc, pinned: list[str], audit: Doc) -> bool:
        r = self._matching(review, only_open=False)
        if r is None:
            return False
        r.update(pinned=list(pinned), rev=review["rev"] + 1)
        r["audit"].append(copy.deepcopy(audit))
        return True

    async def withdraw(self, review_id: str, reason: str) -> None:
        if (r := self.docs.get(review_id)) is not None:
            r.update(withdrawn=True, withdrawn_reason=reason, rev=r["rev"] + 1)

    async def close(self, review_id: str, at: datetime) -> None:
        if (r := self.docs.get(review_id)) is not None:
            r.update(closed=True, closed_at=at, rev=r["rev"] + 1)

    async def reopen(self, review_id: str, audit: Doc) -> None:
        if (r := self.docs.get(review_id)) is not None:
            r.update(closed=False, rev=r["rev"] + 1)
            r["audit"].append(copy.deepcopy(audit))


class MemoryReminders:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.docs: list[Doc] = []
        self.firings: dict[str, Doc] = {}
        self._outbox = outbox

    async def add(self, reminder: Doc, events: Sequence[Envelope]) -> Doc | None:
        for known in self.docs:
            if known["_id"] == reminder["_id"]:
                return copy.deepcopy(known)
        self.docs.append(copy.deepcopy(reminder))
        self._outbox.add(events)
        return None

    async def fire(self, firing: Doc, events: Sequence[Envelope]) -> bool:
        if firing["_id"] in self.firings:
            return False
        self.firings[firing["_id"]] = copy.deepcopy(firing)
        self._outbox.add(events)
        return True

    async def latest_for(self, judge_id: str, limit: int) -> list[Doc]:
        mine = sorted((m for m in self.docs if m["judge_id"] == judge_id), key=lambda m: m["at"], reverse=True)
        return [_drop(m, "_id") for m in mine[:limit]]

    async def counts(self, contest_id: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for m in self.docs:
            if m["contest_id"] == contest_id:
                out[m["judge_id"]] = out.get(m["judge_id"], 0) + 1
        return out


class MemoryFeedback:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.docs: dict[str, Doc] = {}
        self._outbox = outbox

    async def release(self, items: Sequence[tuple[Doc, Sequence[Envelope]]]) -> set[str]:
        return _insert_new(self.docs, items, self._outbox)


def memory_repositories(outbox: MemoryOutbox) -> JudgingRepositories:
    return JudgingRepositories(judges=MemoryJudges(), contests=MemoryContests(outbox), entries=MemoryEntries(),
                               rounds=MemoryRounds(outbox), reviews=MemoryReviews(outbox),
                               reminders=MemoryReminders(outbox), feedback=MemoryFeedback(outbox))
