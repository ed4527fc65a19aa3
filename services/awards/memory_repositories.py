"""Awards' repositories in memory: the same protocols (``repositories``) over dictionaries, for
use-case tests that run in process without servers (beside the Mongo ones so ``mypy --strict``
checks both against the protocols).

Faithful where the use cases rely on it: documents are copied in and out, ``_id``s are unique
(a status fact or a stored result is never overwritten), compare-and-set answers whether
``rev`` matched and then writes nothing, the announcement queues its events in a
``MemoryOutbox`` only when it happened; lists come in the documented order.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from services.awards.repositories import AwardsRepositories
from shared.envelope import Envelope
from shared.memory_outbox import MemoryOutbox
from shared.mongo import Doc


def _pick(doc: Doc, fields: Iterable[str]) -> Doc:
    return {"_id": doc["_id"], **{k: copy.deepcopy(doc[k]) for k in fields if k in doc}}


def _drop(doc: Doc, *fields: str) -> Doc:
    return {k: copy.deepcopy(v) for k, v in doc.items() if k not in fields}


def _latest_first(rows: list[Doc], key: str) -> list[Doc]:
    """By ``key`` descending, missing values last (MongoDB sorts null lowest)."""
    dated = sorted((r for r in rows if r.get(key) is not None), key=lambda r: r[key], reverse=True)
    return dated + [r for r in rows if r.get(key) is None]


class MemoryContests:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.docs: dict[str, Doc] = {}
        self._outbox = outbox

    def _upsert(self, contest_id: str, fields: Doc, on_insert: Doc) -> None:
        if contest_id not in self.docs:
            self.docs[contest_id] = {"_id": contest_id, **copy.deepcopy(on_insert)}
        self.docs[contest_id].update(copy.deepcopy(fields))

    async def get(self, contest_id: str) -> Doc | None:
        c = self.docs.get(contest_id)
        return copy.deepcopy(c) if c is not None else None

    async def revision(self, contest_id: str) -> int | None:
        c = self.docs.get(contest_id)
        return None if c is None else int(c.get("revision", 0))

    async def save_snapshot(self, contest_id: str, fields: Doc, *, on_insert: Doc) -> None:
        self._upsert(contest_id, fields, on_insert)

    async def is_announced(self, contest_id: str) -> bool:
        return bool(self.docs.get(contest_id, {}).get("announced"))

    async def judging_closed(self, contest_id: str, fields: Doc, *, on_insert: Doc) -> None:
        self._upsert(contest_id, fields, on_insert)

    async def judging_reopened(self, contest_id: str, audit: Doc) -> None:
        c = self.docs.get(contest_id)
        if c is None:
            return
        c["judging_closed"] = False
        c.pop("approval", None)
        c["rev"] = c.get("rev", 0) + 1
        c.setdefault("audit", []).append(copy.deepcopy(audit))

    async def keep_setup(self, contest_id: str, snapshot: Doc, *, on_insert: Doc) -> None:
        known = self.docs.get(contest_id, {}).get("judging_setup")
        if known is None or known["as_of"] < snapshot["as_of"]:
            self._upsert(contest_id, {"judging_setup": snapshot}, on_insert)

    async def revise(self, contest: Doc, fields: Doc, audit: Doc, *, drop_approval: bool) -> bool:
        c = self.docs.get(contest["_id"])
        if c is None or c.get("announced") is True or c.get("rev") != contest.get("rev"):
            return False
        c.update(copy.deepcopy(fields))
        c.setdefault("audit", []).append(copy.deepcopy(audit))
        c["rev"] = c.get("rev", 0) + 1
        if drop_approval:
            c.pop("approval", None)
        return True

    async def announce(self, contest_id: str, result_hash: str, at: datetime, audit: Doc,
                       events: Sequence[Envelope]) -> bool:
        c = self.docs.get(contest_id)
        if c is None or c.get("announced") is True or (c.get("approval") or {}).get("result_hash") != result_hash:
            return False
        c.update(announced=True, announced_at=at, result_hash=result_hash, rev=c.get("rev", 0) + 1)
        c.setdefault("audit", []).append(copy.deepcopy(audit))
        self._outbox.add(events)
        return True

    async def listing(self, *, named_only: bool = False) -> list[Doc]:
        return _latest_first([_pick(c, ("name", "closes_at")) for c in self.docs.values()
                              if not named_only or "name" in c], "closes_at")

    async def announced(self) -> list[Doc]:
        return _latest_first([_pick(c, ("name", "code", "issuing_body", "announced_at", "result_hash"))
                              for c in self.docs.values()
                              if c.get("announced") is True], "announced_at")


class MemoryEntries:
    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}

    def _doc(self, entry_id: str) -> Doc:
        return self.docs.setdefault(entry_id, {"_id": entry_id})

    async def save_authors(self, entry_id: str, fields: Doc) -> None:
        self._doc(entry_id).update(copy.deepcopy(fields))

    async def record_score(self, entry_id: str, contest_id: str, round_no: int, record: Doc) -> None:
        d = self._doc(entry_id)
        d["contest_id"] = contest_id
        d.setdefault("rounds", {})[f"r{round_no}"] = copy.deepcopy(record)

    async def record_late_score(self, entry_id: str, round_no: int, record: Doc) -> None:
        self._doc(entry_id).setdefault("late_scores", {})[f"r{round_no}"] = copy.deepcopy(record)

    async def status_at(self, entry_id: str) -> datetime | None:
        at: Any = self.docs.get(entry_id, {}).get("status_at")
        return at if isinstance(at, datetime) else None

    async def set_excluded(self, entry_id: str, contest_id: str, excluded: bool, at: datetime) -> None:
        self._doc(entry_id).update(excluded=excluded, status_at=at, contest_id=contest_id)

    async def scored(self, contest_id: str) -> list[Doc]:
        return [copy.deepcopy(d) for d in self.docs.values() if d.get("contest_id") == contest_id and "rounds" in d]

    async def any_scored(self, contest_id: str) -> Doc | None:
        found = await self.scored(contest_id)
        return found[0] if found else None

    async def many(self, ids: Collection[str]) -> dict[str, Doc]:
        return {k: copy.deepcopy(d) for k, d in self.docs.items() if k in ids}

    async def public(self, ids: Collection[str]) -> dict[str, Doc]:
        return {k: _drop(d, "rounds", "late_scores") for k, d in self.docs.items() if k in ids}

    async def public_one(self, entry_id: str) -> Doc | None:
        d = self.docs.get(entry_id)
        return _drop(d, "rounds", "late_scores") if d is not None else None

    async def owned_by(self, account_id: str) -> list[Doc]:
        return [_drop(d, "rounds", "late_scores") for d in self.docs.values()
                if d.get("owner_account_id") == account_id]

    async def late(self, contest_id: str) -> list[Doc]:
        return [_pick(d, ("code", "title", "late_scores")) for d in self.docs.values()
                if d.get("contest_id") == contest_id and "late_scores" in d]


class MemoryStatuses:
    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}

    async def add(self, facts: Sequence[Doc]) -> None:
        for f in facts:
            self.docs.setdefault(f["_id"], copy.deepcopy(f))

    async def of_contest(self, contest_id: str) -> list[Doc]:
        return [_pick(f, ("entry_id", "status", "unit", "category", "author_group", "at")) for f in self.docs.values()
                if f["contest_id"] == contest_id]


class MemoryAdoption:
    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}

    async def add(self, fact: Doc) -> None:
        self.docs.setdefault(fact["_id"], copy.deepcopy(fact))

    async def of_initiatives(self, entry_ids: Collection[str]) -> list[Doc]:
        plans = {d["plan_id"] for d in self.docs.values()
                 if d["kind"] == "published" and d.get("initiative_id") in entry_ids}
        return [copy.deepcopy(d) for d in self.docs.values() if d["plan_id"] in plans]


class MemoryResults:
    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}

    async def keep(self, contest_id: str, result_hash: str, *, inputs_sha256: str, inputs: bytes, result: bytes,
                   at: datetime) -> None:
        self.docs.setdefault(f"{contest_id}:{result_hash}", {
            "contest_id": contest_id, "result_hash": result_hash, "inputs_sha256": inputs_sha256, "inputs": inputs,
            "result": result, "created_at": at})

    async def get(self, contest_id: str, result_hash: str) -> tuple[bytes, bytes] | None:
        doc = self.docs.get(f"{contest_id}:{result_hash}")
        return None if doc is None else (doc["result"], doc["inputs"])


def memory_repositories(outbox: MemoryOutbox) -> AwardsRepositories:
    return AwardsRepositories(contests=MemoryContests(outbox), entries=MemoryEntries(), statuses=MemoryStatuses(),
                              results=MemoryResults(), adoption=MemoryAdoption())
