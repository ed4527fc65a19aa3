"""Contest configuration and the submission window.

Every instant is stored and compared in UTC so that servers in any zone agree on the deadline;
Vietnam time (Asia/Ho_Chi_Minh, UTC+7 all year, no DST) is only used to show and read times.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from shared.attachments import normalize_type as normalize_type  # re-exported: the rule is shared

from .messages import Issue, ValidationError

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LOCAL_FORMAT = "%d/%m/%Y %H:%M"

ContestStatus = Literal["draft", "open", "closed"]
WindowState = Literal["not_open", "open", "closed"]
CONTEST_STATUSES: frozenset[str] = frozenset(get_args(ContestStatus))

#: File types the attachment sniffer can recognise; a contest may allow a subset.
SUPPORTED_TYPES: frozenset[str] = frozenset({"pdf", "docx", "xlsx", "png", "jpg"})
DEFAULT_ALLOWED_TYPES: frozenset[str] = SUPPORTED_TYPES
MIN_EXTENSION_REASON = 10


def to_utc(dt: datetime, field_name: str = "time") -> datetime:
    """Reject naive datetimes: guessing their zone is how deadlines end up 7 hours off."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValidationError({field_name: Issue.of("naive_datetime")})
    return dt.astimezone(UTC)


def format_local(dt: datetime) -> str:
    """Show an instant the way Vietnamese users read it, e.g. "25/11/2026 17:00"."""
    return to_utc(dt).astimezone(VN_TZ).strftime(LOCAL_FORMAT)


def parse_local(text: str) -> datetime:
    """Read "dd/mm/yyyy HH:MM" typed by an organiser as Vietnam time, returned in UTC."""
    naive = datetime.strptime(text.strip(), LOCAL_FORMAT)
    return naive.replace(tzinfo=VN_TZ).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ContestRules:
    """The per-contest knobs the submission rules depend on.

    Construction normalises (UTC instants, canonical file types) and validates, so an
    instance is always usable and comparisons never meet a naive datetime.
    """

    opens_at: datetime
    closes_at: datetime
    max_coauthors: int = 5
    allowed_types: frozenset[str] = field(default=DEFAULT_ALLOWED_TYPES)
    max_file_bytes: int = 20 * 1024 * 1024
    max_files: int = 10
    categories: tuple[str, ...] = ()
    eligible_groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        issues: dict[str, Issue] = {}
        opens = closes = None
        try:
            opens = to_utc(self.opens_at, "opens_at")
        except ValidationError as exc:
            issues.update(exc.issues)
        try:
            closes = to_utc(self.closes_at, "closes_at")
        except ValidationError as exc:
            issues.update(exc.issues)
        if opens is not None and closes is not None and closes <= opens:
            issues["closes_at"] = Issue.of("window_order")
        if self.max_coauthors < 0:
            issues["max_coauthors"] = Issue.of("negative")
        if self.max_file_bytes <= 0:
            issues["max_file_bytes"] = Issue.of("not_positive")
        if self.max_files <= 0:
            issues["max_files"] = Issue.of("not_positive")
        types = frozenset(normalize_type(t) for t in self.allowed_types)
        if not types:
            issues["allowed_types"] = Issue.of("required")
        elif unsupported := types - SUPPORTED_TYPES:
            issues["allowed_types"] = Issue.of("type_unsupported", types=", ".join(sorted(unsupported)))
        categories = tuple(c.strip() for c in self.categories)
        groups = tuple(g.strip() for g in self.eligible_groups)
        for name, values in (("categories", categories), ("eligible_groups", groups)):
            if any(not v for v in values):
                issues[name] = Issue.of("required")
            elif len(set(values)) != len(values):
                issues[name] = Issue.of("duplicate_value")
        if issues:
            raise ValidationError(issues)
        object.__setattr__(self, "opens_at", opens)
        object.__setattr__(self, "closes_at", closes)
        object.__setattr__(self, "allowed_types", types)
        object.__setattr__(self, "categories", categories)
        object.__setattr__(self, "eligible_groups", groups)


def window_state(rules: ContestRules, status: str, now: datetime) -> WindowState:
    """Where the contest stands for participants.

    The organiser's status wins over the clock (a draft contest is never open, a closed one
    never reopens by itself); otherwise the window is the half-open interval
    [opens_at, closes_at), so the very instant of the deadline is already closed.
    """
    if status not in CONTEST_STATUSES:
        raise ValueError(f"unknown contest status {status!r}")
    if status == "draft":
        return "not_open"
    if status == "closed":
        return "closed"
    instant = to_utc(now, "now")
    if instant < rules.opens_at:
        return "not_open"
    if instant >= rules.closes_at:
        return "closed"
    return "open"


def can_change_entry(rules: ContestRules, status: str, now: datetime) -> bool:
    """Submitting, editing and withdrawing are only allowed while the window is open."""
    return window_state(rules, status, now) == "open"


def entry_change_issue(rules: ContestRules, status: str, now: datetime) -> Issue | None:
    """Why a participant cannot change an entry right now (None when they can)."""
    state = window_state(rules, status, now)
    if state == "open":
        return None
    if state == "not_open":
        return Issue.of("contest_not_open")
    return Issue.of("contest_closed", deadline=format_local(rules.closes_at))


def extend_deadline(rules: ContestRules, new_closes_at: datetime, reason: str, now: datetime) -> ContestRules:
    """Return the rules with a later deadline, or raise ``ValidationError``.

    Only extensions are allowed (shortening would cut off people who planned for the
    published date), the new deadline must still be ahead of us, and a written reason is
    required because the change must be explainable in the award decision.
    """
    issues: dict[str, Issue] = {}
    instant = to_utc(now, "now")
    new_close = to_utc(new_closes_at, "closes_at")
    if new_close <= rules.closes_at:
        issues["closes_at"] = Issue.of("deadline_not_later", current=format_local(rules.closes_at))
    elif new_close <= instant:
        issues["closes_at"] = Issue.of("deadline_in_past")
    if len(reason.strip()) < MIN_EXTENSION_REASON:
        issues["reason"] = Issue.of("reason_too_short", min=MIN_EXTENSION_REASON)
    if issues:
        raise ValidationError(issues)
    return replace(rules, closes_at=new_close)
