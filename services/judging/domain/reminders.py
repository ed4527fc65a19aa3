"""When judges are reminded of their deadline, and of what.

Pure rules. A round's automatic reminder is due ``days`` before its deadline and until the
deadline itself (a reminder after the deadline says nothing the queue's "overdue" does not);
``days`` 0 turns it off. Each (contest, round, deadline, lead time) fires once: its key names
all four, so a changed deadline or lead time is a new reminder, the same one never twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["Workload", "due", "reminder_key", "workloads"]


@dataclass(frozen=True, slots=True)
class Workload:
    """A judge's sheets in a round: still to submit, and in all."""

    pending: int
    total: int


def reminder_key(contest_id: str, round_no: int, deadline: datetime, days: int) -> str:
    """The reminder's identity; the deadline in UTC to the second, so equal instants agree."""
    at = deadline.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{contest_id}:{round_no}:{at}:{days}d"


def due(deadline: datetime, days: int, now: datetime) -> bool:
    """Whether the reminder ``days`` before ``deadline`` should go out at ``now``."""
    return days > 0 and deadline - timedelta(days=days) <= now < deadline


def workloads(sheets_of_reviews: Iterable[Mapping[str, Mapping[str, object]]]) -> dict[str, Workload]:
    """Judge id -> their workload, from each review's sheets (judge id -> sheet with a
    ``status``); a sheet not ``submitted`` is pending."""
    pending: dict[str, int] = {}
    total: dict[str, int] = {}
    for sheets in sheets_of_reviews:
        for judge, sheet in sheets.items():
            total[judge] = total.get(judge, 0) + 1
            if sheet.get("status") != "submitted":
                pending[judge] = pending.get(judge, 0) + 1
    return {j: Workload(pending.get(j, 0), n) for j, n in sorted(total.items())}
