"""What submission hears from the others: entries moving through judging and awards."""

from __future__ import annotations

from collections.abc import Mapping

from services.submission.screening import Screening
from services.submission.service import SubmissionService
from shared.broker import Handler
from shared.envelope import Envelope, EventPayload
from shared.events.accounts import UnitDirectoryChanged
from shared.events.awards import ResultsAnnounced
from shared.events.judging import EntryReviewStarted, EntryRoundScored, ReviewersChanged, RoundClosed, RoundReopened


def handlers(svc: SubmissionService, screening: Screening) -> Mapping[type[EventPayload], Handler]:
    async def review_started(env: Envelope, e: EntryReviewStarted) -> None:
        await svc.apply_external_status(e.entry_id, "under_review")

    async def scored(env: Envelope, e: EntryRoundScored) -> None:
        await svc.apply_external_status(e.entry_id, "scored")

    async def announced(env: Envelope, e: ResultsAnnounced) -> None:
        for o in e.outcomes:
            status = "awarded" if o.tier_key else "not_awarded"
            await svc.apply_external_status(
                o.entry_id, status, {"result": {"rank": o.rank, "tier": o.tier_name, "total": o.official_total}})
        await svc.on_announced(e.contest_id)  # last: outcomes show once every result is in place

    async def reviewers(env: Envelope, e: ReviewersChanged) -> None:
        await svc.on_reviewers(e.entry_id, e.round_no, e.judge_ids)

    async def round_closed(env: Envelope, e: RoundClosed) -> None:
        await screening.on_round_closed(e.contest_id, e.round_no)
        await svc.on_round_closed(e)

    async def round_reopened(env: Envelope, e: RoundReopened) -> None:
        await screening.on_round_reopened(e.contest_id, e.round_no)
        await svc.on_round_reopened(e.contest_id, e.round_no)

    async def units(env: Envelope, e: UnitDirectoryChanged) -> None:
        await svc.units.on_changed(e)

    return {UnitDirectoryChanged: units, EntryReviewStarted: review_started, EntryRoundScored: scored,
            ResultsAnnounced: announced, ReviewersChanged: reviewers, RoundClosed: round_closed,
            RoundReopened: round_reopened}
