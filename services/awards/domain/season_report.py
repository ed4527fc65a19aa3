"""The season report of one contest, computed from plain facts, reproducibly.

The Department sends it to the provincial People's Committee, so like the official result it
states the SHA-256 of its inputs: the same facts, in any order, give the same report and the
same hash. Inputs are what awards heard as events (entries' statuses, the deadline, judging's
closing, the announcement, the announced prizes, the adoption service's plans and answers);
the caller resolves unit spellings through the unit directory before handing them over, so the
hash covers exactly what was counted.

Rules kept here, and why:
* an entry counts once, with its latest status; withdrawn entries are not participation;
* per 100 staff only where the unit's headcount is known and positive (a rate over nothing
  would be invented);
* screening is done when no counted entry is still waiting for a decision; its moment is the
  last decision (eligible or ineligible);
* days are calendar days in Vietnam's time zone, from the deadline's day;
* adoption: a plan counts while its latest publish/withdraw fact is a publication; a unit's
  answer is its latest one, its stage the one of its highest report version; a unit in use
  ("applied" or "institutionalised", the adoption service's stages) has applied the initiative.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from services.awards.domain.formatting import VN_TZ

FORMAT = "season-report/1"
#: The adoption service's stages where an initiative is in use (services/adoption/domain/stages.py).
IN_USE = frozenset({"applied", "institutionalised"})
DECISIONS = frozenset({"eligible", "ineligible"})
AdoptionKind = Literal["published", "withdrawn", "answered", "reported"]
MilestoneKey = Literal["screening_done", "judging_closed", "announced"]


def as_utc(moment: datetime) -> datetime:
    """A stored time in UTC (the store hands back naive UTC)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class StatusFact:
    """One ``EntryStatusChanged`` as awards stored it (``fact_id``: the event's id)."""

    fact_id: str
    entry_id: str
    status: str
    at: datetime
    unit: str = ""
    category: str = ""
    author_group: str = ""


@dataclass(frozen=True, slots=True)
class AdoptionFact:
    """One event of ``adoption.plans`` (``fact_id``: the event's id); fields by kind."""

    fact_id: str
    kind: AdoptionKind
    plan_id: str
    at: datetime
    initiative_id: str = ""
    units: tuple[str, ...] = ()
    unit: str = ""
    accepted: bool = False
    stage: str = ""
    version: int = 0


@dataclass(frozen=True, slots=True)
class TierFact:
    key: str
    name: str
    prize_vnd: int
    name_en: str = ""


@dataclass(frozen=True)
class SeasonInputs:
    """Everything the report is computed from."""

    contest_id: str
    closes_at: datetime | None = None
    judging_closed_at: datetime | None = None
    announced_at: datetime | None = None
    categories: Mapping[str, str] = field(default_factory=dict)  # key -> name
    headcounts: Mapping[str, int] = field(default_factory=dict)  # unit (as resolved) -> staff
    statuses: Sequence[StatusFact] = ()
    tiers: Sequence[TierFact] = ()  # in declared order (the announced result's)
    awarded: Mapping[str, str] = field(default_factory=dict)  # entry id -> tier key
    adoption: Sequence[AdoptionFact] = ()


# ---------------------------------------------------------------- result


@dataclass(frozen=True, slots=True)
class UnitRow:
    unit: str
    entries: int
    headcount: int | None
    per_100_staff: float | None


@dataclass(frozen=True, slots=True)
class Count:
    key: str  # a category key or an author group ("" when the entry named none)
    name: str
    entries: int


@dataclass(frozen=True, slots=True)
class Participation:
    total: int
    eligible: int
    ineligible: int
    waiting: int
    by_unit: tuple[UnitRow, ...]
    by_category: tuple[Count, ...]
    by_group: tuple[Count, ...]


@dataclass(frozen=True, slots=True)
class Milestone:
    key: MilestoneKey
    at: datetime | None
    days: int | None  # calendar days after the deadline's day (Vietnam time)


@dataclass(frozen=True, slots=True)
class Timeliness:
    closes_at: datetime | None
    milestones: tuple[Milestone, ...]


@dataclass(frozen=True, slots=True)
class TierRow:
    key: str
    name: str
    name_en: str
    count: int
    prize_vnd: int
    amount_vnd: int


@dataclass(frozen=True, slots=True)
class Prizes:
    announced: bool
    tiers: tuple[TierRow, ...]
    count: int
    amount_vnd: int


@dataclass(frozen=True, slots=True)
class InitiativeAdoption:
    entry_id: str
    plans: int
    assigned: int
    accepted: int
    declined: int
    applied: int


@dataclass(frozen=True, slots=True)
class Adoption:
    as_of: datetime | None
    initiatives: tuple[InitiativeAdoption, ...]
    assigned: int
    accepted: int
    declined: int
    applied: int
    units_applying: int  # distinct units that applied at least one initiative


@dataclass(frozen=True, slots=True)
class SeasonReport:
    contest_id: str
    participation: Participation
    timeliness: Timeliness
    prizes: Prizes
    adoption: Adoption
    inputs_sha256: str


# ---------------------------------------------------------------- canonical inputs


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat().replace("+00:00", "Z")


def canonical_inputs(inputs: SeasonInputs) -> bytes:
    """The inputs as canonical JSON: facts sorted by id, keys sorted, times in UTC."""
    doc: dict[str, Any] = {
        "format": FORMAT,
        "contest_id": inputs.contest_id,
        "closes_at": _iso(inputs.closes_at),
        "judging_closed_at": _iso(inputs.judging_closed_at),
        "announced_at": _iso(inputs.announced_at),
        "categories": dict(sorted(inputs.categories.items())),
        "headcounts": dict(sorted(inputs.headcounts.items())),
        "statuses": [[f.fact_id, f.entry_id, f.status, _iso(f.at), f.unit, f.category, f.author_group]
                     for f in sorted(inputs.statuses, key=lambda f: f.fact_id)],
        "tiers": [[t.key, t.name, t.name_en, t.prize_vnd] for t in inputs.tiers],
        "awarded": dict(sorted(inputs.awarded.items())),
        "adoption": [[f.fact_id, f.kind, f.plan_id, _iso(f.at), f.initiative_id, sorted(f.units), f.unit,
                      f.accepted, f.stage, f.version] for f in sorted(inputs.adoption, key=lambda f: f.fact_id)],
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# ---------------------------------------------------------------- computation


def _latest(facts: Iterable[StatusFact]) -> dict[str, StatusFact]:
    latest: dict[str, StatusFact] = {}
    for f in facts:
        cur = latest.get(f.entry_id)
        if cur is None or (as_utc(f.at), f.fact_id) > (as_utc(cur.at), cur.fact_id):
            latest[f.entry_id] = f
    return latest


def _ordered(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda x: (-x[1], x[0]))


def participation(inputs: SeasonInputs) -> Participation:
    current = [f for f in _latest(inputs.statuses).values() if f.status != "withdrawn"]
    by_status = Counter(f.status for f in current)
    units = Counter(f.unit for f in current)
    rows = []
    for unit, n in _ordered(units):
        staff = inputs.headcounts.get(unit)
        usable = staff if staff is not None and staff > 0 else None
        rows.append(UnitRow(unit, n, usable, round(100 * n / usable, 2) if usable else None))
    categories = Counter(f.category for f in current)
    groups = Counter(f.author_group.strip() for f in current)
    return Participation(
        total=len(current), eligible=by_status["eligible"], ineligible=by_status["ineligible"],
        waiting=len(current) - by_status["eligible"] - by_status["ineligible"], by_unit=tuple(rows),
        by_category=tuple(Count(k, inputs.categories.get(k, k), n) for k, n in _ordered(categories)),
        by_group=tuple(Count(k, k, n) for k, n in _ordered(groups)))


def _days(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return (as_utc(end).astimezone(VN_TZ).date() - as_utc(start).astimezone(VN_TZ).date()).days


def timeliness(inputs: SeasonInputs, part: Participation) -> Timeliness:
    decided = [as_utc(f.at) for f in inputs.statuses if f.status in DECISIONS]
    screened = max(decided) if decided and part.total and part.waiting == 0 else None
    moments: tuple[tuple[MilestoneKey, datetime | None], ...] = (
        ("screening_done", screened), ("judging_closed", inputs.judging_closed_at),
        ("announced", inputs.announced_at))
    return Timeliness(inputs.closes_at, tuple(
        Milestone(key, as_utc(at) if at else None, _days(inputs.closes_at, at)) for key, at in moments))


def prizes(inputs: SeasonInputs) -> Prizes:
    held = Counter(inputs.awarded.values())
    rows = tuple(TierRow(t.key, t.name, t.name_en, held[t.key], t.prize_vnd, held[t.key] * t.prize_vnd)
                 for t in inputs.tiers)
    return Prizes(announced=inputs.announced_at is not None, tiers=rows, count=sum(r.count for r in rows),
                  amount_vnd=sum(r.amount_vnd for r in rows))


def _order(f: AdoptionFact) -> tuple[datetime, str]:
    return as_utc(f.at), f.fact_id


def adoption(inputs: SeasonInputs, entries: Iterable[str]) -> Adoption:
    """Per initiative of the contest: units assigned by its live plans, and their answers and stages."""
    known = set(entries)
    facts = sorted(inputs.adoption, key=_order)
    published: dict[str, AdoptionFact] = {}
    live: dict[str, bool] = {}
    answers: dict[tuple[str, str], bool] = {}
    stages: dict[tuple[str, str], tuple[int, datetime, str, str]] = {}
    for f in facts:
        if f.kind == "published":
            published[f.plan_id] = f
            live[f.plan_id] = True
        elif f.kind == "withdrawn":
            live[f.plan_id] = False
        elif f.kind == "answered":
            answers[(f.plan_id, f.unit)] = f.accepted
        elif f.kind == "reported":
            ranked = (f.version, *_order(f), f.stage)
            if (f.plan_id, f.unit) not in stages or ranked > stages[(f.plan_id, f.unit)]:
                stages[(f.plan_id, f.unit)] = ranked
    per_entry: dict[str, dict[str, set[str]]] = {}
    plans: Counter[str] = Counter()
    for plan_id, p in published.items():
        if not live.get(plan_id) or p.initiative_id not in known:
            continue
        plans[p.initiative_id] += 1
        sets = per_entry.setdefault(p.initiative_id, {k: set() for k in ("assigned", "accepted", "declined",
                                                                          "applied")})
        for unit in p.units:
            sets["assigned"].add(unit)
            answer = answers.get((plan_id, unit))
            if answer is True:
                sets["accepted"].add(unit)
            elif answer is False:
                sets["declined"].add(unit)
            stage = stages.get((plan_id, unit))
            if stage is not None and stage[3] in IN_USE:
                sets["applied"].add(unit)
    rows = tuple(sorted(
        (InitiativeAdoption(e, plans[e], len(s["assigned"]), len(s["accepted"]), len(s["declined"]),
                            len(s["applied"])) for e, s in per_entry.items()),
        key=lambda r: (-r.applied, -r.assigned, r.entry_id)))
    counted = [f for f in facts if f.plan_id in published and published[f.plan_id].initiative_id in known]
    return Adoption(
        as_of=max((as_utc(f.at) for f in counted), default=None), initiatives=rows,
        assigned=sum(r.assigned for r in rows), accepted=sum(r.accepted for r in rows),
        declined=sum(r.declined for r in rows), applied=sum(r.applied for r in rows),
        units_applying=len(set[str]().union(*(s["applied"] for s in per_entry.values()))))


def season_report(inputs: SeasonInputs) -> SeasonReport:
    part = participation(inputs)
    return SeasonReport(
        contest_id=inputs.contest_id, participation=part, timeliness=timeliness(inputs, part),
        prizes=prizes(inputs), adoption=adoption(inputs, {f.entry_id for f in inputs.statuses}),
        inputs_sha256=hashlib.sha256(canonical_inputs(inputs)).hexdigest())
