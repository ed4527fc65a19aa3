"""What awards hears: contests, authors of eligible entries, statuses and judging results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.awards.service import AwardsService
from shared.broker import BatchHandler, Handler
from shared.envelope import Envelope, EventPayload
from shared.events.accounts import UnitDirectoryChanged
from shared.events.authors import EntryAuthorsRecorded
from shared.events.contests import ContestClosed, ContestDeadlineExtended, ContestOpened, ContestUpdated
from shared.events.judging import EntryRoundScored, JudgingClosed, JudgingSetupChanged, RoundReopened
from shared.events.statuses import EntryStatusChanged
from shared.unit_copy import UnitCopy


def handlers(svc: AwardsService, units: UnitCopy) -> Mapping[type[EventPayload], Handler]:
    async def contest(env: Envelope, e: ContestOpened) -> None:
        await svc.on_contest(e)

    async def authors(env: Envelope, e: EntryAuthorsRecorded) -> None:
        await svc.on_authors(e)

    async def scored(env: Envelope, e: EntryRoundScored) -> None:
        await svc.on_scored(e)

    async def reopened(env: Envelope, e: RoundReopened) -> None:
        await svc.on_round_reopened(e)

    async def closed(env: Envelope, e: JudgingClosed) -> None:
        await svc.on_judging_closed(e)

    async def judging_setup(env: Envelope, e: JudgingSetupChanged) -> None:
        await svc.on_judging_setup(e)

    async def unit_directory(env: Envelope, e: UnitDirectoryChanged) -> None:
        await units.on_changed(e)

    return {UnitDirectoryChanged: unit_directory, ContestOpened: contest, ContestUpdated: contest,
            ContestDeadlineExtended: contest, ContestClosed: contest,
            EntryAuthorsRecorded: authors, EntryRoundScored: scored, JudgingClosed: closed,
            RoundReopened: reopened, JudgingSetupChanged: judging_setup}


def batch_handlers(svc: AwardsService) -> Mapping[type[EventPayload], BatchHandler]:
    async def statuses(events: Sequence[tuple[Envelope, Any]]) -> None:
        await svc.on_statuses([e for _, e in events], [env.event_id for env, _ in events])

    return {EntryStatusChanged: statuses}
