"""Adoption's JSON API under /adoption/api: organisers plan and follow, coordinators report."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from services.adoption import schemas as io
from services.adoption.domain import evidence
from services.adoption.domain.totals import Total
from services.adoption.messages import say
from services.adoption.service import MSG_INVALID_FILE, Adoption, NewPlan, PlanTerms, Value
from shared.attachments import CONTENT_TYPES, content_disposition
from shared.auth import Auth, Principal
from shared.errors import ERROR_RESPONSES, TooLarge
from shared.mongo import Doc

FILE_RESPONSE: dict[int | str, dict[str, Any]] = {200: {
    "description": "The evidence file.",
    "headers": {"Content-Disposition": {"description": "attachment; filename=...", "schema": {"type": "string"}}},
    "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in CONTENT_TYPES.values()}}}


def file_response(f: Doc) -> Response:
    """The bytes as a download that no browser renders in the platform's origin."""
    return Response(bytes(f["data"]), media_type=f["content_type"], headers={
        "Content-Disposition": content_disposition(f["filename"]), "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"})


async def read_capped(request: Request) -> bytes:
    """The request body, refused as soon as it passes the evidence bound (never held whole)."""
    too_big = TooLarge(MSG_INVALID_FILE, {"file": say(evidence.issue("file_size"))})
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > evidence.MAX_BYTES:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > evidence.MAX_BYTES:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


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

    @r.put("/plans/{plan_id}", response_model=io.PlanOut)
    async def edit_plan(plan_id: str, body: io.PlanEditIn, user: Organiser) -> Doc:
        """Replace a draft's units, lead unit, date and indicators; 409 once published or withdrawn."""
        return await svc.edit_plan(plan_id, PlanTerms(list(body.units), body.lead_unit, body.due,
                                                      [i.model_dump() for i in body.indicators]), user)

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

    @r.post("/assignments/{assignment_id}/evidence", response_model=io.EvidenceOut, status_code=201,
            openapi_extra={"requestBody": {
                "required": True,
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                "description": "The file's bytes as the request body; its name in ?filename=. 413 too big, "
                               "415 wrong type."}})
    async def add_evidence(assignment_id: str, request: Request, user: Coordinator,
                           filename: Annotated[str, Query(min_length=1, max_length=255)]) -> Doc:
        """Keep a file (PDF, DOCX, XLSX, PNG, JPG) as evidence of the unit's report."""
        await svc.assignment(assignment_id, user)  # before reading a stranger's upload
        return await svc.add_evidence(assignment_id, filename, await read_capped(request), user)

    @r.get("/evidence/{file_id}", response_class=Response, responses=FILE_RESPONSE)
    async def evidence_file(file_id: str,
                            user: Annotated[Principal, Depends(auth.role("organiser", "coordinator"))]) -> Response:
        """An evidence file, for organisers and the coordinators of the unit that reported it."""
        return file_response(await svc.evidence_file(file_id, user))

    return r
