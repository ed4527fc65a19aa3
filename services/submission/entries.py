"""Initiatives: drafts, submission, withdrawal, statuses from other services."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import structlog

from services.submission.adoption_view import AdoptionView
from services.submission.attachments import AttachmentsPart
from services.submission.core import (
    CHANGED_MEANWHILE,
    EDITABLE,
    ENTRY_NOT_FOUND,
    IN_JUDGING,
    QUOTA_ENTRIES,
    FieldErrors,
    _SameCreation,
    field_errors,
    tr,
    version_doc,
    versions_of,
    with_version,
)
from services.submission.domain.initiative import (
    InitiativeForm,
    TransitionError,
    apply_status,
    next_version,
    receipt_code,
)
from services.submission.domain.messages import Lang
from services.submission.domain.outcome import round_outcome
from services.submission.messages import transition_message, validate_draft, validate_for_submission
from shared.auth import Principal
from shared.envelope import Envelope
from shared.errors import Busy, Conflict, NotFound
from shared.events.entries import EntryWithdrawnFromJudging
from shared.events.judging import FeedbackReleased, RoundClosed
from shared.idempotency import derived_id
from shared.mongo import Doc

log = structlog.get_logger(__name__)


class EntriesPart(AttachmentsPart):
    """Initiatives: drafts, submission, withdrawal, statuses from other services."""

    async def my_entries(self, user: Principal) -> list[Doc]:
        """The participant's entries; once a contest's result is announced, each entry that
        reached judging carries where it ended (``outcome``), also when it stopped before the
        final round, which the announcement does not list."""
        entries = await self.repos.entries.of_owner(user.account_id)
        ids = sorted({e["contest_id"] for e in entries if e["status"] in (*IN_JUDGING, "not_awarded", "awarded")})
        announced = await self.repos.contests.announced_among(ids)
        if announced:
            # The announcement writes each entry's result, then marks the contest announced: the
            # entries read before the mark may predate the results, so read them again after it.
            entries = await self.repos.entries.of_owner(user.account_id)
        standings = await self.repos.judging.standings(announced)
        for e in entries:
            if e["contest_id"] in announced:
                found = round_outcome(e["_id"], [s for s in standings if s["contest_id"] == e["contest_id"]])
                e["outcome"] = asdict(found) if found else None
        # Judging releases feedback only after the announcement and only if the contest publishes
        # it; it is the owner's alone, so it is read here, for the owner's own entries.
        feedback = await self.repos.judging.feedback_of([e["_id"] for e in entries])
        # Where each initiative is being applied: published replication plans only (``adoption_view``).
        applied = await AdoptionView(self.repos.adoption).of_entries([e["_id"] for e in entries])
        for e in entries:
            e["feedback"] = feedback.get(e["_id"])
            e["adoption"] = applied.get(e["_id"], [])
        return entries

    async def on_feedback(self, e: FeedbackReleased) -> None:
        """Keep the judges' feedback to the entry's author; a repeat replaces it."""
        await self.repos.judging.keep_feedback(
            {"_id": e.entry_id, "contest_id": e.contest_id, "round_no": e.round_no,
             "criteria": [c.model_dump() for c in e.criteria], "comments": [c.model_dump() for c in e.comments]})

    async def on_round_closed(self, e: RoundClosed) -> None:
        """Keep the round's standing (totals, who went on, the rule); a repeat replaces it."""
        await self.repos.judging.keep_standing(
            {"_id": f"{e.contest_id}:{e.round_no}", "contest_id": e.contest_id, "round_no": e.round_no,
             "final": e.final_round, "totals": e.totals, "advancing": e.advancing, "top_n": e.advance_top_n,
             "min_total": e.advance_min_total})

    async def on_round_reopened(self, contest_id: str, round_no: int) -> None:
        await self.repos.judging.drop_standing(contest_id, round_no)

    async def on_announced(self, contest_id: str) -> None:
        await self.repos.contests.mark_announced(contest_id)

    async def save_draft(self, user: Principal, contest_id: str, entry_id: str | None, raw: dict[str, Any],
                         lang: Lang = "vi", *, submit: bool = False, idempotency_key: str | None = None) -> Doc:
        """Create (``entry_id`` None) or save an entry. A creation retried with the same
        ``idempotency_key`` continues the entry the first request created (saving what the
        retry carries as its next version, as a save would) instead of creating another."""
        if entry_id is None and idempotency_key:
            first_id = derived_id("entry", user.account_id, f"{contest_id}\n{idempotency_key}")
            first = await self.repos.entries.own(first_id, user.account_id)
            if first is not None:
                if first["contest_id"] != contest_id:
                    raise NotFound(ENTRY_NOT_FOUND)
                entry_id = first_id
                if submit and first["status"] == "draft":
                    await self.save_draft(user, contest_id, entry_id, raw, lang)
                    return await self.submit(user, entry_id, lang)
        contest, rules = await self._open_contest_for_change(contest_id, lang)
        errors = validate_for_submission(raw, rules, lang) if submit else validate_draft(raw, rules, lang)
        if errors:
            raise FieldErrors(errors, lang=lang)
        form = self._units_resolved(InitiativeForm.from_mapping(raw))
        now = datetime.now(UTC)
        if entry_id is None:
            return await self._create_entry(user, contest, form, now, submit=submit, idempotency_key=idempotency_key,
                                            lang=lang, raw=raw)
        entry = await self.own_entry(user, entry_id)
        if entry["contest_id"] != contest_id:
            raise NotFound(ENTRY_NOT_FOUND)
        if entry["status"] not in EDITABLE:
            raise Conflict("Sáng kiến không thể sửa ở trạng thái hiện tại.")
        submitted = entry["status"] == "submitted"
        if submitted and not submit:
            full = validate_for_submission(raw, rules, lang)
            if full:
                raise FieldErrors(full, lang=lang)  # a submitted entry may be edited, never made incomplete
        version = next_version(versions_of(entry), form, now)
        if version is None:
            return entry
        fields = form.to_dict()
        versions = with_version(entry, version, entry.get("attachments", []), submitted=submitted)
        self._check_size({**entry, "fields": fields, "versions": versions}, lang)
        if not await self.repos.entries.save_text(entry, fields, version.fields_hash, versions, now):
            raise Conflict(CHANGED_MEANWHILE)
        await self._drop_unreferenced(entry, versions, entry.get("attachments", []))
        entry.update(fields=fields, fields_hash=version.fields_hash, updated_at=now, rev=entry.get("rev", 0) + 1,
                     versions=versions)
        if submitted:
            self.fingerprints.soon(entry)
        return entry

    async def _create_entry(self, user: Principal, contest: Doc, form: InitiativeForm, now: datetime, *,
                            submit: bool, idempotency_key: str | None = None, lang: Lang = "vi",
                            raw: dict[str, Any] | None = None) -> Doc:
        entry_id = derived_id("entry", user.account_id, f"{contest['_id']}\n{idempotency_key}") if idempotency_key \
            else uuid.uuid4().hex
        limit = min(int(contest.get("max_entries_per_participant") or 10), self.settings.max_entries_per_contest)
        if not await self.quota.take(user.account_id, contest["_id"], limit):
            raise field_errors({"_": tr(QUOTA_ENTRIES, lang, n=limit)}, lang, Conflict)
        try:
            return await self._insert_entry(user, contest, form, now, entry_id, submit=submit,
                                            idempotency_key=idempotency_key, lang=lang, raw=raw)
        except _SameCreation:
            await self.quota.give_back(user.account_id, contest["_id"])
            return await self.save_draft(user, contest["_id"], None, raw or form.to_dict(), lang, submit=submit,
                                         idempotency_key=idempotency_key)
        except BaseException:
            await self.quota.give_back(user.account_id, contest["_id"])  # nothing was created
            raise

    async def _insert_entry(self, user: Principal, contest: Doc, form: InitiativeForm, now: datetime,
                            entry_id: str, *, submit: bool, idempotency_key: str | None, lang: Lang,
                            raw: dict[str, Any] | None) -> Doc:
        seq = await self.repos.counters.next_seq(f"entry:{contest['code']}")
        version = next_version([], form, now)
        assert version is not None
        fields = form.to_dict()
        status = "submitted" if submit else "draft"
        doc: Doc = {
            "_id": entry_id, "contest_id": contest["_id"],
            "code": receipt_code(contest["code"], seq, self.settings.secret_key.encode()),
            "owner_id": user.account_id, "owner_name": user.full_name, "owner_email": user.email,
            "status": status, "fields": fields, "fields_hash": version.fields_hash, "attachments": [],
            "file_ids": [], "versions": [version_doc(version, [], submitted=submit)],
            "history": [{"status": "draft", "at": now}], "rev": 0, "created_at": now, "updated_at": now,
        }
        if submit:
            doc["submitted_at"] = now
            doc["history"].append({"status": "submitted", "at": now})
        for _ in range(5):  # a receipt code taken by another process: take the next number
            # Fresh event ids each attempt: a refused attempt's records stay stored until dropped.
            events = [self._status_event(doc, "submitted", now)] if submit else []
            if await self.repos.entries.create(doc, events):
                if submit:
                    self.fingerprints.soon(doc)
                return doc
            if idempotency_key and await self.repos.entries.exists(entry_id):
                # The same creation, retried while the first was being written: continue that one
                # (the caller gives back this attempt's place in the quota).
                raise _SameCreation()
            seq = await self.repos.counters.next_seq(f"entry:{contest['code']}")
            doc["code"] = receipt_code(contest["code"], seq, self.settings.secret_key.encode())
        raise Busy("Hệ thống đang bận, vui lòng thử lại.")

    async def submit(self, user: Principal, entry_id: str, lang: Lang = "vi") -> Doc:
        entry = await self.own_entry(user, entry_id)
        _, rules = await self._open_contest_for_change(entry["contest_id"], lang)
        errors = validate_for_submission(entry["fields"], rules, lang)
        if errors:
            raise FieldErrors(errors, lang=lang)
        try:
            status = apply_status(entry["status"], "submitted", window_open=True)
        except TransitionError as exc:
            raise Conflict(transition_message(exc, lang)) from exc
        if status == entry["status"]:
            return entry  # submitting twice is harmless
        now = datetime.now(UTC)
        if not await self.repos.entries.change_status(entry, status, now, {"submitted_at": now, "updated_at": now},
                                                      [self._status_event(entry, "submitted", now)]):
            raise Conflict(CHANGED_MEANWHILE)
        entry.update(status=status, submitted_at=now)
        self.fingerprints.soon(entry)
        return entry

    async def withdraw(self, user: Principal, entry_id: str, lang: Lang = "vi") -> Doc:
        """Withdraw until the deadline; judging is told if the entry ever reached it."""
        entry = await self.own_entry(user, entry_id)
        await self._open_contest_for_change(entry["contest_id"], lang)
        try:
            status = apply_status(entry["status"], "withdrawn", window_open=True)
        except TransitionError as exc:
            raise Conflict(transition_message(exc, lang)) from exc
        if status == entry["status"]:
            return entry
        now = datetime.now(UTC)
        events: list[Envelope] = []
        if entry["status"] != "draft":  # nobody else ever heard of a draft
            events.append(self._status_event(entry, "withdrawn", now))
        if entry.get("in_judging"):
            events.append(self._env(EntryWithdrawnFromJudging(
                entry_id=entry["_id"], contest_id=entry["contest_id"], reason="withdrawn")))
        if not await self.repos.entries.change_status(entry, status, now, {"updated_at": now, "withdrawn_at": now},
                                                      events):
            raise Conflict(CHANGED_MEANWHILE)
        await self.quota.give_back(entry["owner_id"], entry["contest_id"])  # a place is free again
        entry["status"] = status
        return entry

    async def apply_external_status(self, entry_id: str, status: str, extra: Doc | None = None) -> None:
        """Judging and awards move an entry on; late or repeated events never move it back. A
        status that changed between the read and the write (compare-and-set missed) is read
        again, so an announced result is never dropped."""
        for _ in range(5):
            current = await self.repos.entries.status_of(entry_id)
            if current is None:
                return
            try:
                new = apply_status(current, status)
            except TransitionError:
                return
            if new == current and not extra:
                return
            if await self.repos.entries.move_status(entry_id, current, new, datetime.now(UTC), extra or {}):
                return
            log.warning("entry.status_changed_meanwhile", entry_id=entry_id, status=status)
        # A handler failure: the consumer tries the event again (and dead-letters it, visibly, if it never lands).
        raise RuntimeError(f"entry {entry_id} kept changing while {status} was applied")

