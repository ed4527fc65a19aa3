"""Turning judges' scores into an entry's result, and checking judges against each other.

All sums use ``math.fsum`` (see :func:`mean`): results do not depend on the order judges
or entries arrive in, so two entries with the same scores always tie exactly (ties are
broken by the awards rules, not by float noise). Nothing is rounded here; rounding to 2
decimals is for display (:func:`services.judging.domain.rubric.round_points`).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from services.judging.domain.rubric import Rubric, weighted_total
from shared.coded import CodedError

__all__ = [
    "DISAGREEMENT_TOLERANCE",
    "TRIM_MIN_JUDGES",
    "AggregationError",
    "EntryResult",
    "JudgeScore",
    "JudgeStats",
    "ScoreRow",
    "aggregate_entry",
    "aggregate_many",
    "calibration",
    "mean",
    "z_score_totals",
]

TRIM_MIN_JUDGES = 5
"""Dropping the highest and lowest total is only fair with at least this many judges."""

DISAGREEMENT_TOLERANCE = 1e-9
"""A spread must exceed the threshold by more than float noise to be flagged: a spread of
exactly 15 points computed as 15.000000000000002 must not trigger a 15-point threshold."""

ScoreRow = tuple[str, str, Sequence[float | None]]
"""(entry_id, judge_id, criterion scores in ``rubric.criteria`` order) for bulk aggregation."""


class AggregationError(CodedError):
    """Scores cannot be aggregated (no judges, a judge twice on one entry, rubric mismatch): a
    broken invariant of stored data, logged by its code, never a user's mistake."""


@dataclass(frozen=True, slots=True)
class JudgeScore:
    """One judge's final scores for one entry; ``total`` is their :func:`weighted_total`."""

    judge_id: str
    scores: Mapping[str, float]
    total: float

    @classmethod
    def of(cls, rubric: Rubric, judge_id: str, scores: Mapping[str, float]) -> JudgeScore:
        """Build with the total computed from the rubric, so it cannot disagree with it."""
        return cls(judge_id, scores, weighted_total(rubric, scores))


@dataclass(frozen=True, slots=True)
class EntryResult:
    """Aggregated result of one entry.

    ``official_total`` is what ranks the entry: the trimmed mean when there are enough judges
    for trimming to be fair, else the mean. ``disagreement`` asks the panel to discuss.
    """

    entry_id: str
    judge_totals: Mapping[str, float]
    mean_total: float
    trimmed_mean: float | None
    official_total: float
    criterion_means: Mapping[str, float]
    spread: float
    disagreement: bool
    judge_count: int


@dataclass(frozen=True, slots=True)
class JudgeStats:
    """How a judge scores across the round.

    ``stdev`` is the sample standard deviation of their totals (0 with a single score).
    ``bias`` is the mean of (their total - the panel's mean total) over the entries they
    shared with at least one other judge: positive means more generous than colleagues on
    the same entries, which, unlike comparing raw means, does not punish a judge for having
    been given weaker entries.
    """

    mean: float
    stdev: float
    count: int
    bias: float


def mean(values: Sequence[float]) -> float:
    """Order-independent mean (``fsum``) kept within [min, max], so equal values average exactly.

    ``fsum(v) / n`` rounds twice and can land one ulp outside the values: three judges giving
    70.1 would otherwise not average to 70.1.
    """
    m = math.fsum(values) / len(values)
    low = min(values)
    if m <= low:
        return low
    high = max(values)
    return high if m > high else m


def _sample_stdev(values: Sequence[float], center: float) -> float:
    if len(values) < 2:
        return 0.0
    return math.sqrt(math.fsum((v - center) ** 2 for v in values) / (len(values) - 1))


def _result(
    entry_id: str,
    judge_ids: Sequence[str],
    totals: Sequence[float],
    criterion_means: Mapping[str, float],
    threshold: float,
) -> EntryResult:
    """Common tail of single and bulk aggregation, so both give bit-identical results."""
    n = len(totals)
    if len(set(judge_ids)) != n:
        raise AggregationError("judge_twice", entry=entry_id)
    average = mean(totals)
    trimmed = mean(sorted(totals)[1:-1]) if n >= TRIM_MIN_JUDGES else None
    spread = max(totals) - min(totals)
    order = sorted(range(n), key=judge_ids.__getitem__)
    return EntryResult(
        entry_id=entry_id,
        judge_totals={judge_ids[i]: totals[i] for i in order},
        mean_total=average,
        trimmed_mean=trimmed,
        official_total=average if trimmed is None else trimmed,
        criterion_means=criterion_means,
        spread=spread,
        disagreement=spread > threshold + DISAGREEMENT_TOLERANCE,
        judge_count=n,
    )


def aggregate_entry(
    rubric: Rubric,
    judge_scores: Sequence[JudgeScore],
    disagreement_threshold: float,
    *,
    entry_id: str = "",
) -> EntryResult:
    """Aggregate one entry's judge scores (see :class:`EntryResult`).

    Per-criterion means are over the judges who scored that criterion (informational
    criteria included, since organisers read them too).
    """
    if not judge_scores:
        raise AggregationError("no_judges", entry=entry_id)
    means: dict[str, float] = {}
    for key in rubric.keys:
        values = [v for s in judge_scores if (v := s.scores.get(key)) is not None]
        if values:
            means[key] = mean(values)
    unknown = {key for s in judge_scores for key in s.scores if rubric.criterion(key) is None}
    if unknown:
        raise AggregationError("unknown_criteria", keys=", ".join(sorted(unknown)))
    return _result(
        entry_id,
        [s.judge_id for s in judge_scores],
        [s.total for s in judge_scores],
        means,
        disagreement_threshold,
    )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Building ~10^6 lists, dicts and results keeps triggering full collections that scan
    everything built so far (about 3/4 of the run time at 500,000 scores); none of these
    objects can form a cycle, so nothing is lost by collecting after instead.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def aggregate_many(rubric: Rubric, rows: Iterable[ScoreRow], disagreement_threshold: float) -> dict[str, EntryResult]:
    """Aggregate a whole round from flat rows, in entry-id order.

    Rows carry criterion scores positionally (``rubric.keys`` order) rather than as
    :class:`JudgeScore` objects: at 500,000 scores the per-score objects and dict lookups
    would dominate. Results equal :func:`aggregate_entry` with totals from the rubric.
    """
    with _gc_paused():
        return _aggregate_rows(rubric, rows, disagreement_threshold)


def _aggregate_rows(rubric: Rubric, rows: Iterable[ScoreRow], disagreement_threshold: float) -> dict[str, EntryResult]:
    keys = rubric.keys
    width = len(keys)
    total_of = rubric.total_of
    grouped: dict[str, tuple[list[str], list[float], list[Sequence[float | None]]]] = {}
    for entry_id, judge_id, values in rows:
        if len(values) != width:
            raise AggregationError("row_width", judge=judge_id, entry=entry_id, got=len(values), width=width)
        group = grouped.get(entry_id)
        if group is None:
            group = grouped[entry_id] = ([], [], [])
        group[0].append(judge_id)
        group[1].append(total_of(values))
        group[2].append(values)
    results: dict[str, EntryResult] = {}
    for entry_id in sorted(grouped):
        judge_ids, totals, per_judge = grouped[entry_id]
        means: dict[str, float] = {}
        for i, key in enumerate(keys):
            column = [v for row in per_judge if (v := row[i]) is not None]
            if column:
                means[key] = mean(column)
        results[entry_id] = _result(entry_id, judge_ids, totals, means, disagreement_threshold)
    return results


def calibration(results: Iterable[EntryResult]) -> dict[str, JudgeStats]:
    """Per-judge mean, sample stdev, count and bias (see :class:`JudgeStats`), by judge id.

    Lets organisers spot a judge who is systematically harsh or generous before results
    are announced.
    """
    totals: dict[str, list[float]] = {}
    deviations: dict[str, list[float]] = {}
    for result in results:
        shared = result.judge_count >= 2
        for judge_id, total in result.judge_totals.items():
            totals.setdefault(judge_id, []).append(total)
            if shared:
                deviations.setdefault(judge_id, []).append(total - result.mean_total)
    stats: dict[str, JudgeStats] = {}
    for judge_id in sorted(totals):
        values = totals[judge_id]
        judge_mean = mean(values)
        devs = deviations.get(judge_id, [])
        stats[judge_id] = JudgeStats(
            mean=judge_mean,
            stdev=_sample_stdev(values, judge_mean),
            count=len(values),
            bias=mean(devs) if devs else 0.0,
        )
    return stats


def z_score_totals(results: Iterable[EntryResult], stats: Mapping[str, JudgeStats] | None = None) -> dict[str, float]:
    """Per-entry totals after standardising each judge, on the panel's scale, by entry id.

    Each judge total becomes ``z = (total - judge mean) / judge stdev`` (``z = 0`` when the
    judge has one score or no spread), then ``panel mean + z * panel stdev`` where the panel
    figures are over every judge total of the round; an entry's value is the mean over its
    judges. Comparing this ranking with the raw one shows whether harsh or generous judges
    moved entries. ``stats`` may be passed to reuse a :func:`calibration` already computed.
    """
    results = list(results)
    if stats is None:
        stats = calibration(results)
    all_totals = [t for r in results for t in r.judge_totals.values()]
    if not all_totals:
        return {}
    panel_mean = mean(all_totals)
    panel_stdev = _sample_stdev(all_totals, panel_mean)
    out: dict[str, float] = {}
    for result in results:
        if result.entry_id in out:
            raise AggregationError("entry_twice", entry=result.entry_id)
        mapped = []
        for judge_id, total in result.judge_totals.items():
            judge = stats.get(judge_id)
            if judge is None:
                raise AggregationError("judge_stats_missing", judge=judge_id)
            z = (total - judge.mean) / judge.stdev if judge.count >= 2 and judge.stdev > 0 else 0.0
            mapped.append(panel_mean + z * panel_stdev)
        out[result.entry_id] = mean(mapped)
    return out
