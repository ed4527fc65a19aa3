"""What submission hears from the others: entries moving through judging and awards, the
judges' feedback to authors, and where adoption applies the authors' initiatives."""

from __future__ import annotations

from services.submission.adoption_view import AdoptionView
from services.submission.screening import Screening
from services.submission.service import SubmissionService
from shared.envelope import Envelope
from shared.events.accounts import UnitDirectoryChanged
from shared.events.adoption import PlanPublished, PlanWithdrawn, ReplicationPlanned, UnitAnswered, UnitReported
from shared.events.awards import ResultsAnnounced
from shared.events.judging import (
    EntryReviewStarted,
    EntryRoundScored,
    FeedbackReleased,
    ReviewersChanged,
    RoundClosed,
    RoundReopened,
)
from shared.handlers import Route, on


def routes(svc: SubmissionService, screening: Screening) -> list[Route]:
    @on(EntryReviewStarted)
    async def review_started(env: Envelope[EntryReviewStarted]) -> None:
        await svc.apply_external_status(env.payload.entry_id, "under_review")

    @on(EntryRoundScored)
    async def scored(env: Envelope[EntryRoundScored]) -> None:
        await svc.apply_external_status(env.payload.entry_id, "scored")

    @on(ResultsAnnounced)
    async def announced(env: Envelope[ResultsAnnounced]) -> None:
        e = env.payload
        for o in e.outcomes:
            status = "awarded" if o.tier_key else "not_awarded"
            await svc.apply_external_status(
                o.entry_id, status, {"result": {"rank": o.rank, "tier": o.tier_name, "total": o.official_total}})
        await svc.on_announced(e.contest_id)  # last: outcomes show once every result is in place

    @on(ReviewersChanged)
    async def reviewers(env: Envelope[ReviewersChanged]) -> None:
        e = env.payload
        await svc.on_reviewers(e.entry_id, e.round_no, e.judge_ids)

    @on(RoundClosed)
    async def round_closed(env: Envelope[RoundClosed]) -> None:
        await screening.on_round_closed(env.payload.contest_id, env.payload.round_no)
        await svc.on_round_closed(env.payload)

    @on(RoundReopened)
    async def round_reopened(env: Envelope[RoundReopened]) -> None:
        await screening.on_round_reopened(env.payload.contest_id, env.payload.round_no)
        await svc.on_round_reopened(env.payload.contest_id, env.payload.round_no)

    @on(UnitDirectoryChanged)
    async def units(env: Envelope[UnitDirectoryChanged]) -> None:
        await svc.units.on_changed(env.payload)

    @on(FeedbackReleased)
    async def feedback(env: Envelope[FeedbackReleased]) -> None:
        await svc.on_feedback(env.payload)

    applied = AdoptionView(svc.repos.adoption)

    return [units, review_started, scored, announced, reviewers, round_closed, round_reopened, feedback,
            on(ReplicationPlanned, PlanPublished, PlanWithdrawn)(applied.on_plan),
            on(UnitAnswered, UnitReported)(applied.on_unit)]
