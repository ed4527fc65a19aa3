"""Wiring of the adoption service (nhân rộng sáng kiến)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog
from fastapi import FastAPI

from services.adoption.api import build_router
from services.adoption.consumers import routes
from services.adoption.mongo_repositories import mongo_repositories
from services.adoption.pages import build_pages
from services.adoption.service import Adoption
from services.adoption.settings import AdoptionSettings
from services.adoption.store import AdoptionStore
from shared.app import Runtime
from shared.unit_copy import UnitCopy

HERE = Path(__file__).parent
log = structlog.get_logger(__name__)


def build(settings: AdoptionSettings | None = None) -> FastAPI:
    settings = settings or AdoptionSettings()
    rt = Runtime(settings, HERE)
    store = AdoptionStore(rt.db)
    units = UnitCopy(store.units)
    svc = Adoption(mongo_repositories(store), directory=lambda: units.directory, producer=rt.name)
    rt.use_outbox(store.plans, store.assignments)
    rt.subscribe(routes(svc, units))
    rt.on_startup(store.ensure_indexes)
    rt.on_startup(units.load)

    async def overdue_sweep() -> None:
        """Look for units past a plan's date now and then; a failed look is tried at the next."""
        while True:
            try:
                await svc.flag_overdue()
            except Exception:
                log.warning("adoption.overdue_sweep_failed", exc_info=True)
            await asyncio.sleep(settings.overdue_check_s)

    rt.in_background("overdue", overdue_sweep)
    pages = build_pages(svc, rt.auth, rt.web, lambda: units.directory)
    return rt.create_app(title="Adoption: replication of initiatives across the province's units",
                         routers=[build_router(svc, rt.auth), pages])
