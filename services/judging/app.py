"""Wiring of the judging service."""

from __future__ import annotations

from pathlib import Path

import structlog
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.judging import views
from services.judging.api import build_router
from services.judging.consumers import routes
from services.judging.mongo_repositories import mongo_repositories
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
    svc = JudgingService(mongo_repositories(store), settings, views=rt.views)
    rt.use_outbox(store.reviews, store.rounds, store.contests, store.reminders, store.reminder_firings, store.feedback)
    rt.subscribe(routes(svc))
    rt.on_startup(store.ensure_indexes)
    async def republish() -> None:  # the next change of each contest publishes its set-up anyway
        await svc.publish_all_setups()

    async def warm_views() -> None:
        """Progress and calibration of each contest's latest released round, so the first
        organiser after a start does not wait seconds for them (``shared.view_cache``)."""
        # the three contests whose rounds were released last
        for contest_id, round_no in await svc.repos.rounds.latest_released(3):
            await views.progress(svc, contest_id, round_no)
            await views.calibration_view(svc, contest_id, round_no)

    rt.in_background("warm-views", warm_views)
    rt.in_background("setup-republish", republish)
    rt.in_background("reminder-schedule", svc.run_schedule)
    app = rt.create_app(title="Judging: panels, assignment and scoring",
                        routers=[build_router(svc, rt.auth), build_pages(svc, rt.auth, rt.web)])
    app.mount("/judging/static", StaticFiles(directory=HERE / "static"), name="judging-static")
    return app
