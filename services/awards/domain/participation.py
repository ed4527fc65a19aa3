"""Participation statistics from status facts: each entry counts once, with its latest status.

Awards stores every ``EntryStatusChanged`` it hears as an insert-only fact (keyed by the event
id, so a redelivery is a harmless duplicate) instead of updating one document per entry: an
update by ``_id`` scans the collection on FerretDB, and the deadline rush sends one status per
submission. The fold below is what the update used to do, done when the statistics are read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from shared.units import UnitDirectory, unit_key


def _at(fact: Mapping[str, Any]) -> datetime:
    at: datetime = fact["at"]
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def latest_statuses(facts: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Each entry's most recent fact (by the time it happened; equal times by event id)."""
    latest: dict[str, Mapping[str, Any]] = {}
    for f in facts:
        cur = latest.get(f["entry_id"])
        if cur is None or (_at(f), str(f["_id"])) > (_at(cur), str(cur["_id"])):
            latest[f["entry_id"]] = f
    return latest


def tally(facts: Iterable[Mapping[str, Any]], *, exclude: frozenset[str] = frozenset({"withdrawn"}),
          units: UnitDirectory | None = None) -> dict[str, list[tuple[str, int]]]:
    """Entries by unit, by category and by status, most first (ties by name), leaving out the
    entries whose latest status is in ``exclude``. Spellings of one unit count as one (the
    directory's name when it knows the unit, else the most used spelling)."""
    current = [f for f in latest_statuses(facts).values() if f["status"] not in exclude]
    out: dict[str, list[tuple[str, int]]] = {}
    for name, key in (("by_category", "category"), ("by_status", "status")):
        counts = Counter(str(f.get(key) or "—") for f in current)
        out[name] = sorted(counts.items(), key=lambda x: (-x[1], x[0]))
    directory = units or UnitDirectory()
    spellings: dict[str, Counter[str]] = {}
    for f in current:
        shown = directory.resolve(str(f.get("unit") or "")) or "—"
        spellings.setdefault(unit_key(shown), Counter())[shown] += 1
    by_unit = [(c.most_common(1)[0][0], sum(c.values())) for c in spellings.values()]
    out["by_unit"] = sorted(by_unit, key=lambda x: (-x[1], x[0]))
    return out
