"""Submission's pages. Forms post to the JSON API from a small script, so the pages and API
clients go through exactly the same checks."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from services.submission.domain.initiative import status_label
from services.submission.service import SubmissionService
from shared.auth import Auth, Principal
from shared.web.i18n import request_lang
from shared.web.render import Web


def build_pages(svc: SubmissionService, auth: Auth, web: Web) -> APIRouter:
    r = APIRouter(prefix="/submission", include_in_schema=False)
    organiser = auth.role("organiser")
    participant = auth.role("participant")

    def label(request: Request, status: str) -> str:
        return status_label(status, "en" if request_lang(request) == "en" else "vi")  # type: ignore[arg-type]

    @r.get("/")
    async def home() -> Response:
        return RedirectResponse("/submission/contests", status_code=302)

    @r.get("/contests")
    async def contests(request: Request) -> Response:
        await auth.optional_user(request)
        return web.render(request, "contests.html", contests=await svc.contests())

    @r.get("/contests/{contest_id}")
    async def contest(request: Request, contest_id: str) -> Response:
        await auth.optional_user(request)
        c = await svc.contest(contest_id)
        counts = await svc.counts(contest_id)
        return web.render(request, "contest.html", contest=c, counts=counts, label=lambda s: label(request, s))

    @r.get("/contests/{contest_id}/new")
    async def new_entry(request: Request, contest_id: str, _: Annotated[Principal, Depends(participant)]) -> Response:
        c = await svc.contest(contest_id)
        return web.render(request, "entry_form.html", contest=c, entry=None)

    @r.get("/entries/{entry_id}")
    async def entry(request: Request, entry_id: str, user: Annotated[Principal, Depends(participant)]) -> Response:
        e = await svc.own_entry(user, entry_id)
        c = await svc.contest(e["contest_id"])
        return web.render(request, "entry_form.html", contest=c, entry=e, status_text=label(request, e["status"]))

    @r.get("/my")
    async def my(request: Request, user: Annotated[Principal, Depends(participant)]) -> Response:
        entries = await svc.my_entries(user)
        names = {c["_id"]: c["name"] for c in await svc.contests()}
        return web.render(request, "my.html", entries=entries, contests=names, label=lambda s: label(request, s))

    @r.get("/screening")
    async def screening(request: Request, _: Annotated[Principal, Depends(organiser)],
                        contest_id: str | None = None) -> Response:
        contests = await svc.contests()
        if contest_id is None and contests:
            contest_id = contests[0]["_id"]
        if contest_id is not None and all(c["_id"] != contest_id for c in contests):
            raise HTTPException(404, detail="Không tìm thấy cuộc thi.")
        queue = await svc.screening_queue(contest_id) if contest_id else []
        return web.render(request, "screening.html", contests=contests, contest_id=contest_id, queue=queue,
                          label=lambda s: label(request, s))

    return r
