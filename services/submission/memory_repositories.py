"""Submission's repositories in memory: the same protocols (``repositories``) over dictionaries,
for use-case tests that run in process without servers (beside the Mongo ones so ``mypy --strict``
checks both against the protocols).

Faithful where the use cases rely on it: documents are copied in and out; ``_id``s are unique,
and so are contests' codes and entries' receipt codes (a creation that collides stores nothing
and answers ``False``); compare-and-set answers whether ``rev``, ``revision`` or the status
matched and otherwise writes nothing; events reach the ``MemoryOutbox`` only with the change
that caused them; lists come in the documented order; a read never shows the versions where
the MongoDB projection leaves them out.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from services.submission.repositories import SubmissionRepositories, Tally
from shared.envelope import Envelope
from shared.memory_outbox import MemoryOutbox
from shared.mongo import Doc


def _copy(doc: Doc | None) -> Doc | None:
    return copy.deepcopy(doc) if doc is not None else None


def _drop(doc: Doc, *fields: str) -> Doc:
    return {k: copy.deepcopy(v) for k, v in doc.items() if k not in fields}


def _pick(doc: Doc, fields: Iterable[str]) -> Doc:
    return {"_id": doc["_id"], **{k: copy.deepcopy(doc[k]) for k in fields if k in doc}}


def _latest_first(rows: list[Doc], key: str) -> list[Doc]:
    """By ``key`` descending, missing values last (MongoDB sorts null lowest)."""
    dated = sorted((r for r in rows if r.get(key) is not None), key=lambda r: r[key], reverse=True)
    return dated + [r for r in rows if r.get(key) is None]


def _rev_matches(stored: Doc, entry: Doc) -> bool:
    """``rev`` as the caller read it; an entry read without one matches only one still without."""
    rev = entry.get("rev")
    return "rev" not in stored if rev is None else stored.get("rev") == rev


class MemoryContests:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.docs: dict[str, Doc] = {}
        self._outbox = outbox

    async def get(self, contest_id: str) -> Doc | None:
        return _copy(self.docs.get(contest_id))

    async def listing(self, *, include_drafts: bool) -> list[Doc]:
        return _latest_first([copy.deepcopy(c) for c in self.docs.values()
                              if include_drafts or c["status"] != "draft"], "opens_at")

    async def code_taken(self, code: str) -> bool:
        return any(c.get("code") == code for c in self.docs.values())

    async def create(self, contest: Doc, events: Sequence[Envelope]) -> bool:
        if contest["_id"] in self.docs or await self.code_taken(contest["code"]):
            return False
        self.docs[contest["_id"]] = copy.deepcopy(contest)
        self._outbox.add(events)
        return True

    async def save(self, revision: int, after: Doc, events: Sequence[Envelope]) -> bool:
        c = self.docs.get(after["_id"])
        if c is None or c.get("revision") != revision:
            return False
        if any(o.get("code") == after.get("code") for k, o in self.docs.items() if k != after["_id"]):
            raise AssertionError("the unique index on contests' code refuses this write")
        c.update(copy.deepcopy(after))
        self._outbox.add(events)
        return True

    async def mark_announced(self, contest_id: str) -> None:
        if contest_id in self.docs:
            self.docs[contest_id]["announced"] = True

    async def announced_among(self, ids: Collection[str]) -> list[str]:
        return [k for k, c in self.docs.items() if k in ids and c.get("announced") is True]

    async def close_round(self, contest_id: str, round_no: int) -> None:
        c = self.docs.get(contest_id)
        if c is not None and round_no not in c.setdefault("closed_rounds", []):
            c["closed_rounds"].append(round_no)

    async def reopen_round(self, contest_id: str, round_no: int) -> None:
        c = self.docs.get(contest_id)
        if c is not None:
            c["closed_rounds"] = [r for r in c.get("closed_rounds", []) if r != round_no]

    async def opened_by(self, at: datetime) -> list[str]:
        return [k for k, c in self.docs.items() if c["opens_at"] <= at]

    async def names(self, ids: Collection[str] | None = None) -> dict[str, str]:
        return {k: c["name"] for k, c in self.docs.items() if ids is None or k in ids}


class MemoryEntries:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.docs: dict[str, Doc] = {}
        self._outbox = outbox

    async def get(self, entry_id: str) -> Doc | None:
        return _copy(self.docs.get(entry_id))

    async def own(self, entry_id: str, owner_id: str) -> Doc | None:
        e = self.docs.get(entry_id)
        return _copy(e) if e is not None and e["owner_id"] == owner_id else None

    async def exists(self, entry_id: str) -> bool:
        return entry_id in self.docs

    async def of_owner(self, owner_id: str) -> list[Doc]:
        return _latest_first([_drop(e, "versions") for e in self.docs.values() if e["owner_id"] == owner_id],
                             "created_at")

    async def past_submission(self, entry_id: str) -> Doc | None:
        e = self.docs.get(entry_id)
        return _drop(e, "versions") if e is not None and e["status"] != "draft" else None

    async def for_judge_file(self, entry_id: str) -> Doc | None:
        e = self.docs.get(entry_id)
        return _pick(e, ("status", "in_judging", "versions")) if e is not None else None

    async def lists_file(self, entry_id: str, file_id: str) -> bool:
        return file_id in self.docs.get(entry_id, {}).get("file_ids", [])

    async def any_screened(self, contest_id: str) -> bool:
        return any(e["contest_id"] == contest_id and e["status"] not in ("draft", "submitted", "withdrawn")
                   for e in self.docs.values())

    async def tally(self, contest_id: str, by: Tally, *, excluding: Collection[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.docs.values():
            if e["contest_id"] == contest_id and e["status"] not in excluding:
                value: Any = e["status"] if by == "status" else e["fields"].get(
                    "category" if by == "category" else "author_unit")
                out[str(value)] = out.get(str(value), 0) + 1  # a missing value groups as null, as in MongoDB
        return out

    async def submitted_in(self, contest_ids: Collection[str], statuses: Collection[str]) -> list[Doc]:
        return [_drop(e, "versions", "history") for e in self.docs.values()
                if e["contest_id"] in contest_ids and e["status"] in statuses]

    async def create(self, entry: Doc, events: Sequence[Envelope]) -> bool:
        code = entry.get("code")
        if entry["_id"] in self.docs or (code is not None and any(e.get("code") == code for e in self.docs.values())):
            return False
        self.docs[entry["_id"]] = copy.deepcopy(entry)
        self._outbox.add(events)
        return True

    def _matching(self, entry: Doc) -> Doc | None:
        stored = self.docs.get(entry["_id"])
        return stored if stored is not None and _rev_matches(stored, entry) else None

    @staticmethod
    def _next_rev(stored: Doc) -> None:
        stored["rev"] = stored.get("rev", 0) + 1

    async def save_text(self, entry: Doc, fields: Doc, fields_hash: str, versions: list[Doc], at: datetime) -> bool:
        stored = self._matching(entry)
        if stored is None:
            return False
        stored.update(copy.deepcopy({"fields": fields, "fields_hash": fields_hash, "updated_at": at,
                                     "versions": versions}))
        self._next_rev(stored)
        return True

    async def save_attachments(self, entry: Doc, attachments: list[Doc], versions: list[Doc], at: datetime, *,
                               add_file: str | None = None) -> bool:
        stored = self._matching(entry)
        if stored is None:
            return False
        stored.update(copy.deepcopy({"attachments": attachments, "updated_at": at, "versions": versions}))
        if add_file is not None:
            stored.setdefault("file_ids", []).append(add_file)
        self._next_rev(stored)
        return True

    async def change_status(self, entry: Doc, status: str, at: datetime, fields: Doc,
                            events: Sequence[Envelope]) -> bool:
        stored = self._matching(entry)
        if stored is None:
            return False
        stored.update(copy.deepcopy({"status": status, **fields}))
        stored.setdefault("history", []).append({"status": status, "at": at})
        self._next_rev(stored)
        self._outbox.add(events)
        return True

    async def status_of(self, entry_id: str) -> str | None:
        e = self.docs.get(entry_id)
        return None if e is None else str(e["status"])

    async def move_status(self, entry_id: str, before: str, status: str, at: datetime, fields: Doc) -> bool:
        e = self.docs.get(entry_id)
        if e is None or e["status"] != before:
            return False
        e.update(copy.deepcopy({"status": status, "updated_at": at, **fields}))
        e.setdefault("history", []).append({"status": status, "at": at})
        return True

    async def screen(self, entry_id: str, before: str, fields: Doc, history: Doc, events: Sequence[Envelope]) -> bool:
        e = self.docs.get(entry_id)
        if e is None or e["status"] != before:
            return False
        e.update(copy.deepcopy(fields))
        e.pop("review_request", None)
        e.setdefault("history", []).append(copy.deepcopy(history))
        self._outbox.add(events)
        return True

    async def request_review(self, entry_id: str, request: Doc, at: datetime) -> bool:
        e = self.docs.get(entry_id)
        if e is None or e["status"] != "ineligible" or "review_request" in e:
            return False
        e.update(review_request=copy.deepcopy(request), updated_at=at)
        e.setdefault("history", []).append({"status": "review_requested", "at": at, "reason": request["reason"]})
        return True

    async def add_stored_bytes(self, entry_id: str, amount: int) -> None:
        e = self.docs.get(entry_id)
        if e is not None:
            e["stored_bytes"] = e.get("stored_bytes", 0) + amount


class MemoryFiles:
    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}
        self.blind_copies: dict[str, Doc] = {}

    async def add(self, file: Doc) -> bool:
        if file["_id"] in self.docs:
            return False
        self.docs[file["_id"]] = copy.deepcopy(file)
        return True

    async def get(self, file_id: str) -> Doc | None:
        return _copy(self.docs.get(file_id))

    async def of_entry(self, file_id: str, entry_id: str) -> Doc | None:
        f = self.docs.get(file_id)
        return _copy(f) if f is not None and f["entry_id"] == entry_id else None

    async def sizes(self, ids: Collection[str], entry_id: str) -> dict[str, int]:
        return {k: int(f.get("size", 0)) for k, f in self.docs.items() if k in ids and f["entry_id"] == entry_id}

    async def delete(self, ids: Collection[str]) -> None:
        for i in ids:
            self.docs.pop(i, None)
            self.blind_copies.pop(i, None)

    async def created_before(self, at: datetime) -> list[tuple[str, str]]:
        return [(k, f["entry_id"]) for k, f in self.docs.items() if f["created_at"] < at]

    async def blind(self, file_id: str) -> Doc | None:
        return _copy(self.blind_copies.get(file_id))

    async def keep_blind(self, copy_: Doc) -> None:
        self.blind_copies.setdefault(copy_["_id"], copy.deepcopy(copy_))


class MemoryCounters:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    async def next_seq(self, name: str) -> int:
        return await self.add(name, 1)

    async def add(self, name: str, amount: int) -> int:
        self.values[name] = self.values.get(name, 0) + amount
        return self.values[name]

    async def value(self, name: str) -> int:
        return self.values.get(name, 0)

    async def set_many(self, values: Mapping[str, int]) -> None:
        self.values.update(values)


class MemoryFingerprints:
    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}

    async def add(self, docs: Sequence[Doc]) -> None:
        for d in docs:
            self.docs.setdefault(d["_id"], copy.deepcopy(d))

    async def many(self, ids: Collection[str]) -> list[Doc]:
        return [copy.deepcopy(d) for k, d in self.docs.items() if k in ids]


class MemoryJudgingCopy:
    def __init__(self) -> None:
        self.rounds: dict[str, dict[str, list[str]]] = {}
        self.standings_by_id: dict[str, Doc] = {}
        self.feedback_by_entry: dict[str, Doc] = {}

    async def set_reviewers(self, entry_id: str, round_no: int, judge_ids: list[str]) -> None:
        self.rounds.setdefault(entry_id, {})[str(round_no)] = list(judge_ids)

    async def reviewers(self, entry_id: str) -> dict[str, list[str]]:
        return copy.deepcopy(self.rounds.get(entry_id, {}))

    async def keep_standing(self, standing: Doc) -> None:
        self.standings_by_id[standing["_id"]] = copy.deepcopy(standing)

    async def drop_standing(self, contest_id: str, round_no: int) -> None:
        self.standings_by_id.pop(f"{contest_id}:{round_no}", None)

    async def standings(self, contest_ids: Collection[str]) -> list[Doc]:
        return [copy.deepcopy(s) for s in self.standings_by_id.values() if s["contest_id"] in contest_ids]

    async def keep_feedback(self, feedback: Doc) -> None:
        self.feedback_by_entry[feedback["_id"]] = copy.deepcopy(feedback)

    async def feedback_of(self, entry_ids: Collection[str]) -> dict[str, Doc]:
        return {k: copy.deepcopy(f) for k, f in self.feedback_by_entry.items() if k in entry_ids}


class MemoryAdoptionCopy:
    def __init__(self) -> None:
        self.plans: dict[str, Doc] = {}

    async def plan(self, plan_id: str) -> Doc | None:
        return copy.deepcopy(self.plans.get(plan_id))

    async def keep_plan(self, plan: Doc) -> None:
        self.plans[plan["_id"]] = copy.deepcopy(plan)

    async def plans_of(self, entry_ids: Collection[str]) -> list[Doc]:
        return [copy.deepcopy(p) for _, p in sorted(self.plans.items()) if p.get("initiative_id") in entry_ids]


def memory_repositories(outbox: MemoryOutbox) -> SubmissionRepositories:
    return SubmissionRepositories(contests=MemoryContests(outbox), entries=MemoryEntries(outbox), files=MemoryFiles(),
                                  counters=MemoryCounters(), fingerprints=MemoryFingerprints(),
                                  judging=MemoryJudgingCopy(), adoption=MemoryAdoptionCopy())
