"""Wiring of the judging service."""

from __future__ import annotations

from pathlib import Path

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


def build(settings: JudgingSettings | None = None) -> FastAPI:
    settings = settings or JudgingSettings()
    rt = Runtime(settings, HERE)
    store = JudgingStore(rt.db)
    svc = JudgingService(store, settings)
    rt.use_outbox(store.reviews, store.rounds, store.contests)
    rt.subscribe(handlers(svc), batch_handlers(svc))
    rt.on_startup(store.ensure_indexes)
    rt.on_startup(svc.publish_all_setups)
    app = rt.create_app(title="Judging: panels, assignment and scoring",
                        routers=[build_router(svc, rt.auth), build_pages(svc, rt.auth, rt.web)])
    app.mount("/judging/static", StaticFiles(directory=HERE / "static"), name="judging-static")
    return app
