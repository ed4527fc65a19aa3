"""Prize allocation from a ranking, and the organiser's written overrides.

Rules:

* Tiers are filled in their **declared** order (they need not be sorted by minimum score).
  Walking the ranking from the top, each entry takes the first tier, in declared order,
  that still has a slot, whose minimum score it meets and whose category (if any) is its
  own.  This is the same as filling the first tier with its best qualifying entries, then
  the second from the rest, and so on.
* Minimum scores are compared on the 2-decimal official total, like the ranking.
* An entry gets at most one tier.  Slots nobody qualifies for stay empty and are reported
  (``Allocation.unfilled``); they are never handed to an entry below the minimum.
* Overrides are applied as one batch of final decisions, one per entry, each with a written
  reason; after the batch no tier may hold more entries than its count.  Overrides may go
  below a tier's minimum score (that is the organiser's documented decision) but not give a
  category prize to another category.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from types import MappingProxyType

from shared.coded import CodedError

from . import formatting as fmt
from .explanations import Moment, Msg, Named, Score, Seq, Threshold
from .ranking import EntryScores, RankedEntry, RankingError, TieBreak, normalise_chain, rank

MIN_REASON_CHARS = 10

#: English names for the usual tier keys, used when a tier has no ``name_en``.
DEFAULT_TIER_NAMES_EN: Mapping[str, str] = MappingProxyType(
    {
        "first": "First Prize",
        "second": "Second Prize",
        "third": "Third Prize",
        "honourable": "Honourable Mention",
    }
)


class AllocationError(CodedError):
    """Invalid prize structure or override, as a code and its values (organisers read it, worded
    by ``services/awards/messages.py``); an invalid tie-break chain keeps its ``chain.*`` code."""


@dataclass(frozen=True, slots=True)
class Tier:
    """One prize level, e.g. ``Tier("first", "Giải Nhất", 1, 10_000_000, 70)``.

    ``category`` restricts the tier to entries of one field (lĩnh vực)."""

    key: str
    name: str
    count: int
    prize_vnd: int
    min_score: float
    category: str | None = None
    name_en: str = ""

    def __post_init__(self) -> None:
        if not self.key.strip():
            raise AllocationError("tier.no_key")
        if not self.name.strip():
            raise AllocationError("tier.no_name", key=self.key)
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise AllocationError("tier.count", name=self.name, value=self.count)
        if isinstance(self.prize_vnd, bool) or not isinstance(self.prize_vnd, int) or self.prize_vnd < 0:
            raise AllocationError("tier.prize", name=self.name, value=self.prize_vnd)
        if not (math.isfinite(self.min_score) and 0 <= self.min_score <= 100):
            raise AllocationError("tier.min_score", name=self.name, value=self.min_score)
        if self.category is not None and not self.category.strip():
            raise AllocationError("tier.category", name=self.name)

    @property
    def display_name_en(self) -> str:
        return self.name_en or DEFAULT_TIER_NAMES_EN.get(self.key, self.name)

    def accepts_category(self, category: str) -> bool:
        return self.category is None or self.category == category


@dataclass(frozen=True, slots=True)
class PrizeStructure:
    """The prize tiers (filled in declared order) and the tie-break chain of the contest."""

    tiers: tuple[Tier, ...]
    tie_break: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.tiers:
            raise AllocationError("structure.empty")
        seen: set[str] = set()
        for tier in self.tiers:
            if tier.key in seen:
                raise AllocationError("structure.duplicate_tier", key=tier.key)
            seen.add(tier.key)
        try:
            normalise_chain(self.tie_break)
        except RankingError as exc:
            raise AllocationError(exc.code, **exc.params) from exc

    @property
    def chain(self) -> TieBreak:
        """The full ranking chain (``"total"`` first)."""
        return normalise_chain(self.tie_break)

    def tier(self, key: str) -> Tier:
        for tier in self.tiers:
            if tier.key == key:
                return tier
        raise AllocationError("tier.unknown", key=key)


@dataclass(frozen=True, slots=True)
class Override:
    """The organiser's final decision for one entry, replacing the computed one.

    ``tier_key`` is the tier the entry ends up with (``None`` = no prize); ``position`` moves
    the entry to that rank (``None`` = keep its rank).  A position-only change must therefore
    restate the entry's current tier."""

    entry_id: str
    tier_key: str | None
    position: int | None
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Award:
    """An entry's prize with the reason (a message code and its values)."""

    ranked: RankedEntry
    tier: Tier
    explanation: Msg
    override: Override | None = None

    @property
    def entry_id(self) -> str:
        return self.ranked.entry.entry_id

    @property
    def position(self) -> int:
        return self.ranked.position


@dataclass(frozen=True)
class Allocation:
    """Result of :func:`allocate` (and possibly :func:`apply_overrides`).

    ``computed`` keeps the awards before any override and ``filled_at`` the rank that took
    each tier's last slot, so explanations and audits can always show what the rules alone
    produced."""

    structure: PrizeStructure
    ranking: tuple[RankedEntry, ...]
    awards: tuple[Award, ...]
    unfilled: Mapping[str, int]
    computed: tuple[Award, ...]
    filled_at: Mapping[str, int] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    notes: Mapping[str, Msg] = field(default_factory=dict)
    """Explanations of entries whose prize was removed by an override."""

    @cached_property
    def _awards_by_id(self) -> dict[str, Award]:
        return {a.entry_id: a for a in self.awards}

    @cached_property
    def _computed_by_id(self) -> dict[str, Award]:
        return {a.entry_id: a for a in self.computed}

    @cached_property
    def _ranked_by_id(self) -> dict[str, RankedEntry]:
        return {r.entry.entry_id: r for r in self.ranking}

    def ranked(self, entry_id: str) -> RankedEntry:
        try:
            return self._ranked_by_id[entry_id]
        except KeyError:
            raise AllocationError("entry.unknown", entry=entry_id) from None

    def award_for(self, entry_id: str) -> Award | None:
        return self._awards_by_id.get(entry_id)

    def awards_in(self, tier_key: str) -> tuple[Award, ...]:
        return tuple(a for a in self.awards if a.tier.key == tier_key)

    def computed_tier_key(self, entry_id: str) -> str | None:
        """The tier the rules alone gave this entry (``None`` = none)."""
        award = self._computed_by_id.get(entry_id)
        return None if award is None else award.tier.key

    def override_for(self, entry_id: str) -> Override | None:
        return next((o for o in reversed(self.overrides) if o.entry_id == entry_id), None)

    def explain(self, entry_id: str) -> Msg:
        """Why this entry has its tier, or no tier."""
        award = self.award_for(entry_id)
        if award is not None:
            return award.explanation
        if entry_id in self.notes:
            return self.notes[entry_id]
        return self.rules_explanation(entry_id)

    def rules_explanation(self, entry_id: str) -> Msg:
        """What the rules alone decided for this entry (ignores overrides)."""
        award = self._computed_by_id.get(entry_id)
        if award is not None:
            return award.explanation
        return _no_award(self.ranked(entry_id), self.structure)

    def unfilled_report(self) -> list[Msg]:
        """One line per tier with empty slots, for the organiser's approval screen."""
        return [
            Msg.of("unfilled", tier=_tier_name(self.structure.tier(key)), left=n, count=self.structure.tier(key).count)
            for key, n in self.unfilled.items()
        ]


# --- explanations (codes and values: services/awards/explanations.py words them) ---------


def _tier_name(tier: Tier) -> Named:
    return Named(tier.name, tier.display_name_en)


def _why_not(tier: Tier, ranked: RankedEntry) -> Msg:
    """Why ``ranked`` did not take ``tier`` under the rules.

    If it fits the category, meets the minimum and the tier has places, the only remaining
    reason is that higher-ranked entries had taken them all before its turn."""
    entry = ranked.entry
    name = _tier_name(tier)
    if not tier.accepts_category(entry.category):
        return Msg.of("not.category", tier=name, category=str(tier.category))
    if fmt.round2(entry.official_total) < fmt.round2(tier.min_score):
        return Msg.of("not.minimum", tier=name, total=Score(entry.official_total), minimum=Threshold(tier.min_score))
    if tier.count == 0:
        return Msg.of("not.no_places", tier=name)
    return Msg.of("not.taken", tier=name, count=tier.count)


def _award(ranked: RankedEntry, tier_index: int, structure: PrizeStructure) -> Msg:
    tier = structure.tiers[tier_index]
    award = Msg.of("award", position=ranked.position, total=Score(ranked.entry.official_total),
                   tier=_tier_name(tier), minimum=Threshold(tier.min_score))
    higher = tuple(_why_not(t, ranked) for t in structure.tiers[:tier_index])
    return Msg.of("award.higher", award=award, reasons=Seq(higher, "; ")) if higher else award


def _no_award(ranked: RankedEntry, structure: PrizeStructure) -> Msg:
    reasons = Seq(tuple(_why_not(t, ranked) for t in structure.tiers), "; ")
    return Msg.of("no_award", position=ranked.position, total=Score(ranked.entry.official_total), reasons=reasons)


def _overridden(override: Override, computed: Msg) -> Msg:
    return Msg.of("override", by=override.by, at=Moment(override.at),
                  reason=override.reason.strip().rstrip("."), computed=computed)


# --- allocation -------------------------------------------------------------------------


def allocate(ranked: Sequence[RankedEntry], structure: PrizeStructure) -> Allocation:
    """Walk the ranking from the top and fill the tiers (see the module rules).

    ``ranked`` must come from :func:`~services.awards.domain.ranking.rank` with
    ``structure.chain``; allocation does not re-rank.  O(entries × tiers), stopping as soon
    as every tier is full."""
    tiers = structure.tiers
    remaining = [t.count for t in tiers]
    minimums = [fmt.round2(t.min_score) for t in tiers]
    categories = [t.category for t in tiers]
    indices = range(len(tiers))
    open_tiers = sum(1 for n in remaining if n > 0)
    filled_at: dict[str, int] = {t.key: 0 for t in tiers if t.count == 0}
    chosen: list[tuple[RankedEntry, int]] = []
    for entry in ranked:
        if open_tiers == 0:
            break
        total = round(entry.entry.official_total, 2)
        category = entry.entry.category
        for j in indices:
            if remaining[j] and total >= minimums[j] and (categories[j] is None or categories[j] == category):
                remaining[j] -= 1
                chosen.append((entry, j))
                if remaining[j] == 0:
                    open_tiers -= 1
                    filled_at[tiers[j].key] = entry.position
                break
    awards = tuple(
        Award(
            entry,
            tiers[j],
            _award(entry, j, structure),
        )
        for entry, j in chosen
    )
    unfilled = {t.key: n for t, n in zip(tiers, remaining, strict=True) if n > 0}
    return Allocation(structure, tuple(ranked), awards, unfilled, awards, filled_at)


def rank_and_allocate(
    entries: Iterable[EntryScores],
    structure: PrizeStructure,
    *,
    criterion_labels: Mapping[str, tuple[str, str]] | None = None,
) -> Allocation:
    """Rank with the structure's tie-break chain, then allocate: the usual entry point."""
    return allocate(rank(entries, structure.chain, criterion_labels=criterion_labels), structure)


def _check_override(override: Override, allocation: Allocation, known: Collection[str]) -> None:
    entry_id = override.entry_id
    if entry_id not in known:
        raise AllocationError("entry.unknown", entry=entry_id)
    if len("".join(override.reason.split())) < MIN_REASON_CHARS:
        raise AllocationError("override.reason", entry=entry_id, min=MIN_REASON_CHARS)
    if not override.by.strip():
        raise AllocationError("override.by", entry=entry_id)
    if override.at.tzinfo is None or override.at.utcoffset() is None:
        raise AllocationError("override.naive_at", entry=entry_id)
    if override.position is not None and not 1 <= override.position <= len(allocation.ranking):
        raise AllocationError("override.position", entry=entry_id, max=len(allocation.ranking))
    if override.tier_key is not None:
        tier = allocation.structure.tier(override.tier_key)
        entry = allocation.ranked(entry_id).entry
        if not tier.accepts_category(entry.category):
            raise AllocationError("override.category", tier=tier.name, category=tier.category, entry=entry_id,
                                  entry_category=entry.category)


def _reposition(ranking: tuple[RankedEntry, ...], moves: Mapping[str, int]) -> tuple[RankedEntry, ...]:
    """Move entries to their target ranks and renumber everyone 1..n."""
    if not moves:
        return ranking
    order = [r for r in ranking if r.entry.entry_id not in moves]
    by_id = {r.entry.entry_id: r for r in ranking if r.entry.entry_id in moves}
    for entry_id, position in sorted(moves.items(), key=lambda item: item[1]):
        order.insert(position - 1, by_id[entry_id])
    return tuple(r if r.position == i else replace(r, position=i) for i, r in enumerate(order, start=1))


def apply_overrides(allocation: Allocation, overrides: Sequence[Override]) -> Allocation:
    """Apply a batch of overrides and return a new allocation (the input is unchanged).

    Raises :class:`AllocationError` for a missing/short reason, an unknown entry or tier, a
    category prize given to another category, two overrides of one entry or of one target
    rank, or a tier holding more entries than its count after the batch."""
    known = allocation._ranked_by_id.keys()
    seen: set[str] = set()
    targets: set[int] = set()
    for override in overrides:
        _check_override(override, allocation, known)
        if override.entry_id in seen:
            raise AllocationError("override.duplicate", entry=override.entry_id)
        seen.add(override.entry_id)
        if override.position is not None:
            if override.position in targets:
                raise AllocationError("override.same_position", position=override.position)
            targets.add(override.position)
    if not overrides:
        return allocation

    by_entry = {o.entry_id: o for o in overrides}
    tier_of: dict[str, Tier] = {a.entry_id: a.tier for a in allocation.awards}
    for override in overrides:
        if override.tier_key is None:
            tier_of.pop(override.entry_id, None)
        else:
            tier_of[override.entry_id] = allocation.structure.tier(override.tier_key)
    for tier in allocation.structure.tiers:
        holders = sum(1 for t in tier_of.values() if t.key == tier.key)
        if holders > tier.count:
            raise AllocationError("override.too_many", tier=tier.name, count=tier.count, holders=holders)

    moves = {o.entry_id: o.position for o in overrides if o.position is not None}
    ranking = _reposition(allocation.ranking, moves)
    previous = {a.entry_id: a for a in allocation.awards}
    structure = allocation.structure
    awards: list[Award] = []
    for ranked in ranking:
        entry_id = ranked.entry.entry_id
        held = tier_of.get(entry_id)
        if held is None:
            continue
        decision = by_entry.get(entry_id)
        old = previous.get(entry_id)
        if decision is None and old is not None:
            if old.ranked is ranked:
                awards.append(old)
            elif old.override is None:  # moved by someone else's override: restate the new rank
                index = structure.tiers.index(old.tier)
                awards.append(replace(old, ranked=ranked, explanation=_award(ranked, index, structure)))
            else:
                awards.append(replace(old, ranked=ranked))
            continue
        assert decision is not None  # every holder without a previous award was overridden
        awards.append(
            Award(
                ranked,
                held,
                _overridden(decision, allocation.rules_explanation(entry_id)),
                decision,
            )
        )
    notes = dict(allocation.notes)
    for override in overrides:
        notes.pop(override.entry_id, None)
        if override.tier_key is None:
            notes[override.entry_id] = _overridden(override, allocation.rules_explanation(override.entry_id))
    unfilled = {
        t.key: t.count - n for t in structure.tiers if (n := sum(1 for a in awards if a.tier.key == t.key)) < t.count
    }
    return Allocation(
        structure,
        ranking,
        tuple(awards),
        unfilled,
        allocation.computed,
        allocation.filled_at,
        allocation.overrides + tuple(overrides),
        notes,
    )
