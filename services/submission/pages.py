"""Submission's pages. Forms post to the JSON API from small scripts, so the pages and API
clients go through exactly the same checks."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.submission.domain.contest_rules import VN_TZ
from services.submission.messages import status_label
from services.submission.screening import Screening
from services.submission.service import SubmissionService, rules_of
from shared.auth import Auth, Principal
from shared.errors import NotFound
from shared.web.i18n import N_, request_lang
from shared.web.paging import MAX_PAGE, paginate, search_key
from shared.web.render import Web

SECTION_LABELS = {"title": N_("Tên sáng kiến"), "current_situation": N_("Thực trạng"),
                  "solution": N_("Nội dung giải pháp"), "novelty": N_("Tính mới, tính sáng tạo"),
                  "effectiveness": N_("Tính hiệu quả và lợi ích đo được"),
                  "applicability": N_("Khả năng áp dụng, phạm vi nhân rộng"), "cost": N_("Chi phí thực hiện")}


def local_input(value: datetime | None) -> str:
    """An instant as the value of an ``<input type="datetime-local">`` in Vietnam time."""
    return value.astimezone(VN_TZ).strftime("%Y-%m-%dT%H:%M") if value else ""


def build_pages(svc: SubmissionService, screening: Screening, auth: Auth, web: Web) -> APIRouter:
    r = APIRouter(prefix="/submission", include_in_schema=False)
    organiser = auth.role("organiser")
    participant = auth.role("participant")

    def label(request: Request, status: str) -> str:
        return status_label(status, "en" if request_lang(request) == "en" else "vi")  # type: ignore[arg-type]

    async def is_organiser(request: Request) -> bool:
        user = await auth.optional_user(request)
        return bool(user and user.has("organiser"))

    @r.get("/")
    async def home() -> Response:
        return RedirectResponse("/submission/contests", status_code=302)

    @r.get("/contests")
    async def contests(request: Request) -> Response:
        org = await is_organiser(request)
        return web.render(request, "contests.html", contests=await svc.contests(include_drafts=org), organiser=org)

    @r.get("/contests/{contest_id}")
    async def contest(request: Request, contest_id: str) -> Response:
        org = await is_organiser(request)
        c = await svc.contest(contest_id, include_draft=org)
        counts = await svc.counts(contest_id)
        if not org:  # units only for organisers (see the counts API)
            counts.pop("unit", None)
        return web.render(request, "contest.html", contest=c, counts=counts, organiser=org,
                          label=lambda s: label(request, s))

    @r.get("/contests/{contest_id}/new")
    async def new_entry(request: Request, contest_id: str, _: Annotated[Principal, Depends(participant)]) -> Response:
        c = await svc.contest(contest_id, include_draft=False)
        return web.render(request, "entry_form.html", contest=c, entry=None, rules=rules_of(c),
                          unit_names=svc.units.directory.names)

    @r.get("/entries/{entry_id}")
    async def entry(request: Request, entry_id: str, user: Annotated[Principal, Depends(participant)]) -> Response:
        e = await svc.own_entry(user, entry_id)
        c = await svc.contest(e["contest_id"])
        return web.render(request, "entry_form.html", contest=c, entry=e, rules=rules_of(c),
                          unit_names=svc.units.directory.names,
                          status_text=label(request, e["status"]))

    @r.get("/my")
    async def my(request: Request, user: Annotated[Principal, Depends(participant)]) -> Response:
        entries = await svc.my_entries(user)
        names = {c["_id"]: c["name"] for c in await svc.contests()}
        return web.render(request, "my.html", entries=entries, contests=names, label=lambda s: label(request, s))

    @r.get("/screening")
    async def screening_page(request: Request, _: Annotated[Principal, Depends(organiser)],
                             contest_id: str | None = None,
                             status: Annotated[str | None, Query(max_length=40)] = None,
                             q: Annotated[str | None, Query(max_length=200)] = None,
                             similar: Annotated[str | None, Query(max_length=1)] = None,
                             page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1) -> Response:
        """One page of 50 entries, filtered by status, by words of the code, title or unit, or to
        suspected copies; counts by status on top."""
        contests = [c for c in await svc.contests(include_drafts=True) if c["status"] != "draft"]
        if contest_id is None and contests:
            contest_id = contests[0]["_id"]
        if contest_id is not None and all(c["_id"] != contest_id for c in contests):
            raise NotFound("Không tìm thấy cuộc thi.")
        view = await screening.queue_view(contest_id) if contest_id else None
        everything = view.value if view else []
        counts: dict[str, int] = {}
        for e in everything:
            counts[e["status"]] = counts.get(e["status"], 0) + 1
        words = search_key(q or "").split()
        rows = [e for e in everything if (not status or e["status"] == status) and (not similar or e["similar"])
                and all(w in e["search"] for w in words)]
        paged = paginate(rows, page, params={"contest_id": contest_id, "status": status, "q": q, "similar": similar})
        return web.render(request, "screening.html", contests=contests, contest_id=contest_id, paged=paged,
                          view=view, counts=counts, total=len(everything), status=status or "", q=q or "",
                          similar=bool(similar), suspected=sum(1 for e in everything if e["similar"]),
                          label=lambda s: label(request, s))

    @r.get("/screening/entries/{entry_id}")
    async def screening_entry(request: Request, entry_id: str, _: Annotated[Principal, Depends(organiser)]) -> Response:
        e = await screening.entry(entry_id)
        c = await svc.contest(e["contest_id"])
        return web.render(request, "screening_entry.html", e=e, contest=c, sections=SECTION_LABELS,
                          label=lambda s: label(request, s))

    @r.get("/screening/compare")
    async def compare(request: Request, a: str, b: str, _: Annotated[Principal, Depends(organiser)]) -> Response:
        pair = await screening.compare(a, b)
        return web.render(request, "compare.html", pair=pair, sections=SECTION_LABELS,
                          label=lambda s: label(request, s))

    @r.get("/manage/contests/new")
    async def create_contest(request: Request, _: Annotated[Principal, Depends(organiser)]) -> Response:
        return web.render(request, "contest_form.html", contest=None, local=local_input)

    @r.get("/manage/contests/{contest_id}")
    async def manage_contest(request: Request, contest_id: str,
                             _: Annotated[Principal, Depends(organiser)]) -> Response:
        c = await svc.contest(contest_id)
        return web.render(request, "contest_form.html", contest=c, local=local_input)

    return r
