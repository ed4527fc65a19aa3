"""Every Kafka topic the platform uses, with its partition count and what its key is.

The project creates topics itself (auto-creation is off on the broker) so partition counts
are declared here, once. Keys are aggregate ids: all events of one initiative (or, for
judging and awards, one contest) land on one partition and stay in order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    key: str
    doc: str
    config: tuple[tuple[str, str], ...] = ()


ACCOUNTS = Topic("identity.accounts", 3, "account_id", "Accounts registered, updated, deactivated.")
CONTESTS = Topic("submission.contests", 3, "contest_id", "Contest configuration and window changes.")
ENTRIES = Topic(
    "submission.entries", 6, "entry_id", "Blind entry content for judging: never an author's name or e-mail."
)
AUTHORS = Topic("submission.authors", 6, "entry_id", "Authors and units of entries, for results and certificates.")
STATUSES = Topic("submission.statuses", 6, "entry_id", "Screening decisions and entry status changes.")
JUDGING = Topic("judging.results", 6, "contest_id", "Assignment, round results, round and judging closure.")
AWARDS = Topic("awards.results", 3, "contest_id", "Announced results.")
UNITS = Topic("identity.units", 1, "directory", "The province's unit directory, whole, after each change.")
ADOPTION = Topic("adoption.plans", 3, "plan_id", "Replication plans of initiatives and the target units' reports.")

ALL: tuple[Topic, ...] = (ACCOUNTS, CONTESTS, ENTRIES, AUTHORS, STATUSES, JUDGING, AWARDS, UNITS, ADOPTION)


# Dead letters are bounded (an excerpt of at most 64 KiB each, ``shared.deadletters``) and so is
# the topic: kept 30 days, at most 256 MiB.
_BOUNDED = (("retention.ms", str(30 * 24 * 3600 * 1000)), ("retention.bytes", str(256 * 1024 * 1024)))


def dead_letter(service: str) -> Topic:
    """Each service has its own dead-letter topic, so a poisoned message is traced to its reader."""
    return Topic(f"dlq.{service}", 1, "original key", f"Messages {service} could not handle, with the reason.",
                 _BOUNDED)


def replay(service: str) -> Topic:
    """Where an operator puts dead letters back for one service only (``python -m shared.admin dlq replay``)."""
    return Topic(f"replay.{service}", 1, "original key", f"Dead letters replayed into {service}.", _BOUNDED)


SERVICES = ("identity", "submission", "judging", "awards", "notifications", "adoption")
DEAD_LETTERS: tuple[Topic, ...] = tuple(dead_letter(s) for s in SERVICES)
REPLAYS: tuple[Topic, ...] = tuple(replay(s) for s in SERVICES)


def all_topics() -> tuple[Topic, ...]:
    return ALL + DEAD_LETTERS + REPLAYS
