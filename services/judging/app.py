"""Wiring of the judging service."""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.judging.api import build_router
from services.judging.consumers import batch_handlers, handlers
from services.judging.pages import build_pages
from services.judging.service import JudgingService
from services.judging.settings import JudgingSettings
from services.judging.store import JudgingStore
from shared.app import Runtime

HERE = Path(__file__).parent
log = structlog.get_logger(__name__)


def build(settings: JudgingSettings | None = None) -> FastAPI:
    settings = settings or JudgingSettings()
    rt = Runtime(settings, HERE)
    store = JudgingStore(rt.db)
    svc = JudgingService(store, settings, views=rt.views)
    rt.use_outbox(store.reviews, store.rounds, store.contests)
    rt.subscribe(handlers(svc), batch_handlers(svc))
    rt.on_startup(store.ensure_indexes)
    background: set[asyncio.Task[None]] = set()

    async def republish() -> None:
        try:
            await svc.publish_all_setups()
        except Exception:  # the next change of each contest publishes its set-up anyway
            log.warning("judging.setup_republish_failed", exc_info=True)

    async def start_republish() -> None:  # in the background: start-up never waits for it
        task = asyncio.create_task(republish(), name="setup-republish")
        background.add(task)
        task.add_done_callback(background.discard)

    async def stop_background() -> None:
        for task in list(background):
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)

    rt.on_startup(start_republish)
    rt.on_shutdown(stop_background)
    app = rt.create_app(title="Judging: panels, assignment and scoring",
                        routers=[build_router(svc, rt.auth), build_pages(svc, rt.auth, rt.web)])
    app.mount("/judging/static", StaticFiles(directory=HERE / "static"), name="judging-static")
    return app
