"""Where the authors' initiatives are being applied, learnt from adoption's ``adoption.plans``
events and shown in "Sáng kiến của tôi".

Each event is folded into submission's copy of its plan (``domain.adoption``: an older fact never
replaces a newer one, a repeat changes nothing; the consumer's inbox already drops a redelivered
event id). Authors see published plans only, and a withdrawn plan no more.
"""

from __future__ import annotations

from collections.abc import Collection

import structlog

from services.submission.domain import adoption
from services.submission.repositories import AdoptionCopyRepository
from shared.envelope import Envelope
from shared.events.adoption import PlanPublished, PlanWithdrawn, ReplicationPlanned, UnitAnswered, UnitReported
from shared.mongo import Doc

log = structlog.get_logger(__name__)

PlanEvent = ReplicationPlanned | PlanPublished | PlanWithdrawn | UnitAnswered | UnitReported


def fold(state: Doc, e: PlanEvent) -> Doc:
    """The plan's copy after one of its events."""
    match e:
        case ReplicationPlanned():
            return adoption.planned(state, initiative_id=e.initiative_id, title=e.title, units=e.units,
                                    lead_unit=e.lead_unit, due=e.due, at=e.at,
                                    indicators=[i.model_dump() for i in e.indicators])
        case PlanPublished():
            return adoption.published(state, initiative_id=e.initiative_id, title=e.title, units=e.units,
                                      lead_unit=e.lead_unit, due=e.due, at=e.at)
        case PlanWithdrawn():
            return adoption.withdrawn(state, at=e.at)
        case UnitAnswered():
            return adoption.answered(state, unit=e.unit, accepted=e.accepted, reason=e.reason, at=e.at)
        case UnitReported():
            return adoption.reported(state, unit=e.unit, version=e.version, stage=e.stage, reason=e.reason,
                                     values=[(v.indicator, v.value, v.on) for v in e.values], at=e.at)


class AdoptionView:
    def __init__(self, plans: AdoptionCopyRepository) -> None:
        self.plans = plans

    async def on_plan(self, env: Envelope[ReplicationPlanned | PlanPublished | PlanWithdrawn]) -> None:
        await self._apply(env.payload)

    async def on_unit(self, env: Envelope[UnitAnswered | UnitReported]) -> None:
        await self._apply(env.payload)

    async def _apply(self, e: PlanEvent) -> None:
        before = await self.plans.plan(e.plan_id) or adoption.empty(e.plan_id)
        after = fold(before, e)
        if after != before:
            await self.plans.keep_plan(after)
            log.info("adoption_copy.changed", plan_id=e.plan_id, event_type=e.event_type)

    async def of_entries(self, entry_ids: Collection[str]) -> dict[str, list[Doc]]:
        """Entry id -> what its author may see of each plan applying it (published, not withdrawn)."""
        out: dict[str, list[Doc]] = {}
        for plan in await self.plans.plans_of(entry_ids):
            seen = adoption.author_view(plan)
            if seen is not None:
                out.setdefault(plan["initiative_id"], []).append(seen)
        return out
