"""Adoption's use cases: learn initiatives from events, let organisers plan their replication
and units report how far they got, and add up what was measured.

Who may do what is decided here, not only at the routes: an organiser plans, publishes and
withdraws; a coordinator answers and reports for the assignments of their own unit only (any
other unit's assignment is "not found", so ids cannot be probed). Every change is a
compare-and-set written with its event (``repositories``), so a lost race publishes nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

import structlog

from services.adoption.domain import evidence, plans, stages
from services.adoption.domain import indicators as ind
from services.adoption.domain.indicators import Indicator
from services.adoption.domain.totals import Reported, Total, latest, totals
from services.adoption.messages import say
from services.adoption.repositories import AdoptionRepositories
from shared.attachments import CONTENT_TYPES, REFUSAL, declared_type, sanitize_filename
from shared.auth import Principal
from shared.coded import Code, CodedError
from shared.envelope import Envelope, EventPayload
from shared.errors import Conflict, Gone, Invalid, NotFound
from shared.events.adoption import (
    IndicatorSpec,
    IndicatorValue,
    PlanPublished,
    PlanWithdrawn,
    ReplicationPlanned,
    ReportOverdue,
    UnitAnswered,
    UnitReported,
)
from shared.events.authors import EntryAuthorsRecorded
from shared.events.awards import ResultsAnnounced
from shared.mongo import Doc
from shared.units import UnitDirectory
from shared.web.i18n import N_, VN_TZ

log = structlog.get_logger(__name__)

MSG_NO_INITIATIVE = N_("Không tìm thấy sáng kiến.")
MSG_NO_PLAN = N_("Không tìm thấy kế hoạch nhân rộng.")
MSG_NO_ASSIGNMENT = N_("Không tìm thấy sáng kiến giao cho đơn vị.")
MSG_PLAN_WITHDRAWN = N_("Kế hoạch này đã bị thu hồi; không thể báo cáo thêm.")
MSG_CHANGED = N_("Dữ liệu vừa được người khác thay đổi. Vui lòng tải lại trang và thử lại.")
MSG_INVALID_PLAN = N_("Kế hoạch chưa hợp lệ.")
MSG_INVALID_REPORT = N_("Báo cáo chưa hợp lệ.")
MSG_INVALID_FILE = N_("Tệp minh chứng chưa hợp lệ.")
MSG_NO_FILE = N_("Không tìm thấy tệp minh chứng.")


@dataclass(frozen=True)
class NewPlan:
    """What an organiser asks for (``schemas.PlanIn`` at the edge)."""

    initiative_id: str
    units: list[str]
    lead_unit: str
    due: date
    indicators: list[dict[str, Any]]


@dataclass(frozen=True)
class PlanTerms:
    """What an edit of a draft replaces (``schemas.PlanEditIn``): everything but the initiative."""

    units: list[str]
    lead_unit: str
    due: date
    indicators: list[dict[str, Any]]


@dataclass(frozen=True)
class Value:
    indicator: str
    value: object
    on: date


def now() -> datetime:
    return datetime.now(UTC)


def indicators_of(plan: Doc) -> list[Indicator]:
    return [Indicator(i["key"], i["name"], i["measure"], i["value_type"], i["baseline"]) for i in plan["indicators"]]


def reported_values(assignments: Sequence[Doc]) -> list[Reported]:
    """Every unit's latest values, as the domain's totals take them."""
    return [Reported(a["unit"], v["indicator"], v["value"], date.fromisoformat(v["on"]), v["version"])
            for a in assignments for v in a.get("values", [])]


class Adoption:
    def __init__(self, repos: AdoptionRepositories, directory: Callable[[], UnitDirectory] = UnitDirectory,
                 producer: str = "adoption", clock: Callable[[], datetime] = now) -> None:
        self.repos = repos
        self.directory = directory
        self.producer = producer
        self.clock = clock

    def today(self) -> date:
        return self.clock().astimezone(VN_TZ).date()

    def _env(self, payload: EventPayload) -> Envelope:
        return Envelope.wrap(payload, producer=self.producer)

    def unit_key(self, unit: str) -> str:
        return self.directory().key(unit)

    # --- what the service learns ----------------------------------------------------------------

    async def on_authors(self, env: Envelope[EntryAuthorsRecorded]) -> None:
        e = env.payload
        await self.repos.initiatives.save(e.entry_id, {
            "contest_id": e.contest_id, "code": e.code, "title": e.title, "summary": e.summary,
            "category": e.category, "unit": e.unit, "authors": [a.full_name for a in e.authors],
            "owner_account_id": e.owner_account_id})

    async def on_results(self, env: Envelope[ResultsAnnounced]) -> None:
        """Winners are those with a prize tier; an announcement again (a correction) replaces the prize."""
        e = env.payload
        for o in e.outcomes:
            await self.repos.initiatives.save(o.entry_id, {
                "contest_id": e.contest_id, "rank": o.rank, "tier_key": o.tier_key, "tier_name": o.tier_name,
                "winner": o.tier_key is not None, "announced_at": e.announced_at})

    # --- organisers ---------------------------------------------------------------------------

    async def initiatives(self) -> list[Doc]:
        """Known initiatives with a title, winners first (by rank), then by title."""
        docs = [d for d in await self.repos.initiatives.listing() if d.get("title")]
        return sorted(docs, key=lambda d: (not d.get("winner"), d.get("rank") or 10**6, d["title"]))

    def _terms(self, units: Sequence[str], lead_unit: str, due: date,
               indicators: Sequence[dict[str, Any]]) -> tuple[list[str], str, list[Indicator]]:
        """A plan's units (resolved in the directory), lead unit and indicators as kept, checked by
        the rules; a refusal names the form's field."""
        directory = self.directory()
        try:
            specs = [Indicator(str(i["key"]).strip(), str(i["name"]).strip(), str(i.get("measure", "")).strip(),
                               i["value_type"], i["baseline"]) for i in indicators]
            kept = plans.check_plan([directory.resolve(u) for u in units], lead_unit, due, specs, self.today())
        except CodedError as exc:
            field = "indicators" if exc.code.startswith("indicator.") else {
                "plan.no_lead": "lead_unit", "plan.due_past": "due"}.get(exc.code, "units")
            raise Invalid(MSG_INVALID_PLAN, {field: say(exc.issue)}) from exc
        return kept, directory.resolve(lead_unit), specs

    def _planned(self, doc: Doc, by: Principal, at: datetime) -> Envelope:
        """The plan as it now stands (on creation and after each edit of the draft)."""
        return self._env(ReplicationPlanned(
            plan_id=doc["_id"], initiative_id=doc["initiative_id"], contest_id=doc["contest_id"], title=doc["title"],
            units=doc["units"], lead_unit=doc["lead_unit"], due=date.fromisoformat(doc["due"]),
            by_account_id=by.account_id, at=at, indicators=[IndicatorSpec(**i) for i in doc["indicators"]]))

    async def create_plan(self, new: NewPlan, by: Principal) -> Doc:
        initiative = await self.repos.initiatives.get(new.initiative_id)
        if initiative is None or not initiative.get("title"):
            raise NotFound(MSG_NO_INITIATIVE, field="initiative_id")
        units, lead, specs = self._terms(new.units, new.lead_unit, new.due, new.indicators)
        at = self.clock()
        plan_id = uuid.uuid4().hex[:12]
        doc: Doc = {
            "_id": plan_id, "initiative_id": new.initiative_id, "contest_id": initiative.get("contest_id", ""),
            "title": initiative["title"], "initiative_unit": initiative.get("unit", ""),
            "tier_name": initiative.get("tier_name"), "units": units, "lead_unit": lead,
            "due": new.due.isoformat(), "indicators": [s.__dict__ for s in specs], "status": "draft",
            "created_by": by.account_id, "created_at": at, "reason": "", "revision": 1}
        await self.repos.plans.insert(doc, [self._planned(doc, by, at)])
        log.info("adoption.plan_created", plan_id=plan_id, initiative_id=new.initiative_id, units=len(units))
        return doc

    async def edit_plan(self, plan_id: str, change: PlanTerms, by: Principal) -> Doc:
        """A draft's units, lead unit, date and indicators, replaced (the initiative stays). Each edit
        is a new revision kept in the plan's ``history`` with what it replaced, and re-announced as
        ``ReplicationPlanned``; a published or withdrawn plan is refused (409)."""
        doc = await self.draft(plan_id)
        units, lead, specs = self._terms(change.units, change.lead_unit, change.due, change.indicators)
        at = self.clock()
        revision = int(doc.get("revision", 0))
        fields: Doc = {"units": units, "lead_unit": lead, "due": change.due.isoformat(),
                       "indicators": [s.__dict__ for s in specs], "revision": max(revision, 1) + 1,
                       "edited_at": at, "edited_by": by.account_id}
        entry = {"kind": "edit", "revision": fields["revision"], "by": by.account_id, "by_name": by.full_name,
                 "at": at, "before": {k: doc[k] for k in ("units", "lead_unit", "due", "indicators")}}
        if not await self.repos.plans.edit_draft(plan_id, revision, fields, entry,
                                                 [self._planned({**doc, **fields}, by, at)]):
            raise Conflict(MSG_CHANGED)
        log.info("adoption.plan_edited", plan_id=plan_id, revision=fields["revision"], units=len(units))
        return await self.plan(plan_id)

    async def plan(self, plan_id: str) -> Doc:
        doc = await self.repos.plans.get(plan_id)
        if doc is None:
            raise NotFound(MSG_NO_PLAN)
        return doc

    async def draft(self, plan_id: str) -> Doc:
        """A plan that may still be edited (409 with why not once published or withdrawn)."""
        doc = await self.plan(plan_id)
        try:
            plans.edit(doc["status"])
        except CodedError as exc:
            raise Conflict(say(exc.issue)) from exc
        return doc

    async def publish(self, plan_id: str, by: Principal) -> Doc:
        """The units' assignments are written first (unseen while the plan is a draft), then the
        plan's status: a crash between the two leaves a draft whose publishing can be repeated."""
        doc = await self.plan(plan_id)
        try:
            status = plans.publish(doc["status"])
        except CodedError as exc:
            raise Conflict(say(exc.issue)) from exc
        await self.repos.assignments.insert_new([{
            "_id": f"{plan_id}:{n}", "plan_id": plan_id, "unit": unit, "unit_key": self.unit_key(unit),
            "answer": "assigned", "stage": "planned", "reason": "", "values": [], "version": 0, "rev": 0,
            "overdue_told": False, "history": []} for n, unit in enumerate(doc["units"], 1)])
        at = self.clock()
        event = PlanPublished(plan_id=plan_id, initiative_id=doc["initiative_id"], title=doc["title"],
                              units=doc["units"], lead_unit=doc["lead_unit"], due=date.fromisoformat(doc["due"]),
                              at=at)
        if not await self.repos.plans.change_status(plan_id, "draft", {
                "status": status, "published_at": at, "published_by": by.account_id}, [self._env(event)]):
            raise Conflict(MSG_CHANGED)
        return await self.plan(plan_id)

    async def withdraw(self, plan_id: str, reason: str, by: Principal) -> Doc:
        doc = await self.plan(plan_id)
        try:
            status = plans.withdraw(doc["status"], reason)
        except CodedError as exc:
            if exc.code == "plan.reason_needed":
                raise Invalid(say(exc.issue), field="reason") from exc
            raise Conflict(say(exc.issue)) from exc
        text = " ".join(reason.split())
        event = PlanWithdrawn(plan_id=plan_id, reason=text, at=self.clock())
        if not await self.repos.plans.change_status(plan_id, doc["status"], {
                "status": status, "reason": text, "withdrawn_by": by.account_id}, [self._env(event)]):
            raise Conflict(MSG_CHANGED)
        return await self.plan(plan_id)

    async def plans(self) -> list[Doc]:
        """Every plan with its units' progress: how many accepted, applied, declined, overdue."""
        docs = await self.repos.plans.listing()
        by_plan: dict[str, list[Doc]] = {}
        for a in await self.repos.assignments.of_plans([d["_id"] for d in docs]):
            by_plan.setdefault(a["plan_id"], []).append(a)
        return [{**d, "progress": self.progress(d, by_plan.get(d["_id"], []))} for d in docs]

    def progress(self, plan: Doc, assignments: Sequence[Doc]) -> dict[str, int]:
        today, due = self.today(), date.fromisoformat(plan["due"])
        return {
            "units": len(plan["units"]),
            "accepted": sum(a["answer"] == "accepted" for a in assignments),
            "declined": sum(a["answer"] == "declined" for a in assignments),
            "applied": sum(a["stage"] in stages.IN_USE for a in assignments),
            "overdue": sum(plans.is_overdue(plan["status"], due, today, a["answer"], a["stage"]) for a in assignments),
        }

    async def plan_detail(self, plan_id: str) -> tuple[Doc, list[Doc], list[Total]]:
        """A plan, its units (each with ``overdue``) and the totals of what they measured."""
        doc = await self.plan(plan_id)
        rows = await self.repos.assignments.of_plans([plan_id])
        today, due = self.today(), date.fromisoformat(doc["due"])
        for a in rows:
            a["overdue"] = plans.is_overdue(doc["status"], due, today, a["answer"], a["stage"])
        return doc, rows, totals(indicators_of(doc), reported_values(rows))

    async def dashboard(self) -> Doc:
        """Published plans' adoption by initiative and by unit, overdue units, and measured totals."""
        published = [p for p in await self.repos.plans.listing() if p["status"] == "published"]
        rows = await self.repos.assignments.of_plans([p["_id"] for p in published])
        today = self.today()
        by_id = {p["_id"]: p for p in published}
        initiatives: dict[str, Doc] = {}
        units: dict[str, Doc] = {}
        overdue: list[Doc] = []
        for p in published:
            initiatives.setdefault(p["initiative_id"], {"title": p["title"], "tier_name": p.get("tier_name"),
                                                        "units": 0, "applied": 0, "declined": 0, "plans": []})
            initiatives[p["initiative_id"]]["plans"].append(p["_id"])
        for a in rows:
            p = by_id[a["plan_id"]]
            i = initiatives[p["initiative_id"]]
            u = units.setdefault(a["unit_key"], {"unit": a["unit"], "assigned": 0, "applied": 0, "declined": 0,
                                                 "overdue": 0})
            in_use = a["stage"] in stages.IN_USE
            late = plans.is_overdue(p["status"], date.fromisoformat(p["due"]), today, a["answer"], a["stage"])
            i["units"] += 1
            i["applied"] += in_use
            i["declined"] += a["answer"] == "declined"
            u["assigned"] += 1
            u["applied"] += in_use
            u["declined"] += a["answer"] == "declined"
            u["overdue"] += late
            if late:
                overdue.append({**a, "title": p["title"], "due": p["due"]})
        measured = []
        for p in published:
            mine = [a for a in rows if a["plan_id"] == p["_id"]]
            measured.append({"plan": p, "totals": totals(indicators_of(p), reported_values(mine))})
        return {"initiatives": sorted(initiatives.values(), key=lambda i: (-i["applied"], i["title"])),
                "units": sorted(units.values(), key=lambda u: (-u["applied"], u["unit"])),
                "overdue": overdue, "measured": measured}

    async def in_practice(self) -> list[Doc]:
        """What the public sees: published plans only (nothing of a draft or a withdrawn one), each
        with its initiative, the units applying it (accepted and not stopped, with their stage) and
        the measured totals. No person, account or reason is named: only units and figures."""
        published = [p for p in await self.repos.plans.listing() if p["status"] == "published"]
        rows = await self.repos.assignments.of_plans([p["_id"] for p in published])
        rank = {s: n for n, s in enumerate(stages.STAGES)}
        out = []
        for p in published:
            mine = [a for a in rows if a["plan_id"] == p["_id"]]
            applying = sorted(({"unit": a["unit"], "stage": a["stage"]} for a in mine
                               if a["answer"] == "accepted" and a["stage"] != "stopped"),
                              key=lambda u: (-rank.get(u["stage"], 0), u["unit"]))
            initiative = await self.repos.initiatives.get(p["initiative_id"]) or {}
            out.append({"plan_id": p["_id"], "title": p["title"], "tier_name": p.get("tier_name"),
                        "origin_unit": p.get("initiative_unit", ""), "summary": initiative.get("summary", ""),
                        "assigned": len(p["units"]), "units": applying,
                        "in_use": sum(u["stage"] in stages.IN_USE for u in applying),
                        "totals": totals(indicators_of(p), reported_values(mine))})
        return sorted(out, key=lambda x: (-x["in_use"], -len(x["units"]), x["title"]))

    async def flag_overdue(self) -> int:
        """Tell (once per unit) that a published plan's date passed without the unit applying it."""
        told = 0
        today = self.today()
        published = {p["_id"]: p for p in await self.repos.plans.listing() if p["status"] == "published"}
        for a in await self.repos.assignments.of_plans(list(published)):
            p = published[a["plan_id"]]
            due = date.fromisoformat(p["due"])
            if a.get("overdue_told") or not plans.is_overdue(p["status"], due, today, a["answer"], a["stage"]):
                continue
            event = ReportOverdue(plan_id=p["_id"], unit=a["unit"], title=p["title"], due=due, stage=a["stage"],
                                  at=self.clock())
            told += await self.repos.assignments.mark_overdue(a["_id"], [self._env(event)])
        return told

    # --- unit coordinators --------------------------------------------------------------------

    async def assigned_to(self, who: Principal) -> list[Doc]:
        """The published (or since withdrawn) plans assigned to the coordinator's unit."""
        rows = await self.repos.assignments.of_unit(self.unit_key(who.unit)) if who.unit.strip() else []
        out = []
        for a in rows:
            p = await self.repos.plans.get(a["plan_id"])
            if p is not None and p["status"] != "draft":
                out.append({**a, "plan": p})
        return out

    async def assignment(self, assignment_id: str, who: Principal) -> tuple[Doc, Doc]:
        """The assignment and its plan, if it is one of the coordinator's unit and published."""
        a = await self.repos.assignments.get(assignment_id)
        plan = await self.repos.plans.get(a["plan_id"]) if a is not None else None
        if a is None or plan is None or plan["status"] == "draft" or not who.unit.strip() \
                or a["unit_key"] != self.unit_key(who.unit):
            raise NotFound(MSG_NO_ASSIGNMENT)
        return a, plan

    async def answer(self, assignment_id: str, accept: bool, reason: str, who: Principal) -> Doc:
        a, plan = await self.assignment(assignment_id, who)
        if plan["status"] == "withdrawn":
            raise Gone(MSG_PLAN_WITHDRAWN)
        try:
            answered, text = stages.answer(a["answer"], accept, reason)
        except CodedError as exc:
            if exc.code.startswith("reason."):
                raise Invalid(say(exc.issue), field="reason") from exc
            raise Conflict(say(exc.issue)) from exc
        at = self.clock()
        event = UnitAnswered(plan_id=plan["_id"], unit=a["unit"], accepted=accept, reason=text,
                             by_account_id=who.account_id, at=at)
        entry = {"kind": "answer", "answer": answered, "reason": text, "by": who.account_id, "by_name": who.full_name,
                 "at": at}
        if not await self.repos.assignments.record(a["_id"], a["rev"], {"answer": answered, "reason": text}, entry,
                                                   [self._env(event)]):
            raise Conflict(MSG_CHANGED)
        return (await self.assignment(assignment_id, who))[0]

    async def report(self, assignment_id: str, stage: str, reason: str, values: Sequence[Value],
                     who: Principal) -> Doc:
        """A new version of the unit's report: its stage and measured values, each checked."""
        a, plan = await self.assignment(assignment_id, who)
        if plan["status"] == "withdrawn":
            raise Gone(MSG_PLAN_WITHDRAWN)
        errors: dict[str, str] = {}
        try:
            text = stages.move(a["answer"], a["stage"], cast(stages.Stage, stage), reason)
        except CodedError as exc:
            if exc.code == "stage.not_accepted":
                raise Conflict(say(exc.issue)) from exc
            errors["reason" if exc.code.startswith("reason.") else "stage"] = say(exc.issue)
            text = ""
        specs = {i.key: i for i in indicators_of(plan)}
        today = self.today()
        for n, v in enumerate(values):
            spec = specs.get(v.indicator)
            problem = Code.of("value.unknown") if spec is None else ind.check_value(spec, v.value, v.on, today)
            if problem is not None:
                errors[f"values.{n}.{'on' if problem.code == 'value.future_date' else 'value'}"] = say(problem)
        if errors:
            raise Invalid(MSG_INVALID_REPORT, errors)
        version = int(a.get("version", 0)) + 1
        at = self.clock()
        measured = [{"indicator": v.indicator, "value": float(cast(float, v.value)), "on": v.on.isoformat(),
                     "version": version} for v in values]
        kept = latest(reported_values([{**a, "values": [*a.get("values", []), *measured]}]))
        event = UnitReported(
            plan_id=plan["_id"], unit=a["unit"], version=version, stage=cast(stages.Stage, stage),
            previous_stage=a["stage"], reason=text, by_account_id=who.account_id, at=at,
            values=[IndicatorValue(indicator=v.indicator, value=float(cast(float, v.value)), on=v.on)
                    for v in values])
        entry = {"kind": "report", "version": version, "stage": stage, "previous_stage": a["stage"], "reason": text,
                 "values": measured, "by": who.account_id, "by_name": who.full_name, "at": at}
        if not await self.repos.assignments.record(a["_id"], a["rev"], {
                "stage": stage, "version": version, "reported_at": at,
                "values": [{"indicator": r.indicator, "value": r.value, "on": r.on.isoformat(), "version": r.version}
                           for r in kept.values()],
                "overdue_told": a.get("overdue_told", False)}, entry, [self._env(event)]):
            raise Conflict(MSG_CHANGED)
        return (await self.assignment(assignment_id, who))[0]

    async def history(self, assignment_id: str, who: Principal) -> list[Doc]:
        a, _ = await self.assignment(assignment_id, who)
        return list(a.get("history", []))

    # --- evidence files -----------------------------------------------------------------------

    async def add_evidence(self, assignment_id: str, filename: str, data: bytes, who: Principal) -> Doc:
        """Keep a file as evidence of the unit's report: checked as an entry's attachments are,
        stored, then listed on the assignment with an audit entry (compare-and-set on ``rev``, so
        the bound on the count holds; a file whose listing lost the race is removed again)."""
        a, plan = await self.assignment(assignment_id, who)
        if plan["status"] == "withdrawn":
            raise Gone(MSG_PLAN_WITHDRAWN)
        if a["answer"] != "accepted":
            raise Conflict(say(Code.of("stage.not_accepted")))
        kept = list(a.get("evidence", []))
        problem = evidence.check(filename, data, len(kept))
        if problem is not None:
            raise REFUSAL[problem.code.removeprefix("file.")](MSG_INVALID_FILE, {"file": say(problem)})
        name = sanitize_filename(filename)
        kind = declared_type(name) or ""
        at = self.clock()
        file_id = uuid.uuid4().hex
        meta = {"id": file_id, "filename": name, "type": kind, "size": len(data), "at": at,
                "by_name": who.full_name}
        await self.repos.evidence.add({
            "_id": file_id, "assignment_id": a["_id"], "plan_id": plan["_id"], "unit_key": a["unit_key"],
            "filename": name, "type": kind, "content_type": CONTENT_TYPES[kind], "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "data": data, "by": who.account_id, "at": at})
        entry = {"kind": "evidence", "file": meta, "by": who.account_id, "by_name": who.full_name, "at": at}
        if not await self.repos.assignments.record(a["_id"], a["rev"], {"evidence": [*kept, meta]}, entry, []):
            await self.repos.evidence.remove(file_id)
            raise Conflict(MSG_CHANGED)
        log.info("adoption.evidence_added", assignment_id=a["_id"], file_id=file_id, size=len(data))
        return meta

    async def evidence_file(self, file_id: str, who: Principal) -> Doc:
        """A listed evidence file with its bytes, for organisers and the coordinators of its unit;
        anyone else is told it does not exist (ids cannot be probed)."""
        doc = await self.repos.evidence.get(file_id)
        a = await self.repos.assignments.get(doc["assignment_id"]) if doc is not None else None
        listed = a is not None and any(e["id"] == file_id for e in a.get("evidence", []))
        mine = who.has("organiser") or (who.has("coordinator") and bool(who.unit.strip()) and doc is not None
                                         and doc["unit_key"] == self.unit_key(who.unit))
        if doc is None or not listed or not mine:
            raise NotFound(MSG_NO_FILE)
        return doc
