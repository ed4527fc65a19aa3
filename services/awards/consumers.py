"""What awards hears: contests, authors of eligible entries, statuses, judging results, and the
adoption service's plans and reports (for the season report)."""

from __future__ import annotations

from collections.abc import Sequence

from services.awards.season import AdoptionEvent, SeasonReports
from services.awards.service import AwardsService
from shared.envelope import Envelope
from shared.events.accounts import UnitDirectoryChanged
from shared.events.adoption import PlanPublished, PlanWithdrawn, UnitAnswered, UnitReported
from shared.events.authors import EntryAuthorsRecorded
from shared.events.contests import ContestClosed, ContestDeadlineExtended, ContestOpened, ContestUpdated
from shared.events.judging import EntryRoundScored, JudgingClosed, JudgingSetupChanged, RoundReopened
from shared.events.statuses import EntryStatusChanged
from shared.handlers import Route, on, on_batch, payload_to
from shared.unit_copy import UnitCopy


def routes(svc: AwardsService, units: UnitCopy, season: SeasonReports) -> list[Route]:
    @on_batch(EntryStatusChanged)
    async def statuses(events: Sequence[Envelope[EntryStatusChanged]]) -> None:
        await svc.on_statuses([env.payload for env in events], [env.event_id for env in events])

    @on(JudgingClosed)
    async def judging_closed(env: Envelope[JudgingClosed]) -> None:
        await svc.on_judging_closed(env.payload, at=env.occurred_at)

    @on(PlanPublished, PlanWithdrawn, UnitAnswered, UnitReported)
    async def adoption(env: Envelope[AdoptionEvent]) -> None:
        await season.on_adoption(env.payload, env.event_id)

    return [
        on(UnitDirectoryChanged)(payload_to(units.on_changed)),
        on(ContestOpened, ContestUpdated, ContestDeadlineExtended, ContestClosed)(payload_to(svc.on_contest)),
        on(EntryAuthorsRecorded)(payload_to(svc.on_authors)),
        on(EntryRoundScored)(payload_to(svc.on_scored)),
        judging_closed,
        on(RoundReopened)(payload_to(svc.on_round_reopened)),
        on(JudgingSetupChanged)(payload_to(svc.on_judging_setup)),
        statuses,
        adoption,
    ]
