"""What the parts of submission's use cases share: the state, helpers and messages, and the
lookups every part makes (contests, one's own entry)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import structlog

from services.submission.domain.contest_rules import (
    DEFAULT_ALLOWED_TYPES,
    ContestRules,
    entry_change_issue,
)
from services.submission.domain.initiative import (
    InitiativeForm,
    Version,
)
from services.submission.domain.messages import Lang
from services.submission.domain.retention import kept_versions
from services.submission.files import HARD_CAP_BYTES, MB
from services.submission.fingerprints import Fingerprints
from services.submission.messages import issue_message
from services.submission.quotas import EntryQuota
from services.submission.repositories import SubmissionRepositories
from services.submission.settings import SubmissionSettings
from shared.auth import Principal
from shared.envelope import Envelope, EventPayload
from shared.errors import Conflict, Invalid, NotFound, Refused
from shared.events.contests import ContestClosed, ContestOpened, ContestUpdated
from shared.events.statuses import EntryStatusChanged
from shared.mongo import Doc
from shared.unit_copy import UnitCopy
from shared.units import unit_key
from shared.web.i18n import N_, service_catalog

log = structlog.get_logger(__name__)

CONTEST_NOT_FOUND = N_("Không tìm thấy cuộc thi.")
ENTRY_NOT_FOUND = N_("Không tìm thấy sáng kiến.")
CODE_TAKEN = N_("Mã cuộc thi đã tồn tại.")
CHANGED_MEANWHILE = N_("Dữ liệu vừa được thay đổi ở nơi khác, vui lòng tải lại trang.")
EDITABLE = ("draft", "submitted")
#: Statuses of entries that reached judging (a withdrawal must also take them out of it).
IN_JUDGING = ("eligible", "under_review", "scored")

CONTEST_CACHE_S = 1.0

ContestEvent = type[ContestOpened] | type[ContestUpdated] | type[ContestClosed]


QUOTA_ENTRIES = N_("Bạn đã có {n} sáng kiến đang mở trong cuộc thi này (tối đa {n}); hãy hoàn thiện hoặc rút "
                    "bớt trước khi tạo thêm.")
QUOTA_ENTRY = N_("Tổng dung lượng tệp của sáng kiến này đã đạt giới hạn {mb} MB; hãy xoá bớt tệp.")
QUOTA_ACCOUNT = N_("Tổng dung lượng tệp của tài khoản đã đạt giới hạn {mb} MB.")
INVALID_DATA = N_("Dữ liệu không hợp lệ.")
#: The service's texts in either language (the pages' catalogue: shared, then submission's own).
CATALOG = service_catalog(Path(__file__).parent)


def tr(text: str, lang: Lang, **params: object) -> str:
    """A message built here in the caller's language: ``text`` is its Vietnamese msgid (marked
    for extraction where it is written), ``params`` fill its ``{placeholders}``."""
    return CATALOG.format(text, lang, params)


class _SameCreation(Exception):
    """A creation retried with its idempotency key while the first attempt was being written."""


class FieldErrors(Invalid):
    """422 with a message for each field, in the language the caller chose (texts built here
    in English for an English client are returned as they are)."""

    def __init__(self, errors: dict[str, str], lang: Lang = "vi", detail: str | None = None) -> None:
        super().__init__(detail or tr(INVALID_DATA, lang), errors)


def field_errors(errors: dict[str, str], lang: Lang, kind: type[Refused]) -> Refused:
    """A refusal of another kind (conflict, too large) that is still about fields."""
    return kind(tr(INVALID_DATA, lang), errors)


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

    Stored whole (``EntryRepository.save_text``/``save_attachments``), by compare-and-set on ``rev``."""
    out = [{**old, "fields": old.get("fields", entry["fields"])} for old in entry.get("versions", [])]
    return [dict(x) for x in kept_versions([*out, version_doc(v, attachments, submitted=submitted)])]


@dataclass
class SubmissionCore:
    """The state every part shares, and the lookups they all make."""

    repos: SubmissionRepositories
    settings: SubmissionSettings
    fingerprints: Fingerprints
    quota: EntryQuota
    units: UnitCopy
    #: Contests as the entry form last read them, for at most CONTEST_CACHE_S; every contest
    #: write of this process (the only one writing them) drops its copy at once.
    _contests: dict[str, tuple[float, Doc]] = field(default_factory=dict)
    _contest_writes: int = 0  # a read that overlapped a write is not kept

    def _env(self, payload: EventPayload) -> Envelope:
        return Envelope.wrap(payload, producer=self.settings.service_name)

    async def contest(self, contest_id: str, *, include_draft: bool = True) -> Doc:
        c = await self.repos.contests.get(contest_id)
        if c is None or (c["status"] == "draft" and not include_draft):
            raise NotFound(CONTEST_NOT_FOUND)
        return c

    async def contests(self, *, include_drafts: bool = False) -> list[Doc]:
        return await self.repos.contests.listing(include_drafts=include_drafts)

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

    async def own_entry(self, user: Principal, entry_id: str) -> Doc:
        """The participant's own entry; anyone else's is reported as not found (no probing)."""
        e = await self.repos.entries.own(entry_id, user.account_id)
        if e is None:
            raise NotFound(ENTRY_NOT_FOUND)
        return e

    def _status_event(self, entry: Doc, status: str, now: datetime, reason: str = "") -> Envelope:
        return self._env(EntryStatusChanged(
            entry_id=entry["_id"], contest_id=entry["contest_id"], category=entry["fields"].get("category", ""),
            unit=entry["fields"].get("author_unit", ""), status=status, reason=reason, at=now,
            owner_account_id=entry["owner_id"], code=entry.get("code", ""), title=entry["fields"].get("title", ""),
            author_group=entry["fields"].get("author_group", "")))

    def _units_resolved(self, form: InitiativeForm) -> InitiativeForm:
        """Units as the province's directory names them, however they were typed."""
        resolve = self.units.directory.resolve
        return replace(form, author_unit=resolve(form.author_unit) if form.author_unit else "",
                       co_authors=tuple(replace(c, unit=resolve(c.unit)) if c.unit else c for c in form.co_authors))

    async def _open_contest_for_change(self, contest_id: str, lang: Lang) -> tuple[Doc, ContestRules]:
        contest = await self._cached_contest(contest_id)
        rules = rules_of(contest)
        issue = entry_change_issue(rules, contest["status"], datetime.now(UTC))
        if issue is not None:
            raise Conflict(issue_message(issue, lang))
        return contest, rules

