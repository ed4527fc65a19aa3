"""Notifications' pure rules: message ids, digests' ids, retry times, SMTP answers, categories."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.notifications.domain import kinds
from services.notifications.domain.delivery import batch_id, message_id, next_attempt, smtp_transient

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_a_message_id_depends_on_every_part() -> None:
    a = message_id("evt-1", "receipt", "acc-1")
    assert a == message_id("evt-1", "receipt", "acc-1")  # a redelivered event plans the same message
    assert len({a, message_id("evt-2", "receipt", "acc-1"), message_id("evt-1", "result", "acc-1"),
                message_id("evt-1", "receipt", "acc-2")}) == 4
    # parts are separated: moving a boundary makes another id
    assert message_id("ab", "c") != message_id("a", "bc")


@given(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=20, unique=True), st.randoms())
def test_a_digest_id_ignores_the_order_of_its_items(items: list[str], rnd: random.Random) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert batch_id(items) == batch_id(shuffled)
    if len(items) > 1:
        assert batch_id(items) != batch_id(items[1:])


@given(st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=2**32))
def test_retries_back_off_within_the_cap(attempts: int, seed: int) -> None:
    base, cap = 30.0, 3600.0
    at = next_attempt(NOW, attempts, base_s=base, cap_s=cap, rng=random.Random(seed))
    ceiling = min(cap, base * 2 ** (attempts - 1))
    assert NOW + timedelta(seconds=ceiling / 2) <= at <= NOW + timedelta(seconds=ceiling)


def test_the_wait_doubles_until_the_cap() -> None:
    ceilings = []
    for n in range(1, 10):
        rng = random.Random(0)
        ceilings.append((next_attempt(NOW, n, base_s=10, cap_s=600, rng=rng) - NOW).total_seconds())
    assert ceilings == sorted(ceilings)
    assert max(ceilings) <= 600


def test_smtp_answers() -> None:
    assert smtp_transient(None)  # no answer: the relay is down or slow
    assert smtp_transient(421) and smtp_transient(451) and smtp_transient(452)
    assert not smtp_transient(550) and not smtp_transient(553)


def test_account_messages_cannot_be_turned_off() -> None:
    everything: set[str] = set(kinds.OPTIONAL)
    assert kinds.wanted(kinds.WELCOME, everything)
    assert kinds.wanted(kinds.PASSWORD_RESET, everything)
    assert not kinds.wanted(kinds.RECEIPT, {"submission"})
    assert kinds.wanted(kinds.RECEIPT, {"judging"})
    assert not kinds.wanted(kinds.ASSIGNMENTS, {"judging"})
    assert all(k.category in (*kinds.OPTIONAL, "account") for k in kinds.KINDS.values())
