"""What judging hears: judges from identity, contests and blind entries from submission."""

from __future__ import annotations

from collections.abc import Sequence

from services.judging.service import JudgingService
from shared.envelope import Envelope
from shared.events.accounts import AccountRegistered, AccountUpdated
from shared.events.awards import ResultsAnnounced
from shared.events.contests import ContestClosed, ContestDeadlineExtended, ContestOpened, ContestUpdated
from shared.events.entries import EntryBecameEligible, EntryWithdrawnFromJudging
from shared.handlers import Route, on, on_batch, payload_to


def routes(svc: JudgingService) -> list[Route]:
    @on(ResultsAnnounced)
    async def announced(env: Envelope[ResultsAnnounced]) -> None:
        await svc.on_announced(env.payload.contest_id)

    @on_batch(EntryBecameEligible)
    async def eligible(events: Sequence[Envelope[EntryBecameEligible]]) -> None:
        await svc.on_eligible_many([env.payload for env in events])

    return [
        on(AccountRegistered, AccountUpdated)(payload_to(svc.on_account)),
        on(ContestOpened, ContestUpdated, ContestDeadlineExtended, ContestClosed)(payload_to(svc.on_contest)),
        on(EntryWithdrawnFromJudging)(payload_to(svc.on_withdrawn)),
        announced,
        eligible,
    ]
