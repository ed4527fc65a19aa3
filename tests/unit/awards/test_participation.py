"""Participation statistics folded from insert-only status facts."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.awards.domain.participation import latest_statuses, tally

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def fact(n: int, entry: str, status: str, minutes: int, unit: str = "UBND xã A", category: str = "tthc") -> dict:
    return {"_id": f"ev{n:04d}", "entry_id": entry, "status": status, "unit": unit, "category": category,
            "at": T0 + timedelta(minutes=minutes)}


def test_each_entry_counts_once_with_its_latest_status_and_withdrawn_ones_not_at_all() -> None:
    facts = [
        fact(1, "e1", "submitted", 0), fact(2, "e1", "eligible", 30),
        fact(3, "e2", "submitted", 5, unit="Sở Tư pháp"), fact(4, "e2", "withdrawn", 9, unit="Sở Tư pháp"),
        fact(5, "e3", "submitted", 7, category="so"), fact(6, "e3", "ineligible", 40, category="so"),
        fact(7, "e4", "submitted", 8),
    ]
    out = tally(reversed(facts))  # the order they are read in does not matter
    assert out["by_unit"] == [("UBND xã A", 3)]
    assert out["by_category"] == [("tthc", 2), ("so", 1)]
    assert out["by_status"] == [("eligible", 1), ("ineligible", 1), ("submitted", 1)]


def test_a_redelivered_fact_changes_nothing_and_a_naive_time_is_utc() -> None:
    first, later = fact(1, "e1", "submitted", 0), fact(2, "e1", "eligible", 1)
    naive = {**later, "_id": "ev0003", "status": "ineligible", "at": (T0 + timedelta(minutes=2)).replace(tzinfo=None)}
    assert latest_statuses([first, later, first])["e1"]["status"] == "eligible"
    assert latest_statuses([naive, first, later])["e1"]["status"] == "ineligible"


@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["submitted", "eligible", "ineligible", "withdrawn"]),
                          st.integers(0, 50)), max_size=40), st.randoms())
def test_the_fold_is_the_last_write_of_applying_facts_in_time_order(rows: list, rnd: random.Random) -> None:
    facts = [fact(n, f"e{e}", s, m) for n, (e, s, m) in enumerate(rows)]
    applied: dict[str, str] = {}
    for f in sorted(facts, key=lambda f: (f["at"], f["_id"])):
        applied[f["entry_id"]] = f["status"]
    shuffled = facts[:]
    rnd.shuffle(shuffled)
    assert {k: v["status"] for k, v in latest_statuses(shuffled).items()} == applied
    counted = tally(shuffled)
    assert sum(n for _, n in counted["by_unit"]) == sum(1 for s in applied.values() if s != "withdrawn")
