"""Judging's pages: the judge's queue and score sheet, the organisers' progress view."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.judging.service import JudgingService
from shared.auth import Auth, Principal
from shared.web.render import Web


def build_pages(svc: JudgingService, auth: Auth, web: Web) -> APIRouter:
    r = APIRouter(prefix="/judging", include_in_schema=False)
    judge = auth.role("judge")
    organiser = auth.role("organiser")

    @r.get("/")
    async def queue(request: Request, user: Annotated[Principal, Depends(judge)]) -> Response:
        items = await svc.queue(user)
        done = sum(1 for i in items if i["status"] == "submitted")
        return web.render(request, "queue.html", items=items, done=done)

    @r.get("/reviews/{rid}")
    async def review(request: Request, rid: str, user: Annotated[Principal, Depends(judge)]) -> Response:
        rv, entry, contest = await svc.review_for(user, rid)
        return web.render(request, "review.html", rid=rid, entry=entry, rubric=contest["rubric"],
                          sheet=rv["sheets"][user.account_id], round_no=rv["round_no"])

    @r.get("/organiser")
    async def organiser_home(request: Request, _: Annotated[Principal, Depends(organiser)],
                             contest_id: str | None = None) -> Response:
        contests = await svc.store.contests.find().sort("closes_at", -1).to_list()
        if contest_id is None and contests:
            contest_id = contests[0]["_id"]
        progress = await svc.progress(contest_id) if contest_id else None
        rounds = await svc.store.rounds.find({"contest_id": contest_id}).sort("round_no", 1).to_list()
        return web.render(request, "organiser.html", contests=contests, contest_id=contest_id, progress=progress,
                          rounds=rounds)

    return r
