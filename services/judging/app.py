"""Wiring of the judging service."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from pymongo.asynchronous.collection import AsyncCollection

from services.judging.api import build_router
from services.judging.consumers import handlers
from services.judging.pages import build_pages
from services.judging.service import JudgingService
from services.judging.settings import JudgingSettings
from services.judging.store import JudgingStore, LockedWrites
from shared.app import Runtime
from shared.mongo import Doc

HERE = Path(__file__).parent


def build(settings: JudgingSettings | None = None) -> FastAPI:
    settings = settings or JudgingSettings()
    rt = Runtime(settings, HERE)
    store = JudgingStore(rt.db)
    svc = JudgingService(store, settings)
    rt.use_outbox(cast(AsyncCollection[Doc], LockedWrites(store.reviews, svc.locks)), store.rounds)
    rt.subscribe(handlers(svc))
    rt.on_startup(store.ensure_indexes)
    app = rt.create_app(title="Judging: panels, assignment and scoring",
                        routers=[build_router(svc, rt.auth), build_pages(svc, rt.auth, rt.web)])
    app.mount("/judging/static", StaticFiles(directory=HERE / "static"), name="judging-static")
    return app
