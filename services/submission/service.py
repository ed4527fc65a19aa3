"""Submission's use cases: contests, drafts, submission, attachments, withdrawal, and statuses
fed by events. Screening lives in ``screening.py``.

Every state change is one single-document write that also queues its events (outbox), so a
contest or an entry and what the other services hear about it can never disagree. Writers that
may race (two tabs saving the same entry, two organisers editing a contest) compare-and-set on
the document's ``rev``/``revision``.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import bson
import structlog
from bson.binary import Binary
from pymongo.errors import DuplicateKeyError

from services.submission.domain.attachments import REFUSAL, attachment_message, check_attachment, sanitize_filename
from services.submission.domain.attachments import declared_type as file_type_of
from services.submission.domain.contest_rules import (
    DEFAULT_ALLOWED_TYPES,
    ContestRules,
    entry_change_issue,
    extend_deadline,
)
from services.submission.domain.initiative import (
    InitiativeForm,
    TransitionError,
    Version,
    apply_status,
    next_version,
    receipt_code,
    validate_draft,
    validate_for_submission,
)
from services.submission.domain.messages import Lang, ValidationError
from services.submission.domain.outcome import round_outcome
from services.submission.domain.retention import MAX_ENTRY_BYTES, kept_versions, referenced_files
from services.submission.files import CONTENT_TYPES, HARD_CAP_BYTES, KIND_OF_TYPE, MB, neutral_name
from services.submission.fingerprints import Fingerprints
from services.submission.quotas import EntryQuota
from services.submission.scrub import Unscrubbable, scrub
from services.submission.settings import SubmissionSettings
from services.submission.store import SubmissionStore
from shared import outbox
from shared.auth import Principal
from shared.envelope import Envelope, EventPayload
from shared.errors import Busy, Conflict, Forbidden, Invalid, NotFound, Refused, TooLarge
from shared.events.contests import Category, ContestClosed, ContestDeadlineExtended, ContestOpened, ContestUpdated
from shared.events.entries import EntryWithdrawnFromJudging
from shared.events.judging import RoundClosed
from shared.events.statuses import EntryStatusChanged
from shared.idempotency import derived_id
from shared.mongo import Doc, insert_new
from shared.staged_outbox import StagedOutbox
from shared.unit_copy import UnitCopy
from shared.units import unit_key

log = structlog.get_logger(__name__)

CONTEST_NOT_FOUND = "Không tìm thấy cuộc thi."
ENTRY_NOT_FOUND = "Không tìm thấy sáng kiến."
CODE_TAKEN = ("Mã cuộc thi đã tồn tại.", "This code is already used.")
CHANGED_MEANWHILE = "Dữ liệu vừa được thay đổi ở nơi khác, vui lòng tải lại trang."
EDITABLE = ("draft", "submitted")
#: Statuses of entries that reached judging (a withdrawal must also take them out of it).
IN_JUDGING = ("eligible", "under_review", "scored")

CONTEST_CACHE_S = 1.0

ContestEvent = type[ContestOpened] | type[ContestUpdated] | type[ContestClosed]


QUOTA_ENTRIES = ("Bạn đã có {n} sáng kiến đang mở trong cuộc thi này (tối đa {n}); hãy hoàn thiện hoặc rút bớt "
                 "trước khi tạo thêm.", "You already have {n} open initiatives in this contest (at most {n}); finish "
                 "or withdraw one before creating another.")
QUOTA_ENTRY = ("Tổng dung lượng tệp của sáng kiến này đã đạt giới hạn {mb} MB; hãy xoá bớt tệp.",
               "The files of this initiative have reached their {mb} MB limit; remove some first.")
QUOTA_ACCOUNT = ("Tổng dung lượng tệp của tài khoản đã đạt giới hạn {mb} MB.",
                 "The files of your account have reached their {mb} MB limit.")


class _SameCreation(Exception):
    """A creation retried with its idempotency key while the first attempt was being written."""


class FieldErrors(Invalid):
    """422 with a message for each field, in the language the caller chose (texts built here
    in English for an English client are returned as they are)."""

    def __init__(self, errors: dict[str, str], lang: Lang = "vi", detail: str | None = None) -> None:
        super().__init__(detail or ("Dữ liệu không hợp lệ." if lang == "vi" else "Invalid data."), errors)


def field_errors(errors: dict[str, str], lang: Lang, kind: type[Refused]) -> Refused:
    """A refusal of another kind (conflict, too large) that is still about fields."""
    return kind("Dữ liệu không hợp lệ." if lang == "vi" else "Invalid data.", errors)


def conflict_unit(unit: str) -> str:
    """The unit as judging compares it: case, spacing and Unicode form do not matter."""
    return unit_key(unit)


def rules_of(contest: Doc) -> ContestRules:
    return ContestRules(
        opens_at=contest["opens_at"],
        closes_at=contest["closes_at"],
        max_coauthors=contest.get("max_coauthors", 5),
        allowed_types=frozenset(contest.get("allowed_types") or DEFAULT_ALLOWED_TYPES),
        max_file_bytes=min(int(contest.get("max_file_mb", 10)) * MB, HARD_CAP_BYTES),
        max_files=int(contest.get("max_files", 5)) or 1,
        categories=tuple(c["key"] for c in contest["categories"]),
        eligible_groups=tuple(contest.get("eligible_groups") or ()),
    )


def versions_of(entry: Doc) -> list[Version]:
    """The entry's versions; the latest one's text is the entry's own ``fields`` (no second copy)."""
    return [
        Version(v["number"], v["saved_at"], v["fields_hash"],
                InitiativeForm.from_mapping(v.get("fields", entry["fields"])))
        for v in entry.get("versions", [])
    ]


def version_doc(v: Version, attachments: list[Doc], *, submitted: bool) -> Doc:
    """A version as stored while it is the latest: its text is the entry's ``fields``."""
    return {"number": v.number, "saved_at": v.saved_at, "fields_hash": v.fields_hash, "attachments": attachments,
            "submitted": submitted}


def with_version(entry: Doc, v: Version, attachments: list[Doc], *, submitted: bool) -> list[Doc]:
    """The entry's versions after appending ``v`` (history bounded by ``domain.retention``): the
    one it replaces as latest keeps its text.

    Written whole with ``$set`` (MongoDB refuses ``$set`` on ``versions.N.fields`` beside a
    ``$push`` to ``versions``); the caller's compare-and-set on ``rev`` keeps it safe."""
    out = [{**old, "fields": old.get("fields", entry["fields"])} for old in entry.get("versions", [])]
    return [dict(x) for x in kept_versions([*out, version_doc(v, attachments, submitted=submitted)])]


def rev_filter(entry: Doc) -> Doc:
    """Compare-and-set on the entry's revision (entries written before ``rev`` existed have none)."""
    rev = entry.get("rev")
    return {"_id": entry["_id"], "rev": rev if rev is not None else {"$exists": False}}


@dataclass
class SubmissionService:
    store: SubmissionStore
    settings: SubmissionSettings
    staged: StagedOutbox
    fingerprints: Fingerprints
    quota: EntryQuota
    units: UnitCopy
    #: Contests as the entry form last read them, for at most CONTEST_CACHE_S; every contest
    #: write of this process (the only one writing them) drops its copy at once.
    _contests: dict[str, tuple[float, Doc]] = field(default_factory=dict)
    _contest_writes: int = 0  # a read that overlapped a write is not kept

    def _env(self, payload: EventPayload) -> Envelope:
        return Envelope.wrap(payload, producer=self.settings.service_name)

    # ------------------------------------------------------------ contests

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
            raise FieldErrors(exc.messages(lang), lang=lang) from exc

    async def create_contest(self, by: Principal, data: dict[str, Any], lang: Lang = "vi",
                             idempotency_key: str | None = None) -> Doc:
        status = data.pop("status", "open")
        contest_id = derived_id("contest", by.account_id, idempotency_key, length=12) if idempotency_key \
            else uuid.uuid4().hex[:12]
        if idempotency_key:
            first = await self.store.contests.find_one({"_id": contest_id}, {outbox.OUTBOX: 0})
            if first is not None:
                return first  # a retry of a creation that happened
        contest: Doc = {"_id": contest_id, **data, "status": status, "revision": 1,
                        "extensions": [], "created_by": by.account_id, "created_at": datetime.now(UTC)}
        self._check_rules(contest, lang)
        if await self.store.contests.find_one({"code": contest["code"]}, {"_id": 1}) is not None:
            raise field_errors({"code": CODE_TAKEN[lang == "en"]}, lang, Conflict)
        event = self._contest_event(ContestOpened if status == "open" else ContestUpdated, contest)
        try:
            await self.store.contests.insert_one(outbox.new_document(contest, event))
        except DuplicateKeyError:
            first = await self.store.contests.find_one({"_id": contest_id}, {outbox.OUTBOX: 0})
            if first is None:  # the code was taken meanwhile
                raise field_errors({"code": CODE_TAKEN[lang == "en"]}, lang, Conflict) from None
            return first
        log.info("contest.created", contest_id=contest["_id"], status=status)
        return contest

    async def contest(self, contest_id: str, *, include_draft: bool = True) -> Doc:
        c = await self.store.contests.find_one({"_id": contest_id}, {outbox.OUTBOX: 0})
        if c is None or (c["status"] == "draft" and not include_draft):
            raise NotFound(CONTEST_NOT_FOUND)
        return c

    async def contests(self, *, include_drafts: bool = False) -> list[Doc]:
        query: Doc = {} if include_drafts else {"status": {"$ne": "draft"}}
        return await self.store.contests.find(query, {outbox.OUTBOX: 0}).sort("opens_at", -1).to_list()

    async def _save_contest(self, before: Doc, after: Doc, event: Callable[[Doc], Envelope]) -> Doc:
        """Compare-and-set on ``revision``; the event carries the contest as saved."""
        after["revision"] = before["revision"] + 1
        changes = {k: v for k, v in after.items() if k not in ("_id", outbox.OUTBOX, outbox.PENDING, outbox.SEQ)}
        env = event(after)
        try:
            res = await self.store.contests.update_one(
                {"_id": before["_id"], "revision": before["revision"]}, outbox.with_events({"$set": changes}, env))
        finally:  # also forgets a copy read while the write was under way
            self._contest_writes += 1
            self._contests.pop(before["_id"], None)
        if not res.matched_count:
            raise Conflict(CHANGED_MEANWHILE)
        return after

    async def update_contest(self, by: Principal, contest_id: str, data: dict[str, Any],
                             expected_revision: int | None, lang: Lang = "vi") -> Doc:
        """Edit the set-up. Once open, the window moves only by extension and categories in use stay."""
        c = await self.contest(contest_id)
        vi = lang == "vi"
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
                errors["closes_at"] = ("Cuộc thi đang mở: hãy dùng chức năng gia hạn để đổi hạn nộp." if vi else
                                       "The contest is open: use the extension to change the deadline.")
            if after["opens_at"] != c["opens_at"] and (c["opens_at"] <= now or after["opens_at"] <= now):
                errors["opens_at"] = ("Không thể đổi thời điểm mở khi đã bắt đầu nhận hồ sơ." if vi else
                                      "The opening time cannot change once submissions have started.")
            if after["code"] != c["code"]:
                errors["code"] = "Không thể đổi mã cuộc thi đang mở." if vi else "An open contest keeps its code."
            removed = {x["key"] for x in c["categories"]} - {x["key"] for x in after["categories"]}
            if removed:
                errors["categories"] = ("Không thể bỏ lĩnh vực khi cuộc thi đang mở: " if vi else
                                        "Categories cannot be removed while open: ") + ", ".join(sorted(removed))
        if errors:
            raise FieldErrors(errors, lang=lang)
        self._check_rules(after, lang)
        if after["code"] != c["code"] and await self.store.contests.find_one({"code": after["code"]}) is not None:
            raise field_errors({"code": CODE_TAKEN[not vi]}, lang, Conflict)
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
        screened = await self.store.entries.find_one(
            {"contest_id": contest_id, "status": {"$nin": ["draft", "submitted", "withdrawn"]}}, {"_id": 1})
        if screened is not None:
            raise Conflict("Đã có hồ sơ được sàng lọc; không thể gia hạn.")
        now = datetime.now(UTC)
        try:
            rules = extend_deadline(rules_of(c), closes_at, reason, now)
        except ValidationError as exc:
            raise FieldErrors(exc.messages(lang), lang=lang) from exc
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
        """Live counts by status, category and unit (``$group`` with ``$sum`` only: FerretDB)."""
        out: dict[str, dict[str, int]] = {}
        for name, path in (("status", "$status"), ("category", "$fields.category"), ("unit", "$fields.author_unit")):
            match = {"contest_id": contest_id, "status": {"$ne": "draft"}} if name == "status" else {
                "contest_id": contest_id, "status": {"$nin": ["draft", "withdrawn"]}}
            cursor = await self.store.entries.aggregate(
                [{"$match": match}, {"$group": {"_id": path, "n": {"$sum": 1}}}])
            pairs = [(str(d["_id"]), int(d["n"])) async for d in cursor]
            out[name] = dict(sorted(pairs, key=lambda kv: -kv[1]))
        return out

    # ------------------------------------------------------------ entries

    async def own_entry(self, user: Principal, entry_id: str) -> Doc:
        """The participant's own entry; anyone else's is reported as not found (no probing)."""
        e = await self.store.entries.find_one({"_id": entry_id, "owner_id": user.account_id}, {outbox.OUTBOX: 0})
        if e is None:
            raise NotFound(ENTRY_NOT_FOUND)
        return e

    def _units_resolved(self, form: InitiativeForm) -> InitiativeForm:
        """Units as the province's directory names them, however they were typed."""
        resolve = self.units.directory.resolve
        return replace(form, author_unit=resolve(form.author_unit) if form.author_unit else "",
                       co_authors=tuple(replace(c, unit=resolve(c.unit)) if c.unit else c for c in form.co_authors))

    async def my_entries(self, user: Principal) -> list[Doc]:
        """The participant's entries; once a contest's result is announced, each entry that
        reached judging carries where it ended (``outcome``), also when it stopped before the
        final round, which the announcement does not list."""
        entries = await self.store.entries.find(
            {"owner_id": user.account_id}, {outbox.OUTBOX: 0, "versions": 0}
        ).sort("created_at", -1).to_list()
        ids = sorted({e["contest_id"] for e in entries if e["status"] in (*IN_JUDGING, "not_awarded", "awarded")})
        announced = [c["_id"] async for c in self.store.contests.find(
            {"_id": {"$in": ids}, "announced": True}, {"_id": 1})] if ids else []
        standings = await self.store.standings.find({"contest_id": {"$in": announced}}).to_list() if announced else []
        for e in entries:
            if e["contest_id"] in announced:
                found = round_outcome(e["_id"], [s for s in standings if s["contest_id"] == e["contest_id"]])
                e["outcome"] = asdict(found) if found else None
        return entries

    async def on_round_closed(self, e: RoundClosed) -> None:
        """Keep the round's standing (totals, who went on, the rule); a repeat replaces it."""
        await self.store.standings.replace_one(
            {"_id": f"{e.contest_id}:{e.round_no}"},
            {"contest_id": e.contest_id, "round_no": e.round_no, "final": e.final_round, "totals": e.totals,
             "advancing": e.advancing, "top_n": e.advance_top_n, "min_total": e.advance_min_total}, upsert=True)

    async def on_round_reopened(self, contest_id: str, round_no: int) -> None:
        await self.store.standings.delete_one({"_id": f"{contest_id}:{round_no}"})

    async def on_announced(self, contest_id: str) -> None:
        await self.store.contests.update_one({"_id": contest_id}, {"$set": {"announced": True}})

    async def _cached_contest(self, contest_id: str) -> Doc:
        """The contest for the entry form's checks: one read per contest per second in a rush,
        not one per submission. The deadline itself is checked against the clock every time."""
        now = time.monotonic()
        hit = self._contests.get(contest_id)
        if hit is not None and now - hit[0] < CONTEST_CACHE_S:
            return hit[1]
        writes = self._contest_writes
        contest = await self.contest(contest_id)
        if writes == self._contest_writes:
            self._contests[contest_id] = (now, contest)
        return contest

    async def _open_contest_for_change(self, contest_id: str, lang: Lang) -> tuple[Doc, ContestRules]:
        contest = await self._cached_contest(contest_id)
        rules = rules_of(contest)
        issue = entry_change_issue(rules, contest["status"], datetime.now(UTC))
        if issue is not None:
            raise Conflict(issue.message(lang))
        return contest, rules

    async def save_draft(self, user: Principal, contest_id: str, entry_id: str | None, raw: dict[str, Any],
                         lang: Lang = "vi", *, submit: bool = False, idempotency_key: str | None = None) -> Doc:
        """Create (``entry_id`` None) or save an entry. A creation retried with the same
        ``idempotency_key`` continues the entry the first request created (saving what the
        retry carries as its next version, as a save would) instead of creating another."""
        if entry_id is None and idempotency_key:
            first_id = derived_id("entry", user.account_id, f"{contest_id}\n{idempotency_key}")
            first = await self.store.entries.find_one({"_id": first_id, "owner_id": user.account_id})
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
        update: Doc = {"$set": {"fields": fields, "fields_hash": version.fields_hash, "updated_at": now,
                                "versions": versions}, "$inc": {"rev": 1}}
        res = await self.store.entries.update_one(rev_filter(entry), update)
        if not res.matched_count:
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
            raise field_errors({"_": QUOTA_ENTRIES[lang == "en"].format(n=limit)}, lang, Conflict)
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
        seq = await self.store.next_seq(f"entry:{contest['code']}")
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
            try:
                # The deadline rush is all creations: their events wait beside the entry, not in it.
                await self.staged.insert(self.store.entries, doc, *events)
                if submit:
                    self.fingerprints.soon(doc)
                return doc
            except DuplicateKeyError:
                if idempotency_key and await self.store.entries.find_one({"_id": entry_id}, {"_id": 1}):
                    # The same creation, retried while the first was being written: continue that one
                    # (the caller gives back this attempt's place in the quota).
                    raise _SameCreation() from None
                seq = await self.store.next_seq(f"entry:{contest['code']}")
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
            raise Conflict(exc.message(lang)) from exc
        if status == entry["status"]:
            return entry  # submitting twice is harmless
        now = datetime.now(UTC)
        res = await self.store.entries.update_one(rev_filter(entry), outbox.with_events(
            {"$set": {"status": status, "submitted_at": now, "updated_at": now},
             "$inc": {"rev": 1}, "$push": {"history": {"status": status, "at": now}}},
            self._status_event(entry, "submitted", now)))
        if not res.matched_count:
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
            raise Conflict(exc.message(lang)) from exc
        if status == entry["status"]:
            return entry
        now = datetime.now(UTC)
        events: list[Envelope] = []
        if entry["status"] != "draft":  # nobody else ever heard of a draft
            events.append(self._status_event(entry, "withdrawn", now))
        if entry.get("in_judging"):
            events.append(self._env(EntryWithdrawnFromJudging(
                entry_id=entry["_id"], contest_id=entry["contest_id"], reason="withdrawn")))
        res = await self.store.entries.update_one(rev_filter(entry), outbox.with_events(
            {"$set": {"status": status, "updated_at": now, "withdrawn_at": now}, "$inc": {"rev": 1},
             "$push": {"history": {"status": status, "at": now}}}, *events))
        if not res.matched_count:
            raise Conflict(CHANGED_MEANWHILE)
        await self.quota.give_back(entry["owner_id"], entry["contest_id"])  # a place is free again
        entry["status"] = status
        return entry

    def _status_event(self, entry: Doc, status: str, now: datetime, reason: str = "") -> Envelope:
        return self._env(EntryStatusChanged(
            entry_id=entry["_id"], contest_id=entry["contest_id"], category=entry["fields"].get("category", ""),
            unit=entry["fields"].get("author_unit", ""), status=status, reason=reason, at=now))

    # ------------------------------------------------------------ attachments

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
        try:
            await self.store.attachments.insert_one({
                "_id": ref["file_id"], "entry_id": entry_id, "owner_id": user.account_id, **ref,
                "sha256": hashlib.sha256(data).hexdigest(), "data": Binary(data), "created_at": now})
        except DuplicateKeyError:  # the same upload (same key) is being stored right now
            await self._release_bytes(entry, len(data))
            raise Conflict("Tệp này đang được tải lên; vui lòng thử lại sau ít giây.") from None
        try:
            await self._set_attachments(entry, [*current, ref], now, add_file=ref["file_id"])
        except BaseException:
            await self.store.attachments.delete_one({"_id": ref["file_id"]})  # no orphaned file
            await self._release_bytes(entry, len(data))
            raise
        return ref

    async def _reserve_bytes(self, entry: Doc, size: int, lang: Lang) -> None:
        """Count a new file against the entry's and the owner's quotas, or refuse it (413)."""
        s = self.settings
        if int(entry.get("stored_bytes", 0)) + size > s.max_entry_file_bytes:
            raise field_errors({"attachments": QUOTA_ENTRY[lang == "en"].format(mb=s.max_entry_file_bytes // MB)},
                               lang, TooLarge)
        used = await self.store.add_to(f"bytes:{entry['owner_id']}", size)
        if used > s.max_account_file_bytes:
            await self.store.add_to(f"bytes:{entry['owner_id']}", -size)
            raise field_errors({"attachments": QUOTA_ACCOUNT[lang == "en"].format(
                mb=s.max_account_file_bytes // MB)}, lang, TooLarge)
        await self.store.entries.update_one({"_id": entry["_id"]}, {"$inc": {"stored_bytes": size}})
        entry["stored_bytes"] = int(entry.get("stored_bytes", 0)) + size

    async def _release_bytes(self, entry: Doc, size: int) -> None:
        await self.store.add_to(f"bytes:{entry['owner_id']}", -size)
        await self.store.entries.update_one({"_id": entry["_id"]}, {"$inc": {"stored_bytes": -size}})

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
        update: Doc = {"$set": {"attachments": attachments, "updated_at": now,
                                "versions": with_version(entry, version, attachments,
                                                         submitted=entry["status"] == "submitted")},
                       "$inc": {"rev": 1}}
        if add_file is not None:
            update["$push"] = {"file_ids": add_file}
        res = await self.store.entries.update_one(rev_filter(entry), update)
        if not res.matched_count:
            raise Conflict(CHANGED_MEANWHILE)
        await self._drop_unreferenced(entry, update["$set"]["versions"], attachments)

    async def _drop_unreferenced(self, entry: Doc, versions: list[Doc], current: list[Doc]) -> None:
        """Delete the entry's files that no kept version and not the current list refer to, and
        give their bytes back to the entry's and the owner's quotas."""
        gone = referenced_files(entry.get("versions", []), entry.get("attachments", [])) - referenced_files(
            versions, current)
        if not gone:
            return
        files = await self.store.attachments.find({"_id": {"$in": sorted(gone)}, "entry_id": entry["_id"]},
                                                  {"size": 1}).to_list()
        freed = sum(int(f.get("size", 0)) for f in files)
        await self.store.attachments.delete_many({"_id": {"$in": [f["_id"] for f in files]}})
        await self.store.blind_files.delete_many({"_id": {"$in": [f["_id"] for f in files]}})
        if freed:
            await self.store.add_to(f"bytes:{entry['owner_id']}", -freed)
            await self.store.entries.update_one({"_id": entry["_id"]}, {"$inc": {"stored_bytes": -freed}})
        log.info("attachments.deleted", entry_id=entry["_id"], count=len(files), bytes=freed)

    @staticmethod
    def _check_size(doc: Doc, lang: Lang) -> None:
        if len(bson.encode(doc)) > MAX_ENTRY_BYTES:
            raise field_errors({"_": "Sáng kiến quá lớn để lưu thêm; hãy rút gọn nội dung." if lang == "vi" else
                               "The initiative is too large to save; please shorten it."}, lang, TooLarge)

    async def attachment(self, user: Principal, file_id: str) -> Doc:
        """A file for its owner or an organiser; anyone else is told it does not exist."""
        f = await self.store.attachments.find_one({"_id": file_id})
        if f is None or not (user.has("organiser") or f["owner_id"] == user.account_id):
            raise NotFound("Không tìm thấy tệp đính kèm.")
        return f

    async def judge_attachment(self, file_id: str, entry_id: str, judge: Principal) -> Doc:
        """A file judging refers to, as a judge gets it: it must belong to the entry, the entry must
        still be judged, the judge must review it (organisers may always look), and what is served
        is the copy without metadata, under a neutral name."""
        f = await self.store.attachments.find_one({"_id": file_id, "entry_id": entry_id})
        entry = await self.store.entries.find_one({"_id": entry_id}, {"status": 1, "in_judging": 1, "versions": 1})
        if f is None or entry is None or not entry.get("in_judging") or entry["status"] in ("withdrawn", "ineligible"):
            raise NotFound("Không tìm thấy tệp đính kèm.")
        if not judge.has("organiser"):
            reviewers = await self.store.reviewers.find_one({"_id": entry_id}) or {}
            if not any(judge.account_id in ids for ids in (reviewers.get("rounds") or {}).values()):
                raise Forbidden("Bạn không được phân công chấm hồ sơ này.")
        index = next((i for v in reversed(entry.get("versions", []))
                      for i, a in enumerate(v.get("attachments", []), start=1) if a["file_id"] == file_id), 1)
        name = neutral_name(index, f["content_type"])
        blind = await self.store.blind_files.find_one({"_id": file_id})
        if blind is None:
            kind = KIND_OF_TYPE.get(f["content_type"], "")
            try:
                data = await asyncio.to_thread(scrub, kind, bytes(f["data"]))
            except Unscrubbable as exc:
                log.warning("attachment.unscrubbable", file_id=file_id, entry_id=entry_id, error=str(exc))
                raise Conflict("Tệp này không thể tự động xoá thông tin tác giả; Ban tổ chức "
                                                "sẽ kiểm tra và gửi lại cho bạn.") from exc
            blind = {"_id": file_id, "entry_id": entry_id, "data": Binary(data), "content_type": f["content_type"]}
            await insert_new(self.store.blind_files, [blind])
        return {**blind, "filename": name}

    async def on_reviewers(self, entry_id: str, round_no: int, judge_ids: list[str]) -> None:
        """Judging's current reviewers of the entry in a round (events of a contest arrive in order)."""
        await self.store.reviewers.update_one({"_id": entry_id}, {"$set": {f"rounds.{round_no}": judge_ids}},
                                              upsert=True)

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
