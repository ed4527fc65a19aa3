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


ACCOUNTS = Topic("identity.accounts", 3, "account_id", "Accounts registered, updated, deactivated.")
CONTESTS = Topic("submission.contests", 3, "contest_id", "Contest configuration and window changes.")
ENTRIES = Topic(
    "submission.entries", 6, "entry_id", "Blind entry content for judging: never an author's name or e-mail."
)
AUTHORS = Topic("submission.authors", 6, "entry_id", "Authors and units of entries, for results and certificates.")
STATUSES = Topic("submission.statuses", 6, "entry_id", "Screening decisions and entry status changes.")
JUDGING = Topic("judging.results", 6, "contest_id", "Assignment, round results, round and judging closure.")
AWARDS = Topic("awards.results", 3, "contest_id", "Announced results.")

ALL: tuple[Topic, ...] = (ACCOUNTS, CONTESTS, ENTRIES, AUTHORS, STATUSES, JUDGING, AWARDS)


def dead_letter(service: str) -> Topic:
    """Each service has its own dead-letter topic, so a poisoned message is traced to its reader."""
    return Topic(f"dlq.{service}", 1, "original key", f"Messages {service} could not handle, with the reason.")


SERVICES = ("identity", "submission", "judging", "awards")
DEAD_LETTERS: tuple[Topic, ...] = tuple(dead_letter(s) for s in SERVICES)


def all_topics() -> tuple[Topic, ...]:
    return ALL + DEAD_LETTERS
