"""Contests: create, change, open, extend, close, counts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from services.submission.core import (
    CHANGED_MEANWHILE,
    CODE_TAKEN,
    ContestEvent,
    FieldErrors,
    SubmissionCore,
    field_errors,
    rules_of,
    tr,
)
from services.submission.domain.contest_rules import (
    extend_deadline,
)
from services.submission.domain.messages import Lang, ValidationError
from services.submission.messages import field_messages
from services.submission.repositories import Tally
from shared.auth import Principal
from shared.envelope import Envelope
from shared.errors import Conflict
from shared.events.contests import Category, ContestClosed, ContestDeadlineExtended, ContestOpened, ContestUpdated
from shared.idempotency import derived_id
from shared.mongo import Doc

log = structlog.get_logger(__name__)

TALLIES: tuple[Tally, ...] = ("status", "category", "unit")


class ContestsPart(SubmissionCore):
    """Contests: create, change, open, extend, close, counts."""

    def _contest_event(self, cls: ContestEvent, c: Doc) -> Envelope:
        return self._env(cls(**self._contest_payload(c)))

    def _contest_payload(self, c: Doc) -> dict[str, Any]:
        rules = rules_of(c)
        return dict(
            contest_id=c["_id"], code=c["code"], name=c["name"], issuing_body=c["issuing_body"],
            categories=[Category(key=x["key"], name=x["name"]) for x in c["categories"]],
            opens_at=c["opens_at"], closes_at=c["closes_at"], status=c["status"],
            max_coauthors=c["max_coauthors"], revision=c["revision"], description=c.get("description", ""),
            rules_text=c.get("rules_text", ""), eligible_groups=list(c.get("eligible_groups", [])),
            allowed_types=sorted(rules.allowed_types), max_file_bytes=rules.max_file_bytes, max_files=rules.max_files,
        )

    @staticmethod
    def _check_rules(contest: Doc, lang: Lang) -> None:
        try:
            rules_of(contest)
        except ValidationError as exc:
            raise FieldErrors(field_messages(exc.issues, lang), lang=lang) from exc

    async def create_contest(self, by: Principal, data: dict[str, Any], lang: Lang = "vi",
                             idempotency_key: str | None = None) -> Doc:
        status = data.pop("status", "open")
        contest_id = derived_id("contest", by.account_id, idempotency_key, length=12) if idempotency_key \
            else uuid.uuid4().hex[:12]
        if idempotency_key:
            first = await self.repos.contests.get(contest_id)
            if first is not None:
                return first  # a retry of a creation that happened
        contest: Doc = {"_id": contest_id, **data, "status": status, "revision": 1,
                        "extensions": [], "created_by": by.account_id, "created_at": datetime.now(UTC)}
        self._check_rules(contest, lang)
        if await self.repos.contests.code_taken(contest["code"]):
            raise field_errors({"code": tr(CODE_TAKEN, lang)}, lang, Conflict)
        event = self._contest_event(ContestOpened if status == "open" else ContestUpdated, contest)
        if not await self.repos.contests.create(contest, [event]):
            first = await self.repos.contests.get(contest_id)
            if first is None:  # the code was taken meanwhile
                raise field_errors({"code": tr(CODE_TAKEN, lang)}, lang, Conflict) from None
            return first
        log.info("contest.created", contest_id=contest["_id"], status=status)
        return contest

    async def _save_contest(self, before: Doc, after: Doc, event: Callable[[Doc], Envelope]) -> Doc:
        """Compare-and-set on ``revision``; the event carries the contest as saved."""
        after["revision"] = before["revision"] + 1
        env = event(after)
        try:
            saved = await self.repos.contests.save(before["revision"], after, [env])
        finally:  # also forgets a copy read while the write was under way
            self._contest_writes += 1
            self._contests.pop(before["_id"], None)
        if not saved:
            raise Conflict(CHANGED_MEANWHILE)
        return after

    async def update_contest(self, by: Principal, contest_id: str, data: dict[str, Any],
                             expected_revision: int | None, lang: Lang = "vi") -> Doc:
        """Edit the set-up. Once open, the window moves only by extension and categories in use stay."""
        c = await self.contest(contest_id)
        if expected_revision is not None and expected_revision != c["revision"]:
            raise Conflict(CHANGED_MEANWHILE)
        if c["status"] == "closed":
            raise Conflict("Cuộc thi đã đóng, không thể sửa.")
        data.pop("status", None)
        after = {**c, **data}
        errors: dict[str, str] = {}
        if c["status"] == "open":
            now = datetime.now(UTC)
            if after["closes_at"] != c["closes_at"]:
                errors["closes_at"] = tr("Cuộc thi đang mở: hãy dùng chức năng gia hạn để đổi hạn nộp.", lang)
            if after["opens_at"] != c["opens_at"] and (c["opens_at"] <= now or after["opens_at"] <= now):
                errors["opens_at"] = tr("Không thể đổi thời điểm mở khi đã bắt đầu nhận hồ sơ.", lang)
            if after["code"] != c["code"]:
                errors["code"] = tr("Không thể đổi mã cuộc thi đang mở.", lang)
            removed = {x["key"] for x in c["categories"]} - {x["key"] for x in after["categories"]}
            if removed:
                errors["categories"] = tr("Không thể bỏ lĩnh vực khi cuộc thi đang mở: {keys}", lang,
                                          keys=", ".join(sorted(removed)))
        if errors:
            raise FieldErrors(errors, lang=lang)
        self._check_rules(after, lang)
        if after["code"] != c["code"] and await self.repos.contests.code_taken(after["code"]):
            raise field_errors({"code": tr(CODE_TAKEN, lang)}, lang, Conflict)
        after["updated_by"], after["updated_at"] = by.account_id, datetime.now(UTC)
        return await self._save_contest(c, after, lambda a: self._contest_event(ContestUpdated, a))

    async def open_contest(self, by: Principal, contest_id: str) -> Doc:
        c = await self.contest(contest_id)
        if c["status"] != "draft":
            raise Conflict("Chỉ mở được cuộc thi đang ở trạng thái nháp.")
        if c["closes_at"] <= datetime.now(UTC):
            raise Conflict("Hạn nộp đã qua; hãy sửa thời gian nhận hồ sơ trước khi mở.")
        after = {**c, "status": "open", "opened_by": by.account_id}
        return await self._save_contest(c, after, lambda a: self._contest_event(ContestOpened, a))

    async def extend_contest(self, by: Principal, contest_id: str, closes_at: datetime, reason: str,
                             lang: Lang = "vi") -> Doc:
        c = await self.contest(contest_id)
        if c["status"] != "open":
            raise Conflict("Chỉ gia hạn được cuộc thi đang mở.")
        if await self.repos.entries.any_screened(contest_id):
            raise Conflict("Đã có hồ sơ được sàng lọc; không thể gia hạn.")
        now = datetime.now(UTC)
        try:
            rules = extend_deadline(rules_of(c), closes_at, reason, now)
        except ValidationError as exc:
            raise FieldErrors(field_messages(exc.issues, lang), lang=lang) from exc
        ext = {"from": c["closes_at"], "to": rules.closes_at, "reason": reason.strip(), "by": by.account_id, "at": now}
        after = {**c, "closes_at": rules.closes_at, "extensions": [*c.get("extensions", []), ext]}
        return await self._save_contest(c, after, lambda a: self._env(ContestDeadlineExtended(
            **self._contest_payload(a), reason=reason.strip(), previous_closes_at=c["closes_at"])))

    async def close_contest(self, contest_id: str) -> Doc:
        c = await self.contest(contest_id)
        if c["status"] == "closed":
            raise Conflict("Cuộc thi đã đóng.")
        if c["status"] == "draft":
            raise Conflict("Cuộc thi chưa mở.")
        closes = min(c["closes_at"], datetime.now(UTC))
        # A contest closed before its opening time is cancelled: it never opens.
        opens = min(c["opens_at"], closes - timedelta(seconds=1))
        after = {**c, "status": "closed", "opens_at": opens, "closes_at": closes}
        return await self._save_contest(c, after, lambda a: self._contest_event(ContestClosed, a))

    async def counts(self, contest_id: str) -> dict[str, dict[str, int]]:
        """Live counts by status (drafts aside), and by category and unit of the entries still in
        the contest (withdrawn ones aside too); largest first."""
        out: dict[str, dict[str, int]] = {}
        for by in TALLIES:
            excluding = ("draft",) if by == "status" else ("draft", "withdrawn")
            found = await self.repos.entries.tally(contest_id, by, excluding=excluding)
            out[by] = dict(sorted(found.items(), key=lambda kv: -kv[1]))
        return out

