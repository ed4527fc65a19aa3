"""Submission's use cases: contests, drafts, submission, screening, and statuses fed by events.

Every state change is one single-document write that also queues its events (outbox), so a
contest or an entry and what the other services hear about it can never disagree.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException

from services.submission.domain.contest_rules import ContestRules, window_state
from services.submission.domain.initiative import (
    InitiativeForm,
    TransitionError,
    Version,
    apply_status,
    next_version,
    receipt_code,
    validate_draft,
    validate_for_submission,
    version_at,
)
from services.submission.domain.messages import ValidationError
from services.submission.settings import SubmissionSettings
from services.submission.store import SubmissionStore
from shared import outbox
from shared.auth import Principal
from shared.envelope import Envelope, EventPayload
from shared.events.authors import Author, EntryAuthorsRecorded
from shared.events.contests import Category, ContestClosed, ContestOpened
from shared.events.entries import EntryBecameEligible, Sections
from shared.events.statuses import EntryStatusChanged
from shared.mongo import Doc


class FieldErrors(HTTPException):
    """422 with ``{"detail": ..., "errors": {field: message}}`` in the user's language."""

    def __init__(self, errors: dict[str, str], status_code: int = 422, detail: str = "Dữ liệu không hợp lệ.") -> None:
        super().__init__(status_code, detail={"detail": detail, "errors": errors})


def conflict_unit(unit: str) -> str:
    """The unit as judging compares it: case, spacing and Unicode form do not matter."""
    import unicodedata

    return " ".join(unicodedata.normalize("NFC", unit).casefold().split())


def rules_of(contest: Doc) -> ContestRules:
    return ContestRules(
        opens_at=contest["opens_at"],
        closes_at=contest["closes_at"],
        max_coauthors=contest.get("max_coauthors", 5),
        categories=tuple(c["key"] for c in contest["categories"]),
    )


def _versions(entry: Doc) -> list[Version]:
    return [
        Version(v["number"], v["saved_at"], v["fields_hash"], InitiativeForm.from_mapping(v["fields"]))
        for v in entry.get("versions", [])
    ]


@dataclass
class SubmissionService:
    store: SubmissionStore
    settings: SubmissionSettings

    def _env(self, payload: EventPayload) -> Envelope:
        return Envelope.wrap(payload, producer=self.settings.service_name)

    # ------------------------------------------------------------ contests

    def _contest_event(self, cls: type[ContestOpened] | type[ContestClosed], c: Doc) -> Envelope:
        return self._env(cls(
            contest_id=c["_id"], code=c["code"], name=c["name"], issuing_body=c["issuing_body"],
            categories=[Category(key=x["key"], name=x["name"]) for x in c["categories"]],
            opens_at=c["opens_at"], closes_at=c["closes_at"], status=c["status"],
            max_coauthors=c["max_coauthors"], revision=c["revision"],
        ))

    async def create_contest(self, by: Principal, data: dict[str, Any]) -> Doc:
        contest: Doc = {
            "_id": uuid.uuid4().hex[:12],
            **data,
            "status": "open",
            "revision": 1,
            "created_by": by.account_id,
            "created_at": datetime.now(UTC),
        }
        try:
            rules_of(contest)
        except ValidationError as exc:
            raise FieldErrors(exc.messages()) from exc
        existing = await self.store.contests.find_one({"code": contest["code"]})
        if existing is not None:
            raise FieldErrors({"code": "Mã cuộc thi đã tồn tại."}, status_code=409)
        await self.store.contests.insert_one(outbox.new_document(contest, self._contest_event(ContestOpened, contest)))
        return contest

    async def contest(self, contest_id: str) -> Doc:
        c = await self.store.contests.find_one({"_id": contest_id}, {outbox.OUTBOX: 0})
        if c is None:
            raise HTTPException(404, detail="Không tìm thấy cuộc thi.")
        return c

    async def contests(self) -> list[Doc]:
        return await self.store.contests.find({}, {outbox.OUTBOX: 0}).sort("opens_at", -1).to_list()

    async def close_contest(self, contest_id: str) -> Doc:
        c = await self.contest(contest_id)
        if c["status"] == "closed":
            raise HTTPException(409, detail="Cuộc thi đã đóng.")
        now = datetime.now(UTC)
        c.update(status="closed", revision=c["revision"] + 1, closes_at=min(c["closes_at"], now))
        res = await self.store.contests.update_one(
            {"_id": contest_id, "revision": c["revision"] - 1},
            outbox.with_events({"$set": {"status": "closed", "revision": c["revision"], "closes_at": c["closes_at"]}},
                               self._contest_event(ContestClosed, c)),
        )
        if not res.matched_count:
            raise HTTPException(409, detail="Cuộc thi vừa được người khác thay đổi, vui lòng tải lại.")
        return c

    async def counts(self, contest_id: str) -> dict[str, dict[str, int]]:
        """Live counts by status, category and unit (``$group`` with ``$sum`` only: FerretDB)."""
        out: dict[str, dict[str, int]] = {}
        for name, path in (("status", "$status"), ("category", "$fields.category"), ("unit", "$fields.author_unit")):
            match = {"contest_id": contest_id} if name == "status" else {
                "contest_id": contest_id, "status": {"$nin": ["draft", "withdrawn"]}}
            cursor = await self.store.entries.aggregate(
                [{"$match": match}, {"$group": {"_id": path, "n": {"$sum": 1}}}])
            out[name] = {str(d["_id"]): int(d["n"]) async for d in cursor}
        return out

    # ------------------------------------------------------------ entries

    async def own_entry(self, user: Principal, entry_id: str) -> Doc:
        """The participant's own entry; anyone else's is reported as not found (no probing)."""
        e = await self.store.entries.find_one({"_id": entry_id, "owner_id": user.account_id}, {outbox.OUTBOX: 0})
        if e is None:
            raise HTTPException(404, detail="Không tìm thấy sáng kiến.")
        return e

    async def my_entries(self, user: Principal) -> list[Doc]:
        return await self.store.entries.find(
            {"owner_id": user.account_id}, {outbox.OUTBOX: 0, "versions": 0}
        ).sort("created_at", -1).to_list()

    async def save_draft(self, user: Principal, contest_id: str, entry_id: str | None, raw: dict[str, Any]) -> Doc:
        contest = await self.contest(contest_id)
        rules = rules_of(contest)
        now = datetime.now(UTC)
        if window_state(rules, contest["status"], now) != "open":
            raise HTTPException(409, detail="Cuộc thi không trong thời gian nhận hồ sơ.")
        errors = validate_draft(raw, rules)
        if errors:
            raise FieldErrors(errors)
        form = InitiativeForm.from_mapping(raw)
        if entry_id is None:
            seq = await self.store.next_seq(f"entry:{contest['code']}")
            code = receipt_code(contest["code"], seq, self.settings.secret_key.encode())
            version = next_version([], form, now)
            assert version is not None
            doc: Doc = {
                "_id": uuid.uuid4().hex,
                "contest_id": contest_id,
                "code": code,
                "owner_id": user.account_id,
                "owner_name": user.full_name,
                "owner_email": user.email,
                "status": "draft",
                "fields": form.to_dict(),
                "versions": [_version_doc(version, submitted=False)],
                "history": [{"status": "draft", "at": now}],
                "created_at": now,
                "updated_at": now,
            }
            await self.store.entries.insert_one(doc)
            return doc
        entry = await self.own_entry(user, entry_id)
        if entry["contest_id"] != contest_id:
            raise HTTPException(404, detail="Không tìm thấy sáng kiến.")
        if entry["status"] not in ("draft", "submitted"):
            raise HTTPException(409, detail="Sáng kiến không thể sửa ở trạng thái hiện tại.")
        version = next_version(_versions(entry), form, now)
        if version is None:
            return entry
        update: Doc = {"$set": {"fields": form.to_dict(), "updated_at": now},
                       "$push": {"versions": _version_doc(version, submitted=entry["status"] == "submitted")}}
        if entry["status"] == "submitted":
            full = validate_for_submission(raw, rules)
            if full:
                raise FieldErrors(full)  # a submitted entry may be edited, but never made incomplete
        await self.store.entries.update_one({"_id": entry_id, "owner_id": user.account_id}, update)
        entry["fields"] = form.to_dict()
        return entry

    async def submit(self, user: Principal, entry_id: str) -> Doc:
        entry = await self.own_entry(user, entry_id)
        contest = await self.contest(entry["contest_id"])
        rules = rules_of(contest)
        now = datetime.now(UTC)
        is_open = window_state(rules, contest["status"], now) == "open"
        errors = validate_for_submission(entry["fields"], rules)
        if errors:
            raise FieldErrors(errors)
        try:
            status = apply_status(entry["status"], "submitted", window_open=is_open)
        except TransitionError as exc:
            raise HTTPException(409, detail=exc.message("vi")) from exc
        event = self._status_event(entry, "submitted", now)
        await self.store.entries.update_one(
            {"_id": entry_id, "status": entry["status"]},
            outbox.with_events({"$set": {"status": status, "submitted_at": now, "updated_at": now},
                                "$push": {"history": {"status": status, "at": now}}}, event),
        )
        entry.update(status=status, submitted_at=now)
        return entry

    def _status_event(self, entry: Doc, status: str, now: datetime, reason: str = "") -> Envelope:
        return self._env(EntryStatusChanged(
            entry_id=entry["_id"], contest_id=entry["contest_id"], category=entry["fields"].get("category", ""),
            unit=entry["fields"].get("author_unit", ""), status=status, reason=reason, at=now))

    # ------------------------------------------------------------ screening

    async def screening_queue(self, contest_id: str) -> list[Doc]:
        return await self.store.entries.find(
            {"contest_id": contest_id, "status": {"$in": ["submitted", "eligible", "ineligible"]}},
            {outbox.OUTBOX: 0, "versions": 0},
        ).sort("submitted_at", 1).to_list()

    async def screen(self, by: Principal, entry_id: str, eligible: bool, reason: str) -> Doc:
        entry = await self.store.entries.find_one({"_id": entry_id}, {outbox.OUTBOX: 0})
        if entry is None:
            raise HTTPException(404, detail="Không tìm thấy sáng kiến.")
        contest = await self.contest(entry["contest_id"])
        now = datetime.now(UTC)
        if window_state(rules_of(contest), contest["status"], now) != "closed":
            raise HTTPException(409, detail="Chỉ sàng lọc sau khi hết hạn nhận hồ sơ.")
        if not eligible and len(reason.strip()) < 5:
            raise FieldErrors({"reason": "Cần ghi rõ lý do không hợp lệ."})
        if entry["status"] != "submitted":
            raise HTTPException(409, detail="Sáng kiến đã được sàng lọc hoặc không ở trạng thái đã nộp.")
        status = "eligible" if eligible else "ineligible"
        events = [self._status_event(entry, status, now, reason.strip())]
        if eligible:
            events += self._eligible_events(entry, contest)
        await self.store.entries.update_one(
            {"_id": entry_id, "status": "submitted"},
            outbox.with_events({"$set": {"status": status, "screening": {"eligible": eligible, "reason": reason.strip(),
                                                                         "by": by.account_id, "at": now}},
                                "$push": {"history": {"status": status, "at": now, "reason": reason.strip()}}},
                               *events),
        )
        entry["status"] = status
        return entry

    def _eligible_events(self, entry: Doc, contest: Doc) -> list[Envelope]:
        """Judging gets the version that stood at the deadline, without the authors."""
        version = version_at(_versions(entry), contest["closes_at"])
        if version is None:
            raise HTTPException(409, detail="Không có phiên bản nào trước hạn chót.")
        f = version.fields
        blind = EntryBecameEligible(
            entry_id=entry["_id"], contest_id=entry["contest_id"], code=entry["code"], title=f.title,
            category=f.category,
            sections=Sections(current_situation=f.current_situation, solution=f.solution, novelty=f.novelty,
                              effectiveness=f.effectiveness, applicability=f.applicability, cost=f.cost),
            attachments=[], version=version.number, submitted_at=entry["submitted_at"],
            conflict_unit=conflict_unit(f.author_unit),
        )
        authors = [Author(full_name=entry["owner_name"], unit=f.author_unit, contribution_pct=f.main_author_share)]
        authors += [Author(full_name=c.full_name, unit=c.unit, position=c.position, contribution_pct=c.contribution_pct)
                    for c in f.co_authors]
        named = EntryAuthorsRecorded(
            entry_id=entry["_id"], contest_id=entry["contest_id"], code=entry["code"],
            owner_account_id=entry["owner_id"], title=f.title, category=f.category, unit=f.author_unit,
            summary=f.solution[:600], authors=authors, submitted_at=entry["submitted_at"],
        )
        return [self._env(blind), self._env(named)]

    # ------------------------------------------------------------ statuses from other services

    async def apply_external_status(self, entry_id: str, status: str, extra: Doc | None = None) -> None:
        """Judging and awards move an entry on; late or repeated events never move it back."""
        entry = await self.store.entries.find_one({"_id": entry_id}, {"status": 1})
        if entry is None:
            return
        try:
            new = apply_status(entry["status"], status)
        except TransitionError:
            return
        if new == entry["status"] and not extra:
            return
        now = datetime.now(UTC)
        await self.store.entries.update_one(
            {"_id": entry_id, "status": entry["status"]},
            {"$set": {"status": new, "updated_at": now, **(extra or {})},
             "$push": {"history": {"status": new, "at": now}}},
        )


def _version_doc(v: Version, *, submitted: bool) -> Doc:
    return {"number": v.number, "saved_at": v.saved_at, "fields_hash": v.fields_hash, "fields": v.fields.to_dict(),
            "submitted": submitted}
