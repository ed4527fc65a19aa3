"""Property tests: the rules hold for any contest, not just the examples."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.awards.domain.allocation import (
    Allocation,
    AllocationError,
    Override,
    PrizeStructure,
    apply_overrides,
    rank_and_allocate,
)
from services.awards.domain.ranking import EntryScores, RankedEntry, rank
from services.awards.domain.result_hash import canonical_inputs, compute_official, compute_result
from services.awards.explanations import render

from .factories import entries_lists, structures

PROPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AT = datetime(2026, 11, 20, tzinfo=UTC)


def r2(value: float) -> Decimal:
    """Independent 2-decimal rounding (exact binary value, half-even), as the rules state."""
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def chain_value(entry: EntryScores, key: str) -> object:
    if key == "total":
        return -r2(entry.official_total)
    if key == "median":
        return -r2(statistics.median(entry.judge_totals)) if entry.judge_totals else Decimal(0)
    if key == "submitted_at":
        return entry.submitted_at
    return -r2(entry.criterion_means[key.removeprefix("criterion:")])


def reference_allocation(ranked: list[RankedEntry], structure: PrizeStructure) -> dict[str, str]:
    """Fill each tier in declared order with its best qualifying, still unawarded entries."""
    taken: dict[str, str] = {}
    for tier in structure.tiers:
        slots = tier.count
        for r in ranked:
            if slots == 0:
                break
            e = r.entry
            if e.entry_id in taken or (tier.category is not None and tier.category != e.category):
                continue
            if r2(e.official_total) >= r2(tier.min_score):
                taken[e.entry_id] = tier.key
                slots -= 1
    return taken


@PROPS
@given(entries_lists(), structures())
def test_ties_are_broken_by_the_chain(entries: list[EntryScores], structure: PrizeStructure) -> None:
    ranked = rank(entries, structure.chain)
    assert [r.position for r in ranked] == list(range(1, len(entries) + 1))
    for upper, lower in pairwise(ranked):
        a = [chain_value(upper.entry, k) for k in structure.chain]
        b = [chain_value(lower.entry, k) for k in structure.chain]
        assert a <= b
        if a == b:
            assert upper.entry_id < lower.entry_id
            assert upper.decided_only_by_id and lower.decided_only_by_id


@PROPS
@given(entries_lists())
def test_tied_with_lists_exactly_the_equal_totals(entries: list[EntryScores]) -> None:
    ranked = rank(entries)
    for r in ranked:
        expected = {
            e.entry_id
            for e in entries
            if e.entry_id != r.entry_id and r2(e.official_total) == r2(r.entry.official_total)
        }
        assert set(r.tied_with) == expected
        if expected:
            assert render(r.explanation, "vi").count("Bằng điểm với") in (1, 2)


@PROPS
@given(entries_lists(), structures(), st.randoms(use_true_random=False))
def test_result_is_independent_of_input_order(
    entries: list[EntryScores], structure: PrizeStructure, rnd: random.Random
) -> None:
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    a = rank_and_allocate(entries, structure)
    b = rank_and_allocate(shuffled, structure)
    assert [r.entry_id for r in a.ranking] == [r.entry_id for r in b.ranking]
    assert [(x.entry_id, x.tier.key) for x in a.awards] == [(x.entry_id, x.tier.key) for x in b.awards]
    _, _, digest_a = compute_official(entries, 2, structure)
    _, _, digest_b = compute_official(shuffled, 2, structure)
    assert digest_a == digest_b


@PROPS
@given(entries_lists(), structures())
def test_recomputation_gives_the_same_hash(entries: list[EntryScores], structure: PrizeStructure) -> None:
    inputs, result, digest = compute_official(entries, 5, structure)
    assert compute_result(inputs) == (result, digest)
    assert inputs == canonical_inputs(entries, 5, structure)


def check_allocation_invariants(allocation: Allocation, *, minimums: bool) -> None:
    structure = allocation.structure
    per_entry = Counter(a.entry_id for a in allocation.awards)
    assert all(n == 1 for n in per_entry.values()), "an entry got more than one tier"
    per_tier = Counter(a.tier.key for a in allocation.awards)
    for tier in structure.tiers:
        assert per_tier[tier.key] <= tier.count
        assert per_tier[tier.key] + allocation.unfilled.get(tier.key, 0) == tier.count
    for award in allocation.awards:
        e = award.ranked.entry
        assert award.tier.accepts_category(e.category)
        if minimums:
            assert r2(e.official_total) >= r2(award.tier.min_score)


@PROPS
@given(entries_lists(), structures())
def test_allocation_rules(entries: list[EntryScores], structure: PrizeStructure) -> None:
    allocation = rank_and_allocate(entries, structure)
    check_allocation_invariants(allocation, minimums=True)
    got = {a.entry_id: a.tier.key for a in allocation.awards}
    assert got == reference_allocation(list(allocation.ranking), structure)
    # Maximal: an empty slot means nobody left over qualifies for it.
    for tier in structure.tiers:
        if allocation.unfilled.get(tier.key):
            for r in allocation.ranking:
                if r.entry_id not in got and tier.accepts_category(r.entry.category):
                    assert r2(r.entry.official_total) < r2(tier.min_score)
    for r in allocation.ranking:
        assert render(allocation.explain(r.entry_id), "vi")


@PROPS
@given(entries_lists(max_size=12), structures(), st.data())
def test_overrides_never_exceed_tier_counts(
    entries: list[EntryScores], structure: PrizeStructure, data: st.DataObject
) -> None:
    allocation = rank_and_allocate(entries, structure)
    if not entries:
        return
    ids = [e.entry_id for e in entries]
    chosen = data.draw(st.lists(st.sampled_from(ids), unique=True, max_size=3))
    keys = [None, *(t.key for t in structure.tiers)]
    overrides = [
        Override(entry_id, data.draw(st.sampled_from(keys)), None, "Quyết định của hội đồng xét duyệt", "BTC", AT)
        for entry_id in chosen
    ]
    holders = {a.entry_id: a.tier for a in allocation.awards}
    category_ok = True
    for o in overrides:
        holders.pop(o.entry_id, None)
        if o.tier_key is not None:
            tier = structure.tier(o.tier_key)
            holders[o.entry_id] = tier
            category = next(e.category for e in entries if e.entry_id == o.entry_id)
            category_ok &= tier.accepts_category(category)
    counts = Counter(t.key for t in holders.values())
    fits = all(counts[t.key] <= t.count for t in structure.tiers)
    try:
        changed = apply_overrides(allocation, overrides)
    except AllocationError:
        assert not (fits and category_ok)
        return
    assert fits and category_ok
    check_allocation_invariants(changed, minimums=False)
    assert {a.entry_id: a.tier.key for a in changed.awards} == {k: t.key for k, t in holders.items()}
