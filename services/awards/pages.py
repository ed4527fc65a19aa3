"""Awards' pages: the organisers' live ranking and the public results page."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.awards.service import AwardsService
from shared.auth import Auth, Principal
from shared.web.i18n import request_lang
from shared.web.render import Web


def build_pages(svc: AwardsService, auth: Auth, web: Web) -> APIRouter:
    r = APIRouter(prefix="/awards", include_in_schema=False)
    organiser = auth.role("organiser")

    @r.get("/organiser")
    async def organiser_home(request: Request, _: Annotated[Principal, Depends(organiser)],
                             contest_id: str | None = None) -> Response:
        contests = await svc.store.contests.find().sort("closes_at", -1).to_list()
        if contest_id is None and contests:
            contest_id = contests[0]["_id"]
        contest = await svc.contest(contest_id) if contest_id else None
        ranked, docs = await svc.ranking(contest_id) if contest_id else ([], {})
        en = request_lang(request) == "en"
        return web.render(request, "organiser.html", contests=contests, contest=contest, ranked=ranked, docs=docs,
                          explain=lambda x: x.explanation_en if en else x.explanation_vi)

    @r.get("/results")
    async def results(request: Request) -> Response:
        await auth.optional_user(request)
        contests = await svc.store.contests.find({"announced": True}).sort("closes_at", -1).to_list()
        return web.render(request, "results.html", contests=contests)

    return r
