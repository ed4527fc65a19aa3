"""Judging's JSON API under /judging/api."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from services.judging.service import JudgingService
from shared.auth import Auth, Principal
from shared.mongo import Doc


class SheetIn(BaseModel):
    scores: dict[str, float | None] = Field(default_factory=dict)
    comments: dict[str, str] = Field(default_factory=dict)
    overall: str = Field(default="", max_length=5000)
    submit: bool = False


class PanelIn(BaseModel):
    judge_ids: list[str] = Field(min_length=1, max_length=5000)


class ReleaseIn(BaseModel):
    judges_per_entry: int | None = Field(default=None, ge=1, le=15)
    seed: int = 2026


def build_router(svc: JudgingService, auth: Auth) -> APIRouter:
    r = APIRouter(prefix="/judging/api", tags=["judging"])
    judge = auth.role("judge")
    organiser = auth.role("organiser")

    @r.get("/queue")
    async def queue(user: Annotated[Principal, Depends(judge)]) -> list[Doc]:
        return await svc.queue(user)

    @r.get("/reviews/{rid}")
    async def review(rid: str, user: Annotated[Principal, Depends(judge)]) -> Doc:
        rv, entry, contest = await svc.review_for(user, rid)
        return {"review_id": rid, "entry": {k: entry.get(k) for k in ("code", "title", "category", "sections",
                                                                        "attachments")},
                "rubric": contest["rubric"], "sheet": rv["sheets"][user.account_id], "round_no": rv["round_no"]}

    @r.put("/reviews/{rid}/sheet")
    async def save_sheet(rid: str, body: SheetIn, user: Annotated[Principal, Depends(judge)]) -> Doc:
        return await svc.save_sheet(user, rid, body.scores, body.comments, body.overall, body.submit)

    @r.put("/contests/{contest_id}/panel")
    async def panel(contest_id: str, body: PanelIn, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        return {"contest_id": contest_id, "judge_ids": await svc.set_panel(contest_id, body.judge_ids)}

    @r.post("/contests/{contest_id}/rounds/{round_no}/release")
    async def release(contest_id: str, round_no: int, body: ReleaseIn,
                      _: Annotated[Principal, Depends(organiser)]) -> Doc:
        rnd = await svc.release_round(contest_id, round_no, body.judges_per_entry, body.seed)
        return {"contest_id": contest_id, "round_no": round_no, "k": rnd["k"], "released": True}

    @r.post("/contests/{contest_id}/rounds/{round_no}/close")
    async def close(contest_id: str, round_no: int, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        rnd = await svc.close_round(contest_id, round_no)
        return {"contest_id": contest_id, "round_no": round_no, "closed": True, "scored": rnd["scored"]}

    @r.get("/contests/{contest_id}/progress")
    async def progress(contest_id: str, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        p = await svc.progress(contest_id)
        return {"entries": p["entries"], "scored": p["scored"], "judges": p["judges"]}

    return r
