"""The season report's use cases: keep the adoption service's facts as they arrive, and gather
a contest's facts into ``domain.season_report``'s inputs.

Adoption facts are insert-only, keyed by the event's id (a redelivery is a harmless duplicate,
and FerretDB's lost updates cannot touch them); the report folds them when it is read, like
participation statistics. Nothing of adoption's package is imported: its events say enough.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import Any

from services.awards.domain.season_report import (
    AdoptionFact,
    SeasonInputs,
    SeasonReport,
    StatusFact,
    TierFact,
    as_utc,
    season_report,
)
from services.awards.publication import Publication
from services.awards.repositories import AwardsRepositories
from services.awards.service import not_found
from shared.events.adoption import PlanPublished, PlanWithdrawn, UnitAnswered, UnitReported
from shared.mongo import Doc
from shared.unit_copy import UnitCopy

AdoptionEvent = PlanPublished | PlanWithdrawn | UnitAnswered | UnitReported


def adoption_doc(e: AdoptionEvent, event_id: str) -> Doc:
    """The stored fact of one adoption event (only what the report counts)."""
    doc: Doc = {"_id": event_id, "plan_id": e.plan_id, "at": e.at}
    match e:
        case PlanPublished():
            doc |= {"kind": "published", "initiative_id": e.initiative_id, "units": list(e.units)}
        case PlanWithdrawn():
            doc |= {"kind": "withdrawn"}
        case UnitAnswered():
            doc |= {"kind": "answered", "unit": e.unit, "accepted": e.accepted}
        case UnitReported():
            doc |= {"kind": "reported", "unit": e.unit, "stage": e.stage, "version": e.version}
    return doc


def _adoption_fact(d: Doc) -> AdoptionFact:
    return AdoptionFact(fact_id=str(d["_id"]), kind=d["kind"], plan_id=d["plan_id"], at=as_utc(d["at"]),
                        initiative_id=d.get("initiative_id", ""), units=tuple(d.get("units", ())),
                        unit=d.get("unit", ""), accepted=bool(d.get("accepted", False)), stage=d.get("stage", ""),
                        version=int(d.get("version", 0)))


@dataclass(frozen=True)
class Season:
    """A computed report with what the page and the files show beside it."""

    contest: Doc
    report: SeasonReport
    entries: dict[str, Doc]  # entry id -> {code, title} of the initiatives with plans


@dataclass
class SeasonReports:
    repos: AwardsRepositories
    pub: Publication
    units: UnitCopy

    async def on_adoption(self, e: AdoptionEvent, event_id: str) -> None:
        await self.repos.adoption.add(adoption_doc(e, event_id))

    async def inputs(self, contest: Doc) -> SeasonInputs:
        directory = self.units.directory
        facts = await self.repos.statuses.of_contest(contest["_id"])
        statuses = [StatusFact(fact_id=str(f["_id"]), entry_id=f["entry_id"], status=f["status"], at=as_utc(f["at"]),
                               unit=directory.resolve(str(f.get("unit") or "")), category=f.get("category", ""),
                               author_group=" ".join(str(f.get("author_group") or "").split()))
                    for f in facts]
        shown = {s.unit for s in statuses}
        headcounts = {u.name: u.headcount for u in directory.units
                      if u.name in shown and u.headcount is not None}
        tiers: list[TierFact] = []
        awarded: dict[str, str] = {}
        announced_at = contest.get("announced_at") if contest.get("announced") else None
        if announced_at is not None:
            off = await self.pub.announced(contest["_id"])
            tiers = [TierFact(str(t["key"]), str(t["name"]), int(t["prize_vnd"]), str(t.get("name_en") or ""))
                     for t in off.result["tiers"]]
            awarded = {str(r["entry_id"]): str(r["tier_key"]) for r in off.awarded}
        adoption = await self.repos.adoption.of_initiatives({s.entry_id for s in statuses})
        closes_at, judged = contest.get("closes_at"), contest.get("judging_closed_at")
        return SeasonInputs(
            contest_id=contest["_id"], closes_at=as_utc(closes_at) if closes_at else None,
            judging_closed_at=as_utc(judged) if judged and contest.get("judging_closed") else None,
            announced_at=as_utc(announced_at) if announced_at else None,
            categories={str(c["key"]): str(c["name"]) for c in contest.get("categories", [])},
            headcounts=headcounts, statuses=statuses, tiers=tiers, awarded=awarded,
            adoption=[_adoption_fact(d) for d in adoption])

    async def season(self, contest_id: str) -> Season:
        """The contest's report as of now; 404 for an unknown contest."""
        contest = await self.repos.contests.get(contest_id)
        if contest is None:
            raise not_found()
        report = await asyncio.to_thread(season_report, await self.inputs(contest))
        ids = [r.entry_id for r in report.adoption.initiatives]
        docs = await self.repos.entries.public(ids) if ids else {}
        entries = {i: {"code": docs.get(i, {}).get("code", ""), "title": docs.get(i, {}).get("title", "")}
                   for i in ids}
        return Season(contest, report, entries)


def season_json(s: Season) -> dict[str, Any]:
    """The report as the API answers it (``schemas.SeasonReportOut``)."""
    r = s.report
    part, adoption = r.participation, r.adoption
    return {
        "contest_id": r.contest_id, "contest_name": s.contest.get("name", ""), "inputs_sha256": r.inputs_sha256,
        "participation": {
            "total": part.total, "eligible": part.eligible, "ineligible": part.ineligible, "waiting": part.waiting,
            "by_unit": [asdict(u) for u in part.by_unit], "by_category": [asdict(c) for c in part.by_category],
            "by_group": [asdict(c) for c in part.by_group]},
        "timeliness": {"closes_at": r.timeliness.closes_at,
                       "milestones": [asdict(m) for m in r.timeliness.milestones]},
        "prizes": {"announced": r.prizes.announced, "tiers": [asdict(t) for t in r.prizes.tiers],
                   "count": r.prizes.count, "amount_vnd": r.prizes.amount_vnd},
        "adoption": {
            "as_of": adoption.as_of, "assigned": adoption.assigned, "accepted": adoption.accepted,
            "declined": adoption.declined, "applied": adoption.applied, "units_applying": adoption.units_applying,
            "initiatives": [{**asdict(i), **s.entries.get(i.entry_id, {"code": "", "title": ""})}
                            for i in adoption.initiatives]},
    }

