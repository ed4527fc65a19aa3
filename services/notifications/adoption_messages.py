"""Adoption's messages (``adoption.plans``): a unit's coordinators are told their unit was asked
to apply an initiative, and reminded when the plan's date passed without a report; organisers
hear when a unit declines. Who is told is ``domain.adoption``'s rule; this keeps the little it
needs of each plan (title, units, lead unit, date, the organiser who drew it), finds the
coordinators among the accounts it knows (unit compared through the unit directory, aliases
included), and plans each message like every other (preferences respected, ``plan``).

Idempotent: an assignment's message id is the plan, the unit and the person (a publication that
adds a unit tells only the new unit's coordinators; a repeat tells nobody again; a coordinator
whose account arrives after the plan is told when it arrives, once); the others are the event,
the kind and the person. An event of a plan not known yet (its ``ReplicationPlanned``
is on the same partition, before it, so only after a lost store) waits until the plan arrives.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import structlog

from services.notifications.domain import kinds
from services.notifications.domain.adoption import coordinators_of, organisers, overdue_recipients
from services.notifications.domain.delivery import message_id
from services.notifications.service import Notifications
from shared.envelope import Envelope
from shared.events.accounts import AccountRegistered, AccountUpdated, UnitDirectoryChanged
from shared.events.adoption import PlanPublished, PlanWithdrawn, ReplicationPlanned, ReportOverdue, UnitAnswered
from shared.handlers import Route, on, payload_to
from shared.mongo import Doc
from shared.unit_copy import UnitCopy

log = structlog.get_logger(__name__)


def stamp(at: datetime) -> str:
    """A fixed-width UTC time, so stored times compare as text."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AdoptionMessages:
    def __init__(self, svc: Notifications, units: UnitCopy) -> None:
        self.svc = svc
        self.units = units
        self.plans = svc.store.plans

    def key(self, unit: str) -> str:
        return self.units.directory.key(unit)

    async def _people(self) -> list[Doc]:
        """Coordinators and organisers: a province has a few hundred at most."""
        return await self.svc.store.people.find({"roles": {"$in": ["coordinator", "organiser"]}},
                                                {"roles": 1, "unit": 1, "active": 1}).to_list()

    async def _keep(self, plan_id: str, stamp_field: str, at: str, fields: Doc) -> None:
        """Keep a plan's fields unless a newer event of the same kind already set them."""
        known = await self.plans.find_one({"_id": plan_id}) or {}
        if str(known.get(stamp_field, "")) <= at:
            await self.plans.update_one({"_id": plan_id}, {"$set": {**fields, stamp_field: at}}, upsert=True)
        await self.svc._unpark(f"plan:{plan_id}")

    async def on_planned(self, env: Envelope[ReplicationPlanned]) -> None:
        e = env.payload
        await self._keep(e.plan_id, "planned_at", stamp(e.at), {
            "title": e.title, "initiative_id": e.initiative_id, "lead_unit": e.lead_unit,
            "due": e.due.isoformat(), "organiser": e.by_account_id})

    async def on_published(self, env: Envelope[PlanPublished]) -> None:
        e = env.payload
        await self._keep(e.plan_id, "published_at", stamp(e.at), {
            "title": e.title, "initiative_id": e.initiative_id, "lead_unit": e.lead_unit, "units": list(e.units),
            "due": e.due.isoformat()})
        people = await self._people()
        for unit in e.units:
            told = coordinators_of(unit, people, self.key)
            if not told:
                log.info("notifications.unit_without_coordinator", plan_id=e.plan_id, unit=unit)
            for person in told:
                await self._assigned(env, e.plan_id, {"title": e.title, "lead_unit": e.lead_unit, "due": e.due,
                                                      "units": list(e.units)}, unit, person)

    async def _assigned(self, env: Envelope[PlanPublished] | Envelope[AccountRegistered | AccountUpdated],
                        plan_id: str, plan: Doc, unit: str, person: str) -> None:
        """Tell a coordinator their unit is asked to apply the plan's initiative: once per plan and unit."""
        await self.svc.plan(env, kinds.ADOPTION_ASSIGNED, person, {
            "title": plan["title"], "unit": unit, "lead_unit": plan["lead_unit"], "due": plan["due"],
            "is_lead": self.key(unit) == self.key(plan["lead_unit"]), "units": len(plan["units"]),
            "unit_url": f"{self.svc.base}/adoption/unit"},
            fixed_id=message_id(plan_id, kinds.ADOPTION_ASSIGNED.key, person, self.key(unit)))

    async def on_withdrawn(self, env: Envelope[PlanWithdrawn]) -> None:
        await self.plans.update_one({"_id": env.payload.plan_id}, {"$set": {"withdrawn": True}}, upsert=True)

    async def on_account(self, env: Envelope[AccountRegistered | AccountUpdated]) -> None:
        """A coordinator made (or moved to a unit) after a plan went out to their unit is told of it
        too: organisers often publish first and name the units' coordinators after."""
        e = env.payload
        if "coordinator" not in e.roles or not e.active or not e.unit.strip():
            return
        mine = self.key(e.unit)
        async for p in self.plans.find({"published_at": {"$exists": True}}):
            unit = next((u for u in p.get("units", []) if self.key(u) == mine), None)
            if unit is not None and not p.get("withdrawn") and p.get("title"):
                await self._assigned(env, p["_id"], {**p, "due": date.fromisoformat(p["due"])}, unit, e.account_id)

    async def _plan_or_park(self, env: Envelope[ReportOverdue] | Envelope[UnitAnswered], plan_id: str) -> Doc | None:
        plan = await self.plans.find_one({"_id": plan_id})
        if plan is None or not plan.get("title"):
            await self.svc._park(env, f"plan:{plan_id}")
            return None
        return plan

    async def on_overdue(self, env: Envelope[ReportOverdue]) -> None:
        e = env.payload
        plan = await self._plan_or_park(env, e.plan_id)
        if plan is None:
            return
        who = overdue_recipients(e.unit, str(plan.get("lead_unit", "")), str(plan.get("organiser", "")),
                                 await self._people(), self.key)
        params = {"title": e.title, "unit": e.unit, "due": e.due, "stage": e.stage,
                  "lead_unit": plan.get("lead_unit", ""), "unit_url": f"{self.svc.base}/adoption/unit"}
        for person in who.reminded:
            await self.svc.plan(env, kinds.ADOPTION_OVERDUE, person, {**params, "copy": False})
        for person in who.copied:
            url = f"{self.svc.base}/adoption/organiser/plans/{e.plan_id}" if person == plan.get("organiser") \
                else params["unit_url"]
            await self.svc.plan(env, kinds.ADOPTION_OVERDUE, person, {**params, "copy": True, "unit_url": url})

    async def on_answered(self, env: Envelope[UnitAnswered]) -> None:
        e = env.payload
        if e.accepted:
            return
        plan = await self._plan_or_park(env, e.plan_id)
        if plan is None:
            return
        for person in organisers(await self._people()):
            await self.svc.plan(env, kinds.ADOPTION_DECLINED, person, {
                "title": plan["title"], "unit": e.unit, "reason": e.reason,
                "due": date.fromisoformat(plan["due"]) if plan.get("due") else None,
                "plan_url": f"{self.svc.base}/adoption/organiser/plans/{e.plan_id}"})


def routes(svc: Notifications, units: UnitCopy) -> list[Route]:
    m = AdoptionMessages(svc, units)
    svc.redo_when_known(ReportOverdue.event_type, m.on_overdue)
    svc.redo_when_known(UnitAnswered.event_type, m.on_answered)
    svc.account_listeners.append(m.on_account)
    return [
        on(ReplicationPlanned)(m.on_planned),
        on(PlanPublished)(m.on_published),
        on(PlanWithdrawn)(m.on_withdrawn),
        on(ReportOverdue)(m.on_overdue),
        on(UnitAnswered)(m.on_answered),
        on(UnitDirectoryChanged)(payload_to(units.on_changed)),
    ]
