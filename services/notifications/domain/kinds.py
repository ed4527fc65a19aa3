"""The messages the platform sends, and the categories a person may turn off.

Account messages (welcome, password reset, address verification) cannot be turned off: without
them a person cannot reach their account. Everything else is a category the person chooses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Category = Literal["account", "submission", "judging", "results", "adoption"]
OPTIONAL: tuple[Category, ...] = ("submission", "judging", "results", "adoption")


@dataclass(frozen=True, slots=True)
class Kind:
    key: str
    category: Category
    #: The body holds a secret (a one-time link): organisers see that it was sent, never its text.
    sensitive: bool = False


WELCOME = Kind("welcome", "account")
RECEIPT = Kind("receipt", "submission")
ELIGIBLE = Kind("eligible", "submission")
INELIGIBLE = Kind("ineligible", "submission")
WITHDRAWN = Kind("withdrawn", "submission")
UNDER_REVIEW = Kind("under_review", "submission")
ASSIGNMENTS = Kind("assignments", "judging")
REMINDER = Kind("reminder", "judging")
ROUND_CLOSED = Kind("round_closed", "judging")
RESULT = Kind("result", "results")
FEEDBACK_PUBLISHED = Kind("feedback", "results")
PASSWORD_RESET = Kind("password_reset", "account", sensitive=True)
SET_PASSWORD = Kind("set_password", "account", sensitive=True)  # an organiser made the account
VERIFY_EMAIL = Kind("verify_email", "account", sensitive=True)
EMAIL_CHANGED = Kind("email_changed", "account")
# Replication of initiatives (services/adoption): to units' coordinators, and organisers' notices.
ADOPTION_ASSIGNED = Kind("adoption_assigned", "adoption")
ADOPTION_OVERDUE = Kind("adoption_overdue", "adoption")
ADOPTION_DECLINED = Kind("adoption_declined", "adoption")

KINDS: dict[str, Kind] = {k.key: k for k in (
    WELCOME, RECEIPT, ELIGIBLE, INELIGIBLE, WITHDRAWN, UNDER_REVIEW, ASSIGNMENTS, REMINDER, ROUND_CLOSED, RESULT,
    FEEDBACK_PUBLISHED, PASSWORD_RESET, SET_PASSWORD, VERIFY_EMAIL, EMAIL_CHANGED, ADOPTION_ASSIGNED, ADOPTION_OVERDUE,
    ADOPTION_DECLINED)}


def wanted(kind: Kind, opted_out: frozenset[str] | set[str]) -> bool:
    """Whether a person who turned off ``opted_out`` categories still gets ``kind``."""
    return kind.category == "account" or kind.category not in opted_out
