"""Where an entry's judging ended, for the participant: the last round it was scored in, its
total and standing there, and whether it went on (the rule that decided). Entries eliminated
before the final round learn this only from here; the announcement lists the final round.

Pure: it reads the standings submission keeps from judging's ``RoundClosed`` events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RoundOutcome:
    round_no: int
    final: bool
    total: float
    rank: int  # 1 + the number of entries with a higher total (2 decimals): ties share a rank
    of: int
    advanced: bool
    top_n: int | None
    min_total: float | None


def round_outcome(entry_id: str, standings: Iterable[Mapping[str, Any]]) -> RoundOutcome | None:
    """The entry's outcome in the last closed round it was scored in (``None``: never scored)."""
    last = max((s for s in standings if entry_id in (s.get("totals") or {})), key=lambda s: s["round_no"],
               default=None)
    if last is None:
        return None
    totals: Mapping[str, float] = last["totals"]
    mine = round(totals[entry_id], 2)
    return RoundOutcome(
        round_no=int(last["round_no"]), final=bool(last.get("final")), total=float(totals[entry_id]),
        rank=1 + sum(1 for t in totals.values() if round(t, 2) > mine), of=len(totals),
        advanced=entry_id in set(last.get("advancing") or ()), top_n=last.get("top_n"),
        min_total=last.get("min_total"))
