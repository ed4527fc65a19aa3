"""Awards' pages: the organisers' ranking and approval screen, the public results and
verification pages, and the winners' certificates."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from services.awards.domain.certificates import DEFAULT_SIGNER_TITLE
from services.awards.explanations import in_lang, render
from services.awards.publication import Publication
from services.awards.season import SeasonReports
from services.awards.season_files import hash_line, sections, shown
from services.awards.service import DEFAULT_CHAIN, AwardsService
from services.awards.views import allocation_view, audit_detail, tier_name
from shared.auth import Auth, Principal
from shared.mongo import Doc
from shared.web.i18n import request_lang
from shared.web.paging import MAX_PAGE, paginate
from shared.web.render import Web

DEFAULT_TIERS: list[dict[str, Any]] = [
    {"key": "first", "name": "Giải Nhất", "name_en": "First Prize", "count": 1, "prize_vnd": 10_000_000,
     "min_score": 70, "category": None},
    {"key": "second", "name": "Giải Nhì", "name_en": "Second Prize", "count": 2, "prize_vnd": 7_000_000,
     "min_score": 70, "category": None},
    {"key": "third", "name": "Giải Ba", "name_en": "Third Prize", "count": 3, "prize_vnd": 5_000_000,
     "min_score": 70, "category": None},
    {"key": "honourable", "name": "Giải Khuyến khích", "name_en": "Honourable Mention", "count": 5,
     "prize_vnd": 2_000_000, "min_score": 70, "category": None},
]


def build_pages(svc: AwardsService, pub: Publication, season: SeasonReports, auth: Auth, web: Web) -> APIRouter:
    r = APIRouter(prefix="/awards", include_in_schema=False)
    organiser = auth.role("organiser")
    winner = auth.role("participant", "organiser")

    @r.get("/organiser")
    async def organiser_home(request: Request, _: Annotated[Principal, Depends(organiser)],
                             contest_id: str | None = None,
                             page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1) -> Response:
        contests = await svc.contest_list()
        if contest_id is None and contests:
            contest_id = contests[0]["_id"]
        contest = await svc.contest(contest_id) if contest_id else None
        lang = request_lang(request)
        ranking = await svc.ranking_view(contest_id) if contest_id else None
        ranked, docs = ranking.value if ranking else ([], {})
        view: dict[str, Any] | None = None
        if contest is not None and contest.get("judging_closed") and contest.get("prizes"):
            view = await allocation_view(svc, contest["_id"], lang)
        # One list is shown: the provisional ranking while judging goes on, then the allocation.
        paged = paginate(view["rows"] if view else ranked, page, params={"contest_id": contest_id})
        labels = await svc.criterion_labels(contest_id) if contest_id else {}
        chain_options = [(f"criterion:{k}", in_lang(v[0], v[1], lang)) for k, v in labels.items()]
        prizes = (contest or {}).get("prizes") or {"tiers": DEFAULT_TIERS, "tie_break": list(DEFAULT_CHAIN),
                                                   "place": "", "signer_name": "",
                                                   "signer_title": DEFAULT_SIGNER_TITLE}
        late = await svc.late_scores_view(contest_id) if contest_id else []
        return web.render(request, "organiser.html", contests=contests, contest=contest, paged=paged, docs=docs,
                          ranking=ranking,
                          explain=lambda x: render(x.explanation, lang),
                          view=view, prizes=prizes, chain_options=chain_options, late=late,
                          configured=bool((contest or {}).get("prizes")),
                          audit_detail=lambda a: audit_detail(a, prizes.get("tiers") or [], lang))

    async def named(contest_id: str | None) -> tuple[list[Doc], str | None]:
        """The contests to pick from, and the one shown (the latest when none is chosen)."""
        contests = await svc.contest_list(named_only=True)
        return contests, contest_id if contest_id is not None or not contests else contests[0]["_id"]

    @r.get("/organiser/checklist")
    async def checklist(request: Request, _: Annotated[Principal, Depends(organiser)],
                        contest_id: str | None = None) -> Response:
        """Every step of the contest from opening to announcement: what is done and what is next."""
        contests, contest_id = await named(contest_id)
        contest = await svc.contest(contest_id) if contest_id else None
        items = await svc.checklist(contest_id) if contest_id else []
        return web.render(request, "checklist.html", contests=contests, contest=contest, steps=items,
                          next_step=next((s for s in items if s.state == "next"), None))

    @r.get("/organiser/season-report")
    async def season_report(request: Request, _: Annotated[Principal, Depends(organiser)],
                            contest_id: str | None = None) -> Response:
        """The season report the Department sends to the provincial People's Committee."""
        contests, contest_id = await named(contest_id)
        lang = request_lang(request)
        s = await season.season(contest_id) if contest_id else None
        return web.render(request, "season.html", contests=contests, contest=s.contest if s else None,
                          report=s.report if s else None, sections=sections(s, lang) if s else [],
                          hash_line=hash_line(s, lang) if s else "", shown=lambda v: shown(v, lang))

    @r.get("/results")
    async def results(request: Request) -> Response:
        await auth.optional_user(request)
        return web.render(request, "results.html", contests=await pub.announced_contests())

    @r.get("/results/{contest_id}")
    async def contest_results(request: Request, contest_id: str) -> Response:
        await auth.optional_user(request)
        off = await pub.announced(contest_id)
        stats = await pub.statistics(off.contest)
        return web.render(request, "contest_results.html", contest=off.contest, tiers=await pub.winners(off),
                          stats=stats, result_hash=off.result_hash, inputs_sha256=off.result["inputs_sha256"],
                          tier_label=lambda t: tier_name(t, request_lang(request)))

    @r.get("/verify")
    async def verify(request: Request, code: str = "") -> Response:
        await auth.optional_user(request)
        found = await pub.verify_code(code) if code.strip() else None
        return web.render(request, "verify.html", code=code, checked=bool(code.strip()), found=found,
                          contests=await pub.announced_contests())

    @r.get("/my")
    async def my(request: Request, user: Annotated[Principal, Depends(winner)]) -> Response:
        return web.render(request, "my.html", items=await pub.my_certificates(user))

    return r
