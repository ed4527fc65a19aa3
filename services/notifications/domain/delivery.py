"""When a message is tried again, and what an SMTP answer means.

A message's id is derived from the fact that caused it (event id, kind, recipient), so a
redelivered event plans the same message again and the store refuses the copy: planning is
idempotent without any bookkeeping. Sending is at-least-once (see ``services.notifications.sender``).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from datetime import datetime, timedelta


def message_id(*parts: str) -> str:
    """A stable id for the message caused by ``parts`` (event id, kind, recipient…)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def batch_id(item_ids: Iterable[str]) -> str:
    """A digest's id: the same items always make the same digest, in any order."""
    return "digest-" + message_id(*sorted(item_ids))


def next_attempt(now: datetime, attempts: int, *, base_s: float, cap_s: float,
                 rng: random.Random | None = None) -> datetime:
    """Exponential backoff with full jitter after ``attempts`` failed tries (1 = the first failed):
    spreads retries after an SMTP outage instead of sending every waiting message at once."""
    ceiling = min(cap_s, base_s * 2 ** max(0, attempts - 1))
    delay = (rng or random).uniform(ceiling / 2, ceiling)
    return now + timedelta(seconds=delay)


def smtp_transient(code: int | None) -> bool:
    """4xx (and no answer at all: connection refused, timeout) may succeed later; 5xx will not."""
    return code is None or 400 <= code < 500
