"""The initiative form, its validation, versions, receipt codes and lifecycle status.

Drafts are validated leniently (types and maximum lengths only) so people can save half-written
work; submission checks everything. Errors are keyed by field path ("co_authors.2.email",
indexes from 0) so the HTTP layer can show each one next to its input.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from .contest_rules import ContestRules, to_utc
from .messages import Issue, ValidationError

# ---------------------------------------------------------------------------------------------
# Form model
# ---------------------------------------------------------------------------------------------

#: (min, max) characters after NFC normalisation and trimming; min applies on submission only.
TEXT_LIMITS: dict[str, tuple[int, int]] = {
    "title": (5, 300),
    "category": (0, 200),
    "author_unit": (2, 200),
    "author_group": (0, 200),
    "current_situation": (50, 20_000),
    "solution": (50, 20_000),
    "novelty": (50, 20_000),
    "effectiveness": (50, 20_000),
    "applicability": (50, 20_000),
    "cost": (0, 2_000),
}
LONG_TEXT_FIELDS = ("current_situation", "solution", "novelty", "effectiveness", "applicability")
COAUTHOR_LIMITS: dict[str, tuple[int, int]] = {
    "full_name": (2, 100),
    "position": (0, 100),
    "unit": (2, 200),
    "email": (3, 254),
}
SHARE_MIN, SHARE_MAX = 1, 100
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"
)


def clean_text(value: str) -> str:
    """NFC + trim, so "ế" typed as e + two combining marks counts as one character."""
    return unicodedata.normalize("NFC", value).strip()


@dataclass(frozen=True, slots=True)
class CoAuthor:
    """A co-author as declared on the form; ``contribution_pct`` is a whole percentage."""

    full_name: str
    position: str = ""
    unit: str = ""
    email: str = ""
    contribution_pct: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "full_name": self.full_name,
            "position": self.position,
            "unit": self.unit,
            "email": self.email,
            "contribution_pct": self.contribution_pct,
        }


@dataclass(frozen=True, slots=True)
class InitiativeForm:
    """The typed content of one initiative (one version of it).

    Every field has an empty default because drafts may be incomplete. ``category`` is
    required only when the contest lists categories, ``author_group`` only when it
    restricts ``eligible_groups``.
    """

    title: str = ""
    category: str = ""
    author_unit: str = ""
    author_group: str = ""
    co_authors: tuple[CoAuthor, ...] = ()
    current_situation: str = ""
    solution: str = ""
    novelty: str = ""
    effectiveness: str = ""
    applicability: str = ""
    cost: str = ""
    commitment: bool = False

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> InitiativeForm:
        """Build a form from raw input; raises ``ValidationError`` if even a draft is invalid."""
        issues = _check(data, None, full=False)
        if issues:
            raise ValidationError(issues)

        def text(source: Mapping[str, object], key: str) -> str:
            value = source.get(key)
            return clean_text(value) if isinstance(value, str) else ""

        co_authors: list[CoAuthor] = []
        raw_list = data.get("co_authors")
        for raw in raw_list if isinstance(raw_list, list | tuple) else ():
            if isinstance(raw, CoAuthor):
                raw = raw.to_dict()
            if not isinstance(raw, Mapping):
                continue  # unreachable after _check; keeps the types honest
            pct = raw.get("contribution_pct")
            co_authors.append(
                CoAuthor(
                    full_name=text(raw, "full_name"),
                    position=text(raw, "position"),
                    unit=text(raw, "unit"),
                    email=text(raw, "email").lower(),
                    contribution_pct=pct if isinstance(pct, int) else 0,
                )
            )
        return cls(
            title=text(data, "title"),
            category=text(data, "category"),
            author_unit=text(data, "author_unit"),
            author_group=text(data, "author_group"),
            co_authors=tuple(co_authors),
            current_situation=text(data, "current_situation"),
            solution=text(data, "solution"),
            novelty=text(data, "novelty"),
            effectiveness=text(data, "effectiveness"),
            applicability=text(data, "applicability"),
            cost=text(data, "cost"),
            commitment=data.get("commitment") is True,
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready representation; also the input of ``fields_hash``."""
        return {
            "title": self.title,
            "category": self.category,
            "author_unit": self.author_unit,
            "author_group": self.author_group,
            "co_authors": [c.to_dict() for c in self.co_authors],
            "current_situation": self.current_situation,
            "solution": self.solution,
            "novelty": self.novelty,
            "effectiveness": self.effectiveness,
            "applicability": self.applicability,
            "cost": self.cost,
            "commitment": self.commitment,
        }

    @property
    def main_author_share(self) -> int:
        """What is left for the main author once co-authors' shares are taken."""
        return 100 - sum(c.contribution_pct for c in self.co_authors)

    def body_text(self) -> str:
        """The prose judged for originality: what the similarity index should compare."""
        parts = [self.title, *(getattr(self, name) for name in LONG_TEXT_FIELDS)]
        return "\n\n".join(p for p in parts if p)


FormInput = Mapping[str, object] | InitiativeForm


def check_draft(fields: FormInput, rules: ContestRules) -> dict[str, Issue]:
    """Issues that stop a draft from being saved: wrong types and over-long values only."""
    return _check(fields, rules, full=False)


def check_submission(fields: FormInput, rules: ContestRules) -> dict[str, Issue]:
    """Every issue that stops an entry from being submitted."""
    return _check(fields, rules, full=True)


def _check_text(
    issues: dict[str, Issue], key: str, value: object, limits: tuple[int, int], *, full: bool
) -> str | None:
    """Type and length of one text field; returns the cleaned text when it is text."""
    low, high = limits
    if value is None:
        value = ""
    if not isinstance(value, str):
        issues[key] = Issue.of("not_text")
        return None
    text = clean_text(value)
    if len(text) > high:
        issues[key] = Issue.of("too_long", max=high, length=len(text))
    elif full and low > 0 and not text:
        issues[key] = Issue.of("required")
    elif full and len(text) < low:
        issues[key] = Issue.of("too_short", min=low, length=len(text))
    return text


def _check(fields: FormInput, rules: ContestRules | None, *, full: bool) -> dict[str, Issue]:
    data: Mapping[str, object] = fields.to_dict() if isinstance(fields, InitiativeForm) else fields
    issues: dict[str, Issue] = {}
    texts: dict[str, str | None] = {
        name: _check_text(issues, name, data.get(name), limits, full=full) for name, limits in TEXT_LIMITS.items()
    }
    if full and rules is not None:
        category = texts["category"]
        if rules.categories and "category" not in issues:
            if not category:
                issues["category"] = Issue.of("required")
            elif category not in rules.categories:
                issues["category"] = Issue.of("category_unknown")
        group = texts["author_group"]
        if rules.eligible_groups and "author_group" not in issues:
            if not group:
                issues["author_group"] = Issue.of("required")
            elif group not in rules.eligible_groups:
                issues["author_group"] = Issue.of("group_not_eligible")
    _check_co_authors(issues, data.get("co_authors"), rules, full=full)
    commitment = data.get("commitment")
    if commitment is not None and not isinstance(commitment, bool):
        issues["commitment"] = Issue.of("not_bool")
    elif full and commitment is not True:
        issues["commitment"] = Issue.of("commitment_required")
    return issues


def _check_co_authors(issues: dict[str, Issue], raw: object, rules: ContestRules | None, *, full: bool) -> None:
    if raw is None:
        return
    if not isinstance(raw, list | tuple):
        issues["co_authors"] = Issue.of("not_list")
        return
    if rules is not None and len(raw) > rules.max_coauthors:
        issues["co_authors"] = Issue.of("too_many_coauthors", max=rules.max_coauthors)
    seen_emails: set[str] = set()
    shares: list[int] = []
    for i, item in enumerate(raw):
        prefix = f"co_authors.{i}"
        entry: Mapping[str, object]
        if isinstance(item, CoAuthor):
            entry = item.to_dict()
        elif isinstance(item, Mapping):
            entry = item
        else:
            issues[prefix] = Issue.of("not_object")
            continue
        values = {
            name: _check_text(issues, f"{prefix}.{name}", entry.get(name), limits, full=full)
            for name, limits in COAUTHOR_LIMITS.items()
        }
        email_key = f"{prefix}.email"
        email = (values["email"] or "").lower()
        if full and email and email_key not in issues:
            if not _EMAIL.match(email):
                issues[email_key] = Issue.of("email_invalid")
            elif email in seen_emails:
                issues[email_key] = Issue.of("email_duplicate")
            seen_emails.add(email)
        pct = entry.get("contribution_pct")
        pct_key = f"{prefix}.contribution_pct"
        if pct is None:
            if full:
                issues[pct_key] = Issue.of("required")
        elif isinstance(pct, bool) or not isinstance(pct, int):
            issues[pct_key] = Issue.of("not_int")
        elif full and not SHARE_MIN <= pct <= SHARE_MAX:
            issues[pct_key] = Issue.of("share_range", min=SHARE_MIN, max=SHARE_MAX)
        else:
            shares.append(pct)
    total = sum(shares)
    if full and "co_authors" not in issues and 100 - total < 1:
        issues["co_authors"] = Issue.of("share_total", total=total)


# ---------------------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------------------


def fields_hash(form: InitiativeForm) -> str:
    """SHA-256 of the canonical JSON, so identical content always hashes identically."""
    canonical = json.dumps(form.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Version:
    """One saved state of an entry; versions are never edited, only appended."""

    number: int
    saved_at: datetime
    fields_hash: str
    fields: InitiativeForm

    def __post_init__(self) -> None:
        # A naive time (e.g. read from a store without tz_aware) would make deadline
        # comparisons fail later and far away; refuse it here and keep UTC.
        object.__setattr__(self, "saved_at", to_utc(self.saved_at, "saved_at"))


def next_version(versions: Sequence[Version], fields: InitiativeForm, now: datetime) -> Version | None:
    """The version to append for a save at ``now``, or None when nothing changed.

    ``saved_at`` never goes below the previous version's, so clock skew between service
    instances cannot reorder history; it can only push a save later, never before a deadline.
    """
    instant = to_utc(now, "now")
    digest = fields_hash(fields)
    if not versions:
        return Version(1, instant, digest, fields)
    last = max(versions, key=lambda v: v.number)
    if last.fields_hash == digest:
        return None
    return Version(last.number + 1, max(instant, last.saved_at), digest, fields)


def version_at(versions: Iterable[Version], instant: datetime) -> Version | None:
    """The version that stood at ``instant`` (usually the deadline): the last saved at or before it.

    Judges must score what existed at the deadline even if a later save slipped through.
    """
    moment = to_utc(instant, "instant")
    eligible = [v for v in versions if v.saved_at <= moment]
    if not eligible:
        return None
    return max(eligible, key=lambda v: (v.saved_at, v.number))


# ---------------------------------------------------------------------------------------------
# Receipt codes
# ---------------------------------------------------------------------------------------------

RECEIPT_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_RECEIPT_INDEX = {ch: i for i, ch in enumerate(RECEIPT_ALPHABET)}
_CONTEST_CODE = re.compile(r"^[A-Z0-9]{2,16}$")
_RECEIPT = re.compile(r"^([A-Z0-9]{2,16})-([0-9]{6,})-([A-Z0-9]{2})$")
MIN_SALT_BYTES = 8


def _luhn_value(chars: str, *, with_check: bool) -> int:
    """Luhn mod 36 sum: any single substituted character changes it, which is the point."""
    n = len(RECEIPT_ALPHABET)
    total = 0
    double = not with_check
    for ch in reversed(chars):
        value = _RECEIPT_INDEX[ch]
        if double:
            value *= 2
            value = value // n + value % n
        total += value
        double = not double
    return total % n


def _keyed_char(contest_code: str, seq_text: str, secret_salt: bytes) -> str:
    digest = hmac.new(secret_salt, f"{contest_code}-{seq_text}".encode(), hashlib.sha256).digest()
    return RECEIPT_ALPHABET[int.from_bytes(digest[:4], "big") % len(RECEIPT_ALPHABET)]


def receipt_code(contest_code: str, seq: int, secret_salt: bytes) -> str:
    """Receipt code such as "SK2026-000123-7Q" for the ``seq``-th entry of a contest.

    The check part is a salted HMAC character (so codes cannot be minted without the
    secret) followed by a Luhn mod 36 character over everything before it, which
    guarantees that any single mistyped character makes the code invalid.
    """
    code = contest_code.strip().upper()
    if not _CONTEST_CODE.match(code):
        raise ValueError("contest_code must be 2-16 letters or digits")
    if seq < 1:
        raise ValueError("seq must be positive")
    if len(secret_salt) < MIN_SALT_BYTES:
        raise ValueError(f"secret_salt must have at least {MIN_SALT_BYTES} bytes")
    seq_text = f"{seq:06d}"
    keyed = _keyed_char(code, seq_text, secret_salt)
    payload = code + seq_text + keyed
    check = RECEIPT_ALPHABET[(-_luhn_value(payload, with_check=False)) % len(RECEIPT_ALPHABET)]
    return f"{code}-{seq_text}-{keyed}{check}"


def parse_receipt(code: str, secret_salt: bytes) -> tuple[str, int] | None:
    """(contest_code, seq) of a valid receipt code, None for anything mistyped or forged."""
    match = _RECEIPT.match(code.strip().upper())
    if match is None:
        return None
    contest, seq_text, check = match.groups()
    if len(seq_text) > 6 and seq_text.startswith("0"):
        return None  # one canonical spelling per sequence number
    if _luhn_value(contest + seq_text + check, with_check=True) != 0:
        return None
    if not hmac.compare_digest(check[0], _keyed_char(contest, seq_text, secret_salt)):
        return None
    return contest, int(seq_text)


def is_valid_receipt(code: str, secret_salt: bytes) -> bool:
    """True when the code was issued with this salt and has no typo."""
    return parse_receipt(code, secret_salt) is not None


# ---------------------------------------------------------------------------------------------
# Lifecycle status
# ---------------------------------------------------------------------------------------------

Status = Literal[
    "draft",
    "submitted",
    "withdrawn",
    "eligible",
    "ineligible",
    "under_review",
    "scored",
    "awarded",
    "not_awarded",
]
STATUSES: tuple[Status, ...] = get_args(Status)

#: Stage of each status. Events from screening/judging/awards may arrive late or out of order;
#: a status of a lower rank than the current one is stale and never applied.
STATUS_RANK: dict[Status, int] = {
    "draft": 0,
    "submitted": 1,
    "withdrawn": 2,
    "eligible": 2,
    "ineligible": 2,
    "under_review": 3,
    "scored": 4,
    "awarded": 5,
    "not_awarded": 5,
}

#: Allowed moves. Later stages may be reached directly because the intermediate event can be
#: overtaken by a later one; every move strictly increases the rank.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    "draft": frozenset({"submitted", "withdrawn"}),
    "submitted": frozenset({"withdrawn", "eligible", "ineligible", "under_review", "scored", "awarded", "not_awarded"}),
    "eligible": frozenset({"under_review", "scored", "awarded", "not_awarded"}),
    "under_review": frozenset({"scored", "awarded", "not_awarded"}),
    "scored": frozenset({"awarded", "not_awarded"}),
    "withdrawn": frozenset(),
    "ineligible": frozenset(),
    "awarded": frozenset(),
    "not_awarded": frozenset(),
}

#: Moves the participant makes themselves; only legal while the contest window is open.
PARTICIPANT_STATUSES: frozenset[Status] = frozenset({"submitted", "withdrawn"})

TransitionKind = Literal["stale", "forbidden", "window_closed"]


class TransitionError(ValueError):
    """A status change that must not be applied.

    ``kind`` tells consumers what to do: "stale" is a late event that can be dropped
    quietly; "forbidden" and "window_closed" deserve a log line or a user message.
    """

    def __init__(self, current: Status, new: Status, kind: TransitionKind) -> None:
        self.current = current
        self.new = new
        self.kind = kind
        super().__init__(f"{current} -> {new}: {kind}")


def _as_status(value: str) -> Status:
    for status in STATUSES:
        if status == value:
            return status
    raise ValueError(f"unknown entry status {value!r}")


def apply_status(current: str, new: str, *, window_open: bool = False) -> Status:
    """The status after applying ``new`` to ``current``, or raise ``TransitionError``.

    Re-applying the current status is a no-op (events are delivered at least once).
    ``window_open`` must be True for the participant's own moves (submit, withdraw):
    after the deadline the entry is frozen. It defaults to False so forgetting it refuses.
    """
    cur, nxt = _as_status(current), _as_status(new)
    if cur == nxt:
        return cur
    if nxt in TRANSITIONS[cur]:
        if nxt in PARTICIPANT_STATUSES and not window_open:
            raise TransitionError(cur, nxt, "window_closed")
        return nxt
    if STATUS_RANK[nxt] < STATUS_RANK[cur]:
        raise TransitionError(cur, nxt, "stale")
    raise TransitionError(cur, nxt, "forbidden")
