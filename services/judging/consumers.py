"""What judging hears: judges from identity, contests and blind entries from submission."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.judging.service import JudgingService
from shared.broker import BatchHandler, Handler
from shared.envelope import Envelope, EventPayload
from shared.events.accounts import AccountRegistered, AccountUpdated
from shared.events.awards import ResultsAnnounced
from shared.events.contests import ContestClosed, ContestDeadlineExtended, ContestOpened, ContestUpdated
from shared.events.entries import EntryBecameEligible, EntryWithdrawnFromJudging


def handlers(svc: JudgingService) -> Mapping[type[EventPayload], Handler]:
    async def account(env: Envelope, e: AccountRegistered) -> None:
        await svc.on_account(e)

    async def contest(env: Envelope, e: ContestOpened) -> None:
        await svc.on_contest(e)

    async def withdrawn(env: Envelope, e: EntryWithdrawnFromJudging) -> None:
        await svc.on_withdrawn(e)

    async def announced(env: Envelope, e: ResultsAnnounced) -> None:
        await svc.on_announced(e.contest_id)

    return {AccountRegistered: account, AccountUpdated: account, ContestOpened: contest, ContestUpdated: contest,
            ContestDeadlineExtended: contest, ContestClosed: contest, EntryWithdrawnFromJudging: withdrawn,
            ResultsAnnounced: announced}


def batch_handlers(svc: JudgingService) -> Mapping[type[EventPayload], BatchHandler]:
    async def eligible(events: Sequence[tuple[Envelope, Any]]) -> None:
        await svc.on_eligible_many([e for _, e in events])

    return {EntryBecameEligible: eligible}
