"""Adoption's JSON API under /adoption/api: organisers plan and follow, coordinators report."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from services.adoption import schemas as io
from services.adoption.domain.totals import Total
from services.adoption.service import Adoption, NewPlan, Value
from shared.auth import Auth, Principal
from shared.errors import ERROR_RESPONSES
from shared.mongo import Doc


def total_out(t: Total) -> dict[str, Any]:
    return {"indicator": t.indicator.key, "name": t.indicator.name, "measure": t.indicator.measure, "units": t.units,
            "value": t.value, "baseline": t.baseline, "change": t.change, "change_pct": t.change_pct}


def build_router(svc: Adoption, auth: Auth) -> APIRouter:
    r = APIRouter(prefix="/adoption/api", tags=["adoption"], responses=ERROR_RESPONSES)
    organiser = auth.role("organiser")
    coordinator = auth.role("coordinator")
    Organiser = Annotated[Principal, Depends(organiser)]
    Coordinator = Annotated[Principal, Depends(coordinator)]

    @r.get("/initiatives", response_model=list[io.InitiativeOut])
    async def initiatives(_: Organiser) -> list[Doc]:
        """Initiatives known from submission and awards, winners first: what a plan can replicate."""
        return await svc.initiatives()

    @r.post("/plans", response_model=io.PlanOut, status_code=201)
    async def create_plan(body: io.PlanIn, user: Organiser) -> Doc:
        return await svc.create_plan(NewPlan(body.initiative_id, list(body.units), body.lead_unit, body.due,
                                             [i.model_dump() for i in body.indicators]), user)

    @r.get("/plans", response_model=list[io.PlanSummary])
    async def plans(_: Organiser) -> list[Doc]:
        return await svc.plans()

    @r.get("/plans/{plan_id}", response_model=io.PlanDetail)
    async def plan(plan_id: str, _: Organiser) -> dict[str, Any]:
        doc, rows, totals = await svc.plan_detail(plan_id)
        return {"plan": doc, "assignments": rows, "totals": [total_out(t) for t in totals]}

    @r.post("/plans/{plan_id}/publish", response_model=io.PlanOut)
    async def publish(plan_id: str, user: Organiser) -> Doc:
        return await svc.publish(plan_id, user)

    @r.post("/plans/{plan_id}/withdraw", response_model=io.PlanOut)
    async def withdraw(plan_id: str, body: io.WithdrawIn, user: Organiser) -> Doc:
        return await svc.withdraw(plan_id, body.reason, user)

    @r.get("/dashboard", response_model=io.DashboardOut)
    async def dashboard(_: Organiser) -> dict[str, Any]:
        d = await svc.dashboard()
        return {"initiatives": d["initiatives"], "units": d["units"], "overdue": len(d["overdue"]),
                "measured": [{"plan_id": m["plan"]["_id"], "title": m["plan"]["title"],
                              "totals": [total_out(t) for t in m["totals"]]} for m in d["measured"]]}

    @r.get("/my/assignments", response_model=list[io.MyAssignment])
    async def my_assignments(user: Coordinator) -> list[Doc]:
        """The initiatives assigned to the coordinator's unit (published plans only)."""
        return await svc.assigned_to(user)

    @r.post("/assignments/{assignment_id}/answer", response_model=io.AssignmentOut)
    async def answer(assignment_id: str, body: io.AnswerIn, user: Coordinator) -> Doc:
        return await svc.answer(assignment_id, body.accept, body.reason, user)

    @r.post("/assignments/{assignment_id}/reports", response_model=io.AssignmentOut, status_code=201)
    async def report(assignment_id: str, body: io.ReportIn, user: Coordinator) -> Doc:
        values = [Value(v.indicator, v.value, v.on) for v in body.values]
        return await svc.report(assignment_id, body.stage, body.reason, values, user)

    return r
