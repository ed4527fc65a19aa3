"""Where an author's initiative is being applied: submission's copy of one replication plan,
folded from adoption's events, and what the author may see of it.

Events of one plan come in order (keyed by plan id), but a redelivery, a replayed dead letter or
a second writer may bring an older one late: every part of the copy keeps the time (or, for a
unit's report, the version) of the fact it holds, and an older fact never replaces a newer one.
Applying the same event again changes nothing. Only a published plan that was not withdrawn is
shown; a withdrawal is final (adoption never publishes a withdrawn plan again).

Pure: plain values in, a plain document out (stored as is by ``adoption_view``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from shared.units import unit_key

Doc = dict[str, Any]
IN_USE = frozenset({"applied", "institutionalised"})


def stamp(at: datetime) -> str:
    """A fixed-width UTC time, so stored times compare as text (naive times are taken as UTC)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def empty(plan_id: str) -> Doc:
    return {"_id": plan_id, "initiative_id": "", "title": "", "units": [], "lead_unit": "", "due": "",
            "indicators": [], "planned_at": "", "published_at": "", "withdrawn_at": "", "answers": [],
            "reports": []}


def planned(state: Doc, *, initiative_id: str, title: str, units: Sequence[str], lead_unit: str, due: date,
            indicators: Sequence[Mapping[str, Any]], at: datetime) -> Doc:
    """The plan as the organiser drew it (``ReplicationPlanned``); a newer drawing replaces it."""
    if stamp(at) < state["planned_at"]:
        return state
    return {**state, "initiative_id": initiative_id, "title": title, "lead_unit": lead_unit, "due": due.isoformat(),
            "indicators": [dict(i) for i in indicators], "planned_at": stamp(at),
            # a publication after this drawing named the units the plan went out to: they stay
            "units": list(units) if stamp(at) >= state["published_at"] else state["units"]}


def published(state: Doc, *, initiative_id: str, title: str, units: Sequence[str], lead_unit: str, due: date,
              at: datetime) -> Doc:
    """The plan went out to its units (``PlanPublished``); the latest publication's units count."""
    if stamp(at) < state["published_at"]:
        return state
    return {**state, "initiative_id": initiative_id, "title": title, "units": list(units), "lead_unit": lead_unit,
            "due": due.isoformat(), "published_at": stamp(at)}


def withdrawn(state: Doc, *, at: datetime) -> Doc:
    """The organisers withdrew the plan: from now on nothing of it is shown."""
    if state["withdrawn_at"] and state["withdrawn_at"] <= stamp(at):
        return state
    return {**state, "withdrawn_at": stamp(at)}


def _replace(rows: Sequence[Doc], unit: str, row: Doc) -> list[Doc]:
    key = unit_key(unit)
    return [*(r for r in rows if r["key"] != key), {**row, "unit": unit, "key": key}]


def _row(rows: Sequence[Doc], unit: str) -> Doc | None:
    key = unit_key(unit)
    return next((r for r in rows if r["key"] == key), None)


def answered(state: Doc, *, unit: str, accepted: bool, reason: str, at: datetime) -> Doc:
    """A unit accepted the assignment, or declined it with a reason (``UnitAnswered``)."""
    known = _row(state["answers"], unit)
    if known is not None and known["at"] >= stamp(at):
        return state
    row = {"accepted": accepted, "reason": reason, "at": stamp(at)}
    return {**state, "answers": _replace(state["answers"], unit, row)}


def reported(state: Doc, *, unit: str, version: int, stage: str, reason: str,
             values: Sequence[tuple[str, float, date]], at: datetime) -> Doc:
    """One version of a unit's report (``UnitReported``): the newest version's stage counts, and
    for each indicator the value measured last (a correction of the same day: the later version)."""
    known = _row(state["reports"], unit) or {"version": 0, "stage": "planned", "reason": "", "at": "", "values": []}
    if any(v == version for v in known.get("versions", [])):
        return state  # this version is in already
    last: dict[str, Doc] = {v["indicator"]: v for v in known["values"]}
    for indicator, value, on in values:
        mine = {"indicator": indicator, "value": value, "on": on.isoformat(), "version": version}
        old = last.get(indicator)
        if old is None or (mine["on"], version) > (old["on"], old["version"]):
            last[indicator] = mine
    newest = version > known["version"]
    row = {"version": max(version, known["version"]), "stage": stage if newest else known["stage"],
           "reason": reason if newest else known["reason"], "at": stamp(at) if newest else known["at"],
           "values": sorted(last.values(), key=lambda v: v["indicator"]),
           "versions": sorted({*known.get("versions", []), version})}
    return {**state, "reports": _replace(state["reports"], unit, row)}


def visible(state: Doc) -> bool:
    """Published and not withdrawn: an unpublished plan shows nothing, a withdrawn one disappears."""
    return bool(state["published_at"]) and not state["withdrawn_at"]


def author_view(state: Doc) -> Doc | None:
    """What the initiative's author reads: each unit asked to apply it, its answer (a decline with
    its reason), its stage and the latest value of each indicator it measured. No person is named."""
    if not visible(state):
        return None
    specs = {i["key"]: i for i in state["indicators"]}
    units = []
    for name in state["units"]:
        answer = _row(state["answers"], name)
        report = _row(state["reports"], name)
        accepted = answer is not None and answer["accepted"]
        status = "assigned" if answer is None else ("accepted" if accepted else "declined")
        stage = (report["stage"] if report else "planned") if accepted else None
        values = [{"indicator": v["indicator"], "name": specs[v["indicator"]]["name"],
                   "measure": specs[v["indicator"]].get("measure", ""),
                   "value_type": specs[v["indicator"]]["value_type"],
                   "baseline": specs[v["indicator"]]["baseline"], "value": v["value"], "on": v["on"]}
                  for v in (report["values"] if report and accepted else []) if v["indicator"] in specs]
        units.append({"unit": name, "answer": status,
                      "reason": answer["reason"] if answer is not None and status == "declined" else "",
                      "stage": stage, "stage_reason": report["reason"] if report and stage == "stopped" else "",
                      "values": values})
    return {"plan_id": state["_id"], "title": state["title"], "lead_unit": state["lead_unit"], "due": state["due"],
            "units": units, "accepted": sum(u["answer"] == "accepted" for u in units),
            "declined": sum(u["answer"] == "declined" for u in units),
            "in_use": sum(u["stage"] in IN_USE for u in units)}
