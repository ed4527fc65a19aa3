"""Attachments: add and remove with quotas and checks; files for owners and judges."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, datetime

import bson
import structlog

from services.submission.core import (
    CHANGED_MEANWHILE,
    EDITABLE,
    QUOTA_ACCOUNT,
    QUOTA_ENTRY,
    SubmissionCore,
    field_errors,
    tr,
    versions_of,
    with_version,
)
from services.submission.domain.attachments import REFUSAL, check_attachment, sanitize_filename
from services.submission.domain.attachments import declared_type as file_type_of
from services.submission.domain.initiative import (
    InitiativeForm,
    Version,
)
from services.submission.domain.messages import Lang
from services.submission.domain.retention import MAX_ENTRY_BYTES, referenced_files
from services.submission.files import CONTENT_TYPES, KIND_OF_TYPE, MB, neutral_name
from services.submission.messages import attachment_message
from services.submission.scrub import Unscrubbable, scrub
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, TooLarge
from shared.idempotency import derived_id
from shared.mongo import Doc

log = structlog.get_logger(__name__)


class AttachmentsPart(SubmissionCore):
    """Attachments: add and remove with quotas and checks; files for owners and judges."""

    async def add_attachment(self, user: Principal, entry_id: str, filename: str, data: bytes,
                             lang: Lang = "vi", *, idempotency_key: str | None = None) -> Doc:
        entry = await self.own_entry(user, entry_id)
        file_id = derived_id("file", user.account_id, f"{entry_id}\n{idempotency_key}") if idempotency_key \
            else uuid.uuid4().hex
        first = next((a for a in entry.get("attachments", []) if a["file_id"] == file_id), None)
        if first is not None:
            return dict(first)  # a retry of an upload that happened
        _, rules = await self._open_contest_for_change(entry["contest_id"], lang)
        if entry["status"] not in EDITABLE:
            raise Conflict("Sáng kiến không thể sửa ở trạng thái hiện tại.")
        current = list(entry.get("attachments", []))
        code = check_attachment(filename, data, rules, existing_count=len(current))
        if code is not None:
            msg = attachment_message(code, rules, filename, lang)
            raise REFUSAL[code](msg, {"attachments": msg})
        kind = file_type_of(filename) or "pdf"
        await self._reserve_bytes(entry, len(data), lang)
        now = datetime.now(UTC)
        ref: Doc = {"file_id": file_id, "filename": sanitize_filename(filename),
                    "content_type": CONTENT_TYPES[kind], "size": len(data)}
        if not await self.repos.files.add({
                "_id": ref["file_id"], "entry_id": entry_id, "owner_id": user.account_id, **ref,
                "sha256": hashlib.sha256(data).hexdigest(), "data": data, "created_at": now}):
            # the same upload (same key) is being stored right now
            await self._release_bytes(entry, len(data))
            raise Conflict("Tệp này đang được tải lên; vui lòng thử lại sau ít giây.")
        try:
            await self._set_attachments(entry, [*current, ref], now, add_file=ref["file_id"])
        except BaseException:
            await self.repos.files.delete([ref["file_id"]])  # no orphaned file
            await self._release_bytes(entry, len(data))
            raise
        return ref

    async def _reserve_bytes(self, entry: Doc, size: int, lang: Lang) -> None:
        """Count a new file against the entry's and the owner's quotas, or refuse it (413)."""
        s = self.settings
        if int(entry.get("stored_bytes", 0)) + size > s.max_entry_file_bytes:
            raise field_errors({"attachments": tr(QUOTA_ENTRY, lang, mb=s.max_entry_file_bytes // MB)},
                               lang, TooLarge)
        used = await self.repos.counters.add(f"bytes:{entry['owner_id']}", size)
        if used > s.max_account_file_bytes:
            await self.repos.counters.add(f"bytes:{entry['owner_id']}", -size)
            raise field_errors({"attachments": tr(
                QUOTA_ACCOUNT, lang, mb=s.max_account_file_bytes // MB)}, lang, TooLarge)
        await self.repos.entries.add_stored_bytes(entry["_id"], size)
        entry["stored_bytes"] = int(entry.get("stored_bytes", 0)) + size

    async def _release_bytes(self, entry: Doc, size: int) -> None:
        await self.repos.counters.add(f"bytes:{entry['owner_id']}", -size)
        await self.repos.entries.add_stored_bytes(entry["_id"], -size)

    async def remove_attachment(self, user: Principal, entry_id: str, file_id: str, lang: Lang = "vi") -> None:
        """Drop a file from the entry from now on; versions that listed it keep it."""
        entry = await self.own_entry(user, entry_id)
        await self._open_contest_for_change(entry["contest_id"], lang)
        if entry["status"] not in EDITABLE:
            raise Conflict("Sáng kiến không thể sửa ở trạng thái hiện tại.")
        current = list(entry.get("attachments", []))
        kept = [a for a in current if a["file_id"] != file_id]
        if len(kept) == len(current):
            raise NotFound("Không tìm thấy tệp đính kèm.")
        await self._set_attachments(entry, kept, datetime.now(UTC))

    async def _set_attachments(self, entry: Doc, attachments: list[Doc], now: datetime, *,
                               add_file: str | None = None) -> None:
        """A new version with the same text and the new file list, in one compare-and-set write."""
        form = InitiativeForm.from_mapping(entry["fields"])
        last = max(versions_of(entry), key=lambda v: v.number)
        version = Version(last.number + 1, max(now, last.saved_at), last.fields_hash, form)
        versions = with_version(entry, version, attachments, submitted=entry["status"] == "submitted")
        if not await self.repos.entries.save_attachments(entry, attachments, versions, now, add_file=add_file):
            raise Conflict(CHANGED_MEANWHILE)
        await self._drop_unreferenced(entry, versions, attachments)

    async def _drop_unreferenced(self, entry: Doc, versions: list[Doc], current: list[Doc]) -> None:
        """Delete the entry's files that no kept version and not the current list refer to, and
        give their bytes back to the entry's and the owner's quotas."""
        gone = referenced_files(entry.get("versions", []), entry.get("attachments", [])) - referenced_files(
            versions, current)
        if not gone:
            return
        files = await self.repos.files.sizes(gone, entry["_id"])
        freed = sum(files.values())
        await self.repos.files.delete(files)
        if freed:
            await self.repos.counters.add(f"bytes:{entry['owner_id']}", -freed)
            await self.repos.entries.add_stored_bytes(entry["_id"], -freed)
        log.info("attachments.deleted", entry_id=entry["_id"], count=len(files), bytes=freed)

    @staticmethod
    def _check_size(doc: Doc, lang: Lang) -> None:
        if len(bson.encode(doc)) > MAX_ENTRY_BYTES:
            raise field_errors({"_": tr("Sáng kiến quá lớn để lưu thêm; hãy rút gọn nội dung.", lang)}, lang,
                               TooLarge)

    async def attachment(self, user: Principal, file_id: str) -> Doc:
        """A file for its owner or an organiser; anyone else is told it does not exist."""
        f = await self.repos.files.get(file_id)
        if f is None or not (user.has("organiser") or f["owner_id"] == user.account_id):
            raise NotFound("Không tìm thấy tệp đính kèm.")
        return f

    async def judge_attachment(self, file_id: str, entry_id: str, judge: Principal) -> Doc:
        """A file judging refers to, as a judge gets it: it must belong to the entry, the entry must
        still be judged, the judge must review it (organisers may always look), and what is served
        is the copy without metadata, under a neutral name."""
        f = await self.repos.files.of_entry(file_id, entry_id)
        entry = await self.repos.entries.for_judge_file(entry_id)
        if f is None or entry is None or not entry.get("in_judging") or entry["status"] in ("withdrawn", "ineligible"):
            raise NotFound("Không tìm thấy tệp đính kèm.")
        if not judge.has("organiser"):
            reviewers = await self.repos.judging.reviewers(entry_id)
            if not any(judge.account_id in ids for ids in reviewers.values()):
                raise Forbidden("Bạn không được phân công chấm hồ sơ này.")
        index = next((i for v in reversed(entry.get("versions", []))
                      for i, a in enumerate(v.get("attachments", []), start=1) if a["file_id"] == file_id), 1)
        name = neutral_name(index, f["content_type"])
        blind = await self.repos.files.blind(file_id)
        if blind is None:
            kind = KIND_OF_TYPE.get(f["content_type"], "")
            try:
                data = await asyncio.to_thread(scrub, kind, bytes(f["data"]))
            except Unscrubbable as exc:
                log.warning("attachment.unscrubbable", file_id=file_id, entry_id=entry_id, error=str(exc))
                raise Conflict("Tệp này không thể tự động xoá thông tin tác giả; Ban tổ chức "
                                                "sẽ kiểm tra và gửi lại cho bạn.") from exc
            blind = {"_id": file_id, "entry_id": entry_id, "data": data, "content_type": f["content_type"]}
            await self.repos.files.keep_blind(blind)
        return {**blind, "filename": name}

    async def on_reviewers(self, entry_id: str, round_no: int, judge_ids: list[str]) -> None:
        """Judging's current reviewers of the entry in a round (events of a contest arrive in order)."""
        await self.repos.judging.set_reviewers(entry_id, round_no, judge_ids)

    async def remove_orphan_files(self, older_than: datetime) -> int:
        """Delete uploads no entry refers to (a crash between storing a file and listing it)."""
        removed = 0
        for file_id, entry_id in await self.repos.files.created_before(older_than):
            if not await self.repos.entries.lists_file(entry_id, file_id):
                await self.repos.files.delete([file_id])
                removed += 1
        return removed

