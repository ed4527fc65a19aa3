"""Judging's pages: the judge's queue and score sheet; the organisers' progress, set-up,
calibration and audit views. Each page reads through the same service as the API."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.judging import views
from services.judging.api import MAX_ROUNDS
from services.judging.service import JudgingService, rubric_of
from shared.auth import Auth, Principal
from shared.errors import Forbidden, Invalid, NotFound, Refused
from shared.mongo import Doc
from shared.web.paging import MAX_PAGE, paginate
from shared.web.render import Web


def build_pages(svc: JudgingService, auth: Auth, web: Web) -> APIRouter:
    r = APIRouter(prefix="/judging", include_in_schema=False)
    judge = auth.role("judge")
    organiser = auth.role("organiser")

    @r.get("/")
    async def queue(request: Request, user: Annotated[Principal, Depends(judge)]) -> Response:
        items = await svc.queue(user)
        done = sum(1 for i in items if i["status"] == "submitted")
        return web.render(request, "queue.html", items=items, done=done, reminders=await svc.reminders_for(user),
                          changes=await svc.assignment_changes(user))

    @r.get("/reviews/{rid}")
    async def review(request: Request, rid: str, user: Annotated[Principal, Depends(judge)]) -> Response:
        try:
            rv, entry, contest = await svc.review_for(user, rid)
        except Forbidden:  # the conflict-of-interest declaration comes first
            rv = await svc.assigned(user, rid)
            entry = await svc.entry_brief(rv["entry_id"])
            return web.render(request, "declare.html", rid=rid, entry=entry, round_no=rv["round_no"],
                              submitted=rv["sheets"][user.account_id]["status"] == "submitted")
        queue = await svc.queue(user)
        next_review = next((q["review_id"] for q in queue if q["review_id"] != rid and not q["closed"]
                            and q["status"] != "submitted"), None)
        return web.render(request, "review.html", rid=rid, entry=entry, rubric=contest["rubric"],
                          sheet=rv["sheets"][user.account_id], round_no=rv["round_no"], closed=bool(rv.get("closed")),
                          next_review=next_review, contest_name=contest.get("name", ""),
                          comments_to_authors=svc.publishes_feedback(contest))

    async def pick(contest_id: str | None) -> tuple[list[Doc], str | None]:
        contests = await svc.contest_list()
        if contest_id is None and contests:
            contest_id = contests[0]["_id"]
        if contest_id is not None and all(c["_id"] != contest_id for c in contests):
            raise NotFound("Không tìm thấy cuộc thi.")
        return contests, contest_id

    @r.get("/organiser")
    async def organiser_home(request: Request, _: Annotated[Principal, Depends(organiser)],
                             contest_id: str | None = None,
                             page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1) -> Response:
        contests, contest_id = await pick(contest_id)
        if contest_id is None:
            return web.render(request, "organiser.html", contests=contests, contest_id=None, tab="progress")
        contest = await svc.contest(contest_id)
        rounds = await svc.rounds(contest_id)
        rules = svc.rules(contest)
        progress = await views.progress(svc, contest_id)
        paged = paginate(progress["items"], page, params={"contest_id": contest_id})
        nxt = next((x for x in rounds if not x.get("released")), None)
        next_no = nxt["round_no"] if nxt else (None if rounds else 1)
        preview, preview_error = None, ""
        if next_no is not None and next_no <= len(rules):
            try:
                preview = await views.next_round_preview(svc, contest_id, next_no)
            except Refused as exc:
                preview_error = web.t(request, exc.message)
        open_round = next((x for x in rounds if x.get("released") and not x.get("closed")), None)
        released = [x for x in rounds if x.get("released")]
        # The latest released round, once closed, can be reopened (until the result is announced).
        reopenable = released[-1] if released and released[-1].get("closed") and not contest.get("announced") \
            else None
        return web.render(request, "organiser.html", contests=contests, contest_id=contest_id, contest=contest,
                          rounds=rounds, rules=rules, progress=progress, paged=paged, preview=preview,
                          next_no=next_no,
                          preview_error=preview_error, open_round=open_round, reopenable=reopenable,
                          remind_days={n: svc.reminder_days(contest, n) for n in range(1, len(rules) + 1)},
                          tab="progress")

    @r.get("/organiser/setup")
    async def setup(request: Request, _: Annotated[Principal, Depends(organiser)],
                    contest_id: str | None = None) -> Response:
        contests, contest_id = await pick(contest_id)
        if contest_id is None:
            return web.render(request, "organiser.html", contests=contests, contest_id=None, tab="setup")
        contest = await svc.contest(contest_id)
        judges = await svc.active_judges(contest)
        return web.render(request, "setup.html", contests=contests, contest_id=contest_id, contest=contest,
                          rubric=contest["rubric"], max_total=rubric_of(contest["rubric"]).max_total,
                          rules=svc.rules(contest), standardised=svc.standardised(contest),
                          threshold=svc.threshold(contest), judges=judges, frozen=bool(contest.get("frozen")),
                          publish_feedback=svc.publishes_feedback(contest), tab="setup")

    @r.get("/organiser/reviews/{rid}")
    async def review_manage(request: Request, rid: str, _: Annotated[Principal, Depends(organiser)],
                            error: str = "") -> Response:
        return web.render(request, "review_manage.html", view=await svc.review_for_organiser(rid),
                          error=error[:300])

    @r.post("/organiser/reviews/{rid}/void")
    async def review_void(request: Request, rid: str, user: Annotated[Principal, Depends(organiser)]) -> Response:
        form = await request.form()
        reason = str(form.get("reason", "")).strip()
        try:
            if not 5 <= len(reason) <= 1000:
                raise Invalid("Hãy ghi lý do huỷ phiếu (ít nhất 5 ký tự).")
            await svc.void_sheet(rid, str(form.get("judge_id", "")), reason, user, str(form.get("to", "")) or None)
        except Refused as exc:
            return _back(request, rid, exc)
        return RedirectResponse(f"/judging/organiser/reviews/{rid}?done=1", status_code=303)

    @r.post("/organiser/reviews/{rid}/pin")
    async def review_pin(request: Request, rid: str, user: Annotated[Principal, Depends(organiser)]) -> Response:
        form = await request.form()
        try:
            await svc.pin(rid, str(form.get("judge_id", "")), form.get("pinned") == "1", user)
        except Refused as exc:
            return _back(request, rid, exc)
        return RedirectResponse(f"/judging/organiser/reviews/{rid}?done=1", status_code=303)

    def _back(request: Request, rid: str, exc: Refused) -> Response:
        detail = "; ".join(web.t(request, v) for v in exc.errors.values()) or web.t(request, exc.message)
        return RedirectResponse(f"/judging/organiser/reviews/{rid}?{urlencode({'error': detail})}", status_code=303)

    @r.get("/organiser/calibration")
    async def calibration(request: Request, _: Annotated[Principal, Depends(organiser)],
                          contest_id: str | None = None,
                          round_no: Annotated[int | None, Query(ge=1, le=MAX_ROUNDS)] = None,
                          page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1) -> Response:
        contests, contest_id = await pick(contest_id)
        data = None
        if contest_id is not None:
            round_no = round_no or await svc.current_round(contest_id)
            if round_no:
                data = await views.calibration_view(svc, contest_id, round_no)
        paged = paginate(data["ranking"] if data else [], page,
                         params={"contest_id": contest_id, "round_no": str(round_no) if round_no else None})
        return web.render(request, "calibration.html", contests=contests, contest_id=contest_id, data=data,
                          paged=paged, tab="calibration")

    @r.get("/organiser/audit")
    async def audit(request: Request, _: Annotated[Principal, Depends(organiser)],
                    contest_id: str | None = None, entry_id: str | None = None) -> Response:
        contests, contest_id = await pick(contest_id)
        rows = await views.audit(svc, contest_id, entry_id) if contest_id else []
        contest = await svc.contest(contest_id) if contest_id else {}
        rubrics = [*(contest.get("rubric_history") or []), contest.get("rubric") or {"criteria": []}]
        labels = {c["key"]: c["name"] for r in rubrics for c in r.get("criteria", [])}
        people = {j for a in rows for j in [*(a.get("old") or {}), *a.get("removed", []), *a.get("added", [])]}
        judge_names = {i: j.get("full_name", "") for i, j in (await svc.judge_names(people)).items()}
        return web.render(request, "audit.html", contests=contests, contest_id=contest_id, rows=rows, tab="audit",
                          labels=labels, judge_names=judge_names)

    return r
