"""Ranking of scored entries with a stated tie-break chain.

Rules (they are part of the published contest rules, so they are spelled out here):

* Every value is compared **after rounding to 2 decimals**, because official scores are
  shown with 2 decimals: two entries that look equal to the reader (85,333333 and
  85,333334 both read "85,33") are treated as tied, and the tie-break rule decides.
* The official total always comes first, descending.  A tie-break chain such as
  ``("criterion:effectiveness", "submitted_at")`` is read as "then ..."; ``"total"`` is
  prepended when missing and may appear only in first place.
* Keys: ``"total"`` (official total, higher first), ``"criterion:<key>"`` (that criterion's
  mean, higher first), ``"median"`` (median of the judges' totals, higher first; no judge
  scores counts as 0) and ``"submitted_at"`` (earlier first, exact instant).
* After the whole chain, the entry id (ascending) is the last resort.  It carries no merit;
  it only makes the order deterministic so that anyone recomputing the result gets the same
  ranking.  Explanations say so whenever it was needed.
* Positions are distinct (1, 2, 3, ...): the chain always separates entries.  Entries with
  the same rounded official total are reported in ``tied_with`` and get an explanation of
  how the chain separated them from their neighbours.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from types import MappingProxyType

from shared.coded import CodedError

from .explanations import Moment, Msg, Named, Param, Score, Seq

TieBreak = tuple[str, ...]
"""A tie-break chain, e.g. ``("total", "criterion:effectiveness", "submitted_at")``."""

CRITERION_PREFIX = "criterion:"
ENTRY_ID_FALLBACK = "entry_id"

#: Labels (Vietnamese, English) of the default rubric's criteria, used in explanations.
DEFAULT_CRITERION_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "novelty": ("Tính mới, tính sáng tạo", "Novelty and creativity"),
        "effectiveness": ("Tính hiệu quả", "Effectiveness"),
        "applicability": ("Khả năng áp dụng, nhân rộng", "Applicability and scalability"),
        "presentation": ("Hình thức trình bày", "Presentation"),
    }
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_TITLE_MAX = 80

SortKey = tuple[float | int | str, ...]


class RankingError(CodedError):
    """Invalid ranking input, as a code and its values (organisers read it, worded by
    ``services/awards/messages.py``)."""


@dataclass(frozen=True, slots=True)
class EntryScores:
    """Aggregated scores of one entry, as handed over by the judging service."""

    entry_id: str
    category: str
    submitted_at: datetime
    judge_totals: tuple[float, ...]
    criterion_means: Mapping[str, float]
    official_total: float
    title: str = ""

    def __post_init__(self) -> None:
        if not self.entry_id:
            raise RankingError("entry.no_id")
        if self.submitted_at.utcoffset() is None:
            raise RankingError("entry.naive_submitted_at", entry=self.entry_id)
        # NaN would silently scramble the sort; refuse it where it enters. One sum is NaN or
        # infinite if any term is (100,000 entries are checked when a result is recomputed).
        if not math.isfinite(self.official_total + sum(self.judge_totals) + sum(self.criterion_means.values())):
            raise RankingError("entry.not_finite", entry=self.entry_id)

    @property
    def display_name(self) -> str:
        """Title (shortened) or, failing that, the id: what a reader recognises."""
        name = self.title or self.entry_id
        return name if len(name) <= _TITLE_MAX else name[: _TITLE_MAX - 1].rstrip() + "…"

    @property
    def median_total(self) -> float:
        """Median of the judges' totals; 0 without judge scores (ranks such entries last)."""
        totals = sorted(self.judge_totals)
        n = len(totals)
        if n == 0:
            return 0.0
        mid = n // 2
        return float(totals[mid]) if n % 2 else (totals[mid - 1] + totals[mid]) / 2

    @property
    def mean_total(self) -> float:
        """Plain mean of the judges' totals (the official total may drop extremes)."""
        return sum(self.judge_totals) / len(self.judge_totals) if self.judge_totals else 0.0


def normalise_chain(chain: Sequence[str]) -> TieBreak:
    """Validate a tie-break chain and make ``"total"`` its first key.

    Raises :class:`RankingError` for unknown or repeated keys and for ``"total"`` anywhere
    but first (ranking is always by the official total; the chain only breaks its ties)."""
    if isinstance(chain, str):
        raise RankingError("chain.string")
    seen: set[str] = set()
    for index, key in enumerate(chain):
        if key in seen:
            raise RankingError("chain.repeated", key=key)
        seen.add(key)
        if key == "total":
            if index != 0:
                raise RankingError("chain.total_not_first")
        elif key.startswith(CRITERION_PREFIX):
            if not key[len(CRITERION_PREFIX) :].strip():
                raise RankingError("chain.criterion_without_key")
        elif key not in ("median", "submitted_at"):
            raise RankingError("chain.unknown_key", key=key)
    result = tuple(chain)
    return result if result[:1] == ("total",) else ("total", *result)


def _criterion(key: str) -> Callable[[EntryScores], float]:
    name = key[len(CRITERION_PREFIX) :]

    def get(entry: EntryScores) -> float:
        try:
            return entry.criterion_means[name]
        except KeyError:
            raise RankingError("entry.missing_criterion", entry=entry.entry_id, name=name) from None

    return get


def _raw_value(entry: EntryScores, key: str) -> float | datetime:
    """The unrounded value behind a chain key, for explanations."""
    if key == "total":
        return entry.official_total
    if key == "median":
        return entry.median_total
    if key == "submitted_at":
        return entry.submitted_at
    return _criterion(key)(entry)


def _sort_keys(entries: Sequence[EntryScores], chain: TieBreak) -> list[SortKey]:
    """One ascending tuple per entry, so a single ``sort`` applies the whole chain.

    Built column by column with comprehensions and ``zip`` (no per-entry Python function
    calls for the tuple itself): this is the hot loop when ranking 100,000 entries."""
    columns: list[list[float] | list[int] | list[str]] = []
    for key in chain:
        if key == "total":
            columns.append([-round(e.official_total, 2) for e in entries])
        elif key == "median":
            columns.append([-round(e.median_total, 2) for e in entries])
        elif key == "submitted_at":
            columns.append([(e.submitted_at - _EPOCH) // _MICROSECOND for e in entries])
        else:
            getter = _criterion(key)
            columns.append([-round(getter(e), 2) for e in entries])
    columns.append([e.entry_id for e in entries])
    return list(zip(*columns, strict=True))


@dataclass(frozen=True, slots=True)
class RankedEntry:
    """One entry in the computed ranking.

    ``tie_group`` is shared by all entries with the same rounded total (so ties cost O(n)
    memory, not O(n²)); ``tied_above``/``tied_below`` are the direct neighbours within that
    group, from which the explanation is built only when someone reads it."""

    position: int
    entry: EntryScores
    tie_group: tuple[str, ...] = ()
    tied_above: EntryScores | None = None
    tied_below: EntryScores | None = None
    chain: TieBreak = ("total",)
    labels: Mapping[str, tuple[str, str]] = field(
        default_factory=lambda: DEFAULT_CRITERION_LABELS, repr=False, compare=False
    )

    @property
    def entry_id(self) -> str:
        return self.entry.entry_id

    @property
    def category(self) -> str:
        return self.entry.category

    @property
    def official_total(self) -> float:
        return self.entry.official_total

    @property
    def tied_with(self) -> tuple[str, ...]:
        """Ids of the other entries with the same official total (2 decimals), in rank order."""
        own = self.entry.entry_id
        return tuple(entry_id for entry_id in self.tie_group if entry_id != own)

    @property
    def decided_only_by_id(self) -> bool:
        """True when a neighbour equals this entry on every chain key: the order is arbitrary."""
        return any(
            other is not None and _deciding_key(self.entry, other, self.chain) == ENTRY_ID_FALLBACK
            for other in (self.tied_above, self.tied_below)
        )

    @property
    def explanation(self) -> Seq:
        """Why this entry has its position (codes and values; the catalogue words them)."""
        parts: list[Msg] = [Msg.of("rank", position=self.position, total=Score(self.entry.official_total))]
        if self.tied_above is not None:
            parts.append(_pair_reason(self.entry, self.tied_above, False, self.chain, self.labels))
        if self.tied_below is not None:
            parts.append(_pair_reason(self.entry, self.tied_below, True, self.chain, self.labels))
        return Seq(tuple(parts), " ")


def _deciding_key(a: EntryScores, b: EntryScores, chain: TieBreak) -> str:
    """First chain key on which ``a`` and ``b`` differ (as compared by the ranking)."""
    key_a, key_b = _sort_keys((a, b), chain)
    for key, va, vb in zip(chain, key_a, key_b, strict=False):
        if va != vb:
            return key
    return ENTRY_ID_FALLBACK


def _value(value: float | datetime) -> Score | Moment:
    return Moment(value) if isinstance(value, datetime) else Score(value)


def _label(key: str, labels: Mapping[str, tuple[str, str]]) -> Named:
    name = key[len(CRITERION_PREFIX) :]
    vi, en = labels.get(name, (name, name))
    return Named(vi, en)


def _key_noun(key: str, labels: Mapping[str, tuple[str, str]], form: str = "noun") -> Msg:
    """The chain key as a noun (``form`` "noun"), or why it put an entry above ("above") or
    below ("below") its neighbour."""
    if key.startswith(CRITERION_PREFIX):
        return Msg.of(f"key.criterion.{form}", label=_label(key, labels))
    return Msg.of(f"key.{key}.{form}")


def _pair_reason(
    own: EntryScores,
    other: EntryScores,
    own_is_above: bool,
    chain: TieBreak,
    labels: Mapping[str, tuple[str, str]],
) -> Msg:
    """Why ``own`` sits above/below ``other`` although their totals are equal."""
    deciding = _deciding_key(own, other, chain)
    equal_keys = chain if deciding == ENTRY_ID_FALLBACK else chain[: chain.index(deciding)]
    equal = [Msg.of("key.value", key=_key_noun(k, labels), value=_value(_raw_value(own, k))) for k in equal_keys]
    shared: Param = (Msg.of("and", head=Seq(tuple(equal[:-1]), ", "), last=equal[-1]) if len(equal) > 1
                     else equal[0])
    name = other.display_name
    where = "above" if own_is_above else "below"
    if deciding == ENTRY_ID_FALLBACK:
        first, second = (own, other) if own_is_above else (other, own)
        return Msg.of(f"tie.by_id.{where}", name=name, shared=shared, first=first.entry_id, second=second.entry_id)
    return Msg.of(f"tie.by_key.{where}", name=name, shared=shared, reason=_key_noun(deciding, labels, where),
                  mine=_value(_raw_value(own, deciding)), theirs=_value(_raw_value(other, deciding)))


def rank(
    entries: Iterable[EntryScores],
    chain: Sequence[str] = ("total",),
    *,
    criterion_labels: Mapping[str, tuple[str, str]] | None = None,
) -> list[RankedEntry]:
    """Rank entries by official total, then the tie-break chain, then entry id.

    One sort over precomputed key tuples: O(n log n) and fast enough for national editions
    (100,000 entries).  Explanations are computed lazily from the stored neighbours.
    Raises :class:`RankingError` for duplicate ids, an invalid chain or a missing criterion."""
    full_chain = normalise_chain(chain)
    labels = DEFAULT_CRITERION_LABELS if criterion_labels is None else MappingProxyType(dict(criterion_labels))
    items = list(entries)
    keyed = list(zip(_sort_keys(items, full_chain), items, strict=True))
    if len({entry.entry_id for _, entry in keyed}) != len(keyed):
        counts = Counter(entry.entry_id for entry in items)
        dupes = sorted(entry_id for entry_id, count in counts.items() if count > 1)
        raise RankingError("entry.duplicate_ids", ids=", ".join(dupes[:5]))
    keyed.sort(key=itemgetter(0))

    result: list[RankedEntry] = []
    append = result.append
    n = len(keyed)
    start = 0
    while start < n:
        total_key = keyed[start][0][0]
        end = start + 1
        while end < n and keyed[end][0][0] == total_key:
            end += 1
        if end - start == 1:
            append(RankedEntry(start + 1, keyed[start][1], (), None, None, full_chain, labels))
        else:
            group = tuple(entry.entry_id for _, entry in keyed[start:end])
            for i in range(start, end):
                above = keyed[i - 1][1] if i > start else None
                below = keyed[i + 1][1] if i + 1 < end else None
                append(RankedEntry(i + 1, keyed[i][1], group, above, below, full_chain, labels))
        start = end
    return result
