"""Wiring of the awards service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.awards.api import build_router
from services.awards.consumers import handlers
from services.awards.pages import build_pages
from services.awards.service import AwardsService
from services.awards.settings import AwardsSettings
from services.awards.store import AwardsStore
from shared.app import Runtime

HERE = Path(__file__).parent


def build(settings: AwardsSettings | None = None) -> FastAPI:
    settings = settings or AwardsSettings()
    rt = Runtime(settings, HERE)
    store = AwardsStore(rt.db)
    rt.use_outbox(store.contests)
    svc = AwardsService(store, settings)
    rt.subscribe(handlers(svc))
    rt.on_startup(store.ensure_indexes)
    return rt.create_app(title="Awards: ranking, prizes and results",
                         routers=[build_router(svc, rt.auth), build_pages(svc, rt.auth, rt.web)])
