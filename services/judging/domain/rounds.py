"""Which entries advance from one round to the next, and how a round's totals rank.

Pure rules. The advancement rule of a round is "top N", "at least X points" or both; with
both, an entry must satisfy both (the best N among those with at least X points). Entries
tied with the N-th entry all advance: cutting a tie by id would be arbitrary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["RoundRule", "advancing", "competition_ranks"]


@dataclass(frozen=True, slots=True)
class RoundRule:
    """How many judges score each entry in a round and who goes on to the next one."""

    judges_per_entry: int
    advance_top_n: int | None = None
    advance_min_total: float | None = None

    @property
    def has_advancement(self) -> bool:
        return self.advance_top_n is not None or self.advance_min_total is not None


def advancing(totals: Mapping[str, float], top_n: int | None, min_total: float | None) -> list[str]:
    """Ids (sorted) of the entries that advance under the rule; no rule at all advances nobody."""
    if top_n is None and min_total is None:
        return []
    pool = sorted(((t, e) for e, t in totals.items() if min_total is None or t >= min_total),
                  key=lambda x: (-x[0], x[1]))
    if top_n is not None and len(pool) > top_n:
        cut = pool[top_n - 1][0]
        pool = [x for x in pool if x[0] >= cut]
    return sorted(e for _, e in pool)


def competition_ranks(totals: Mapping[str, float]) -> dict[str, int]:
    """1-based "1224" ranks by descending total: equal totals share a rank."""
    ordered = sorted(totals.items(), key=lambda x: (-x[1], x[0]))
    ranks: dict[str, int] = {}
    previous: float | None = None
    rank = 0
    for i, (entry_id, total) in enumerate(ordered, start=1):
        if previous is None or total != previous:
            rank = i
            previous = total
        ranks[entry_id] = rank
    return ranks
