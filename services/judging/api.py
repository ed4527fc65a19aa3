"""Judging's JSON API under /judging/api. Judges reach only the reviews they are assigned to;
everything about a contest's set-up, progress and results is for organisers."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import Field

from services.judging import schemas as out
from services.judging import views
from services.judging.service import JudgingService, rubric_of
from shared.auth import Auth, Principal
from shared.errors import ERROR_RESPONSES
from shared.idempotency import IdempotencyKey
from shared.mongo import Doc
from shared.schemas import DateTimeIn, In


class SheetIn(In):
    scores: dict[str, float | None] = Field(default_factory=dict, max_length=50)
    comments: dict[str, str] = Field(default_factory=dict, max_length=50)
    overall: str = Field(default="", max_length=5000)
    submit: bool = False


class RecusalIn(In):
    reason: str = Field(min_length=3, max_length=1000, description="Why the judge has a conflict of interest.")


class CriterionIn(In):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    max_points: float = Field(gt=0, le=1000)
    weight: float = Field(default=1.0, ge=0, le=100)
    required: bool = True


MAX_ROUNDS = 3  # ``RoundsIn`` allows at most three rounds
RoundNo = Annotated[int, Path(ge=1, le=MAX_ROUNDS, description="The round, from 1.")]


class ReopenIn(In):
    reason: str = Field(min_length=5, max_length=1000, description="Why the round is opened again (audited).")


class RubricIn(In):
    criteria: list[CriterionIn] = Field(min_length=1, max_length=20)


class RoundIn(In):
    judges_per_entry: int = Field(ge=1, le=15)
    advance_top_n: int | None = Field(default=None, ge=1, le=100000)
    advance_min_total: float | None = Field(default=None, ge=0)


class RoundsIn(In):
    rounds: list[RoundIn] = Field(min_length=1, max_length=MAX_ROUNDS)
    standardised: bool = Field(default=False, description="Rank by per-judge z-scores instead of raw totals.")
    disagreement_threshold: float = Field(default=20.0, ge=0, le=1000)


class PanelIn(In):
    judge_ids: list[str] = Field(min_length=1, max_length=5000)


class ReleaseIn(In):
    judges_per_entry: int | None = Field(default=None, ge=1, le=15)
    seed: int | None = Field(default=None, ge=0, le=2**31,
                             description="Omitted: the contest's own fixed seed, the one its preview uses.")


class DeadlineIn(In):
    deadline: DateTimeIn | None = Field(description="When the round's judges should have submitted; null clears it.")
    remind_days_before: int | None = Field(
        default=None, ge=0, le=60, description="Remind judges with unsubmitted sheets this many days before the "
        "deadline, by e-mail (0: no automatic reminder); omitted: as before (2 days unless changed).")


class FeedbackIn(In):
    publish: bool = Field(description="After the announcement, show each author the per-criterion scores and the "
                                      "judges' anonymised comments. Only before round 1 is released.")


class VoidIn(In):
    judge_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=5, max_length=1000, description="Why the sheet no longer counts (audited).")
    to: str | None = Field(default=None, max_length=64, description="The judge who takes over; none: the rules pick.")


class PinIn(In):
    judge_id: str = Field(min_length=1, max_length=64)
    pinned: bool = True


class ReminderIn(In):
    message: str = Field(default="", max_length=500)


def build_router(svc: JudgingService, auth: Auth) -> APIRouter:
    r = APIRouter(prefix="/judging/api", tags=["judging"], responses=ERROR_RESPONSES)
    judge = auth.role("judge")
    organiser = auth.role("organiser")

    # ---------------------------------------------------------------- judges

    @r.get("/queue", response_model=list[out.QueueItem])
    async def queue(user: Annotated[Principal, Depends(judge)]) -> list[Doc]:
        return await svc.queue(user)

    @r.get("/reminders", response_model=list[out.Reminder], response_model_exclude_unset=True)
    async def reminders(user: Annotated[Principal, Depends(judge)]) -> list[Doc]:
        return await svc.reminders_for(user)

    @r.get("/reviews/{rid}", response_model=out.ReviewOut, response_model_exclude_unset=True)
    async def review(rid: str, user: Annotated[Principal, Depends(judge)]) -> Doc:
        rv, entry, contest = await svc.review_for(user, rid)
        return {"review_id": rid, "entry": {k: entry.get(k) for k in ("code", "title", "category", "sections",
                                                                        "attachments")},
                "rubric": contest["rubric"], "sheet": rv["sheets"][user.account_id], "round_no": rv["round_no"],
                "closed": bool(rv.get("closed")), "comments_to_authors": svc.publishes_feedback(contest)}

    @r.post("/reviews/{rid}/declaration", response_model=out.Declared)
    async def declare(rid: str, user: Annotated[Principal, Depends(judge)]) -> Doc:
        return await svc.declare(user, rid)

    @r.post("/reviews/{rid}/recusal", response_model=out.Recused)
    async def recuse(rid: str, body: RecusalIn, user: Annotated[Principal, Depends(judge)]) -> Doc:
        return await svc.recuse(user, rid, body.reason)

    @r.put("/reviews/{rid}/sheet", response_model=out.Sheet, response_model_exclude_unset=True)
    async def save_sheet(rid: str, body: SheetIn, user: Annotated[Principal, Depends(judge)]) -> Doc:
        return await svc.save_sheet(user, rid, body.scores, body.comments, body.overall, body.submit)

    # ---------------------------------------------------------------- organisers: set-up

    @r.get("/contests/{contest_id}/setup", response_model=out.SetupOut, response_model_exclude_unset=True)
    async def setup(contest_id: str, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        c = await svc.contest(contest_id)
        return {"contest_id": contest_id, "rubric": c["rubric"], "rubric_history": c.get("rubric_history", []),
                "max_total": rubric_of(c["rubric"]).max_total, "frozen": bool(c.get("frozen")),
                "rounds": [{"judges_per_entry": x.judges_per_entry, "advance_top_n": x.advance_top_n,
                            "advance_min_total": x.advance_min_total} for x in svc.rules(c)],
                "standardised": svc.standardised(c), "disagreement_threshold": svc.threshold(c),
                "panel": c.get("panel"), "publish_feedback": svc.publishes_feedback(c)}

    @r.put("/contests/{contest_id}/feedback", response_model=out.FeedbackChoice)
    async def feedback(contest_id: str, body: FeedbackIn, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        """Whether authors get feedback after the announcement (409 once a round was released)."""
        return {"contest_id": contest_id, "publish": await svc.set_feedback(contest_id, body.publish)}

    @r.put("/contests/{contest_id}/rubric", response_model=out.Rubric)
    async def rubric(contest_id: str, body: RubricIn, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        return await svc.set_rubric(contest_id, [c.model_dump() for c in body.criteria])

    @r.put("/contests/{contest_id}/rounds", response_model=out.RoundsOut)
    async def rounds(contest_id: str, body: RoundsIn, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        return await svc.set_rounds(contest_id, [x.model_dump() for x in body.rounds], body.standardised,
                                    body.disagreement_threshold)

    @r.get("/contests/{contest_id}/judges", response_model=list[out.JudgeChoice])
    async def judges(contest_id: str, _: Annotated[Principal, Depends(organiser)]) -> list[Doc]:
        return [{"judge_id": j["_id"], "name": j["full_name"], "unit": j["unit"],
                 "categories": j.get("categories", []), "on_panel": j["on_panel"]}
                for j in await svc.active_judges(await svc.contest(contest_id))]

    @r.put("/contests/{contest_id}/panel", response_model=out.PanelOut)
    async def panel(contest_id: str, body: PanelIn, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        return {"contest_id": contest_id, "judge_ids": await svc.set_panel(contest_id, body.judge_ids)}

    # ---------------------------------------------------------------- organisers: rounds

    @r.post("/contests/{contest_id}/rounds/{round_no}/preview", response_model=out.PreviewOut)
    async def preview(contest_id: str, round_no: RoundNo, body: ReleaseIn,
                      _: Annotated[Principal, Depends(organiser)]) -> Doc:
        return await svc.preview(contest_id, round_no, body.judges_per_entry, body.seed)

    @r.post("/contests/{contest_id}/rounds/{round_no}/release", response_model=out.Released)
    async def release(contest_id: str, round_no: RoundNo, body: ReleaseIn,
                      _: Annotated[Principal, Depends(organiser)]) -> Doc:
        rnd = await svc.release_round(contest_id, round_no, body.judges_per_entry, body.seed)
        return {"contest_id": contest_id, "round_no": round_no, "k": rnd["k"], "seed": rnd["seed"], "released": True}

    @r.post("/contests/{contest_id}/rounds/{round_no}/close", response_model=out.Closed)
    async def close(contest_id: str, round_no: RoundNo, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        rnd = await svc.close_round(contest_id, round_no)
        return {"contest_id": contest_id, "round_no": round_no, "closed": True, "scored": rnd["scored"],
                "advancing": rnd["advancing"]}

    @r.post("/contests/{contest_id}/rounds/{round_no}/reopen", response_model=out.Reopened)
    async def reopen(contest_id: str, round_no: RoundNo, body: ReopenIn,
                     user: Annotated[Principal, Depends(organiser)]) -> Doc:
        """Open a round closed by mistake again; the reason is kept in the round's history."""
        await svc.reopen_round(contest_id, round_no, body.reason, user)
        return {"contest_id": contest_id, "round_no": round_no, "closed": False, "reason": body.reason}

    @r.put("/contests/{contest_id}/rounds/{round_no}/deadline", response_model=out.DeadlineOut)
    async def deadline(contest_id: str, round_no: RoundNo, body: DeadlineIn,
                       _: Annotated[Principal, Depends(organiser)]) -> Doc:
        """Set or change the judging deadline of a round (until it closes), and how many days
        before it judges with unsubmitted sheets are reminded by e-mail."""
        deadline = await svc.set_deadline(contest_id, round_no, body.deadline, body.remind_days_before)
        return {"contest_id": contest_id, "round_no": round_no, "deadline": deadline,
                "remind_days_before": svc.reminder_days(await svc.contest(contest_id), round_no)}

    @r.post("/reviews/{rid}/void", response_model=out.Voided)
    async def void(rid: str, body: VoidIn, user: Annotated[Principal, Depends(organiser)]) -> Doc:
        """Void a judge's sheet with a reason; another judge takes the entry (chosen, or by the rules)."""
        return await svc.void_sheet(rid, body.judge_id, body.reason, user, body.to)

    @r.post("/reviews/{rid}/pin", response_model=out.Pinned)
    async def pin(rid: str, body: PinIn, user: Annotated[Principal, Depends(organiser)]) -> Doc:
        """Keep a judge on an entry through later rebalancing (or release them)."""
        return await svc.pin(rid, body.judge_id, body.pinned, user)

    @r.get("/contests/{contest_id}/rounds", response_model=list[out.RoundOut], response_model_exclude_unset=True)
    async def round_list(contest_id: str, _: Annotated[Principal, Depends(organiser)]) -> list[Doc]:
        await svc.contest(contest_id)
        keep = ("round_no", "k", "seed", "released", "closed", "final", "advancing", "entry_ids")
        return [{k: x.get(k) for k in keep} for x in await svc.rounds(contest_id)]

    # ---------------------------------------------------------------- organisers: watching

    @r.get("/contests/{contest_id}/progress", response_model=out.ProgressOut, response_model_exclude_unset=True)
    async def progress(contest_id: str, _: Annotated[Principal, Depends(organiser)],
                       round_no: Annotated[int | None, Query(ge=1, le=MAX_ROUNDS)] = None,
                       offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                       limit: Annotated[int, Query(ge=0, le=100_000)] = 100_000) -> Doc:
        """Counts per judge and per entry; ``items`` (by code) from ``offset``, at most ``limit``,
        so a page of 50 entries polls 50 rows, not thousands. ``as_of``: when it was read."""
        await svc.contest(contest_id)
        p = await views.progress(svc, contest_id, round_no)
        return {**p, "items": p["items"][offset:offset + limit], "items_total": len(p["items"])}

    @r.get("/contests/{contest_id}/rounds/{round_no}/calibration", response_model=out.CalibrationOut,
           response_model_exclude_unset=True)
    async def calibration(contest_id: str, round_no: RoundNo, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        return await views.calibration_view(svc, contest_id, round_no)

    @r.get("/contests/{contest_id}/audit", response_model=list[out.AuditRow], response_model_exclude_unset=True)
    async def audit(contest_id: str, _: Annotated[Principal, Depends(organiser)],
                    entry_id: str | None = None) -> list[Doc]:
        await svc.contest(contest_id)
        return await views.audit(svc, contest_id, entry_id)

    @r.post("/contests/{contest_id}/judges/{judge_id}/reminders", response_model=out.Reminder)
    async def remind(contest_id: str, judge_id: str, body: ReminderIn,
                     user: Annotated[Principal, Depends(organiser)], key: IdempotencyKey = None) -> Doc:
        """Remind one judge (mailed). Send an ``Idempotency-Key``: a retry of it sends nothing again."""
        return await svc.remind(contest_id, judge_id, user, body.message, idempotency_key=key)

    return r
