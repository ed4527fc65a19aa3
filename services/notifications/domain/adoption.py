"""Who hears about a replication plan: the coordinators (đầu mối) of the units it names, and the
organisers. Pure: people as notifications keeps them (``roles``, ``unit``, ``active``) and a
function giving a typed unit its comparison key (the unit directory's, aliases included).

- A published plan: each coordinator of each target unit, once per plan and unit (a unit added
  by a later publication is told; one told before is not told again).
- A unit past the plan's date: its coordinators get the reminder; the lead unit's coordinators
  (who support the others) and the organiser who drew the plan get a copy, so someone who can
  help hears of it. Nobody gets both.
- A unit declined: every active organiser, who may plan another unit instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Person = Mapping[str, Any]


def _active(p: Person) -> bool:
    return bool(p.get("active", True))


def coordinators_of(unit: str, people: Iterable[Person], key: Callable[[str], str]) -> list[str]:
    """Account ids of the active coordinators whose account's unit is ``unit`` (sorted)."""
    wanted = key(unit)
    return sorted(str(p["_id"]) for p in people
                  if _active(p) and "coordinator" in p.get("roles", []) and str(p.get("unit", "")).strip()
                  and key(str(p["unit"])) == wanted)


def organisers(people: Iterable[Person]) -> list[str]:
    return sorted(str(p["_id"]) for p in people if _active(p) and "organiser" in p.get("roles", []))


@dataclass(frozen=True)
class OverdueRecipients:
    reminded: list[str]  # the late unit's coordinators
    copied: list[str]  # the lead unit's coordinators and the plan's organiser


def overdue_recipients(unit: str, lead_unit: str, organiser_id: str, people: Iterable[Person],
                       key: Callable[[str], str]) -> OverdueRecipients:
    everyone = list(people)
    reminded = coordinators_of(unit, everyone, key)
    copied = set(coordinators_of(lead_unit, everyone, key)) if lead_unit.strip() else set()
    if organiser_id and any(p["_id"] == organiser_id and _active(p) for p in everyone):
        copied.add(organiser_id)
    return OverdueRecipients(reminded, sorted(copied - set(reminded)))
