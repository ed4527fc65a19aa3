"""Wiring of the submission service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.submission.api import build_router
from services.submission.consumers import handlers
from services.submission.pages import build_pages
from services.submission.service import SubmissionService
from services.submission.settings import SubmissionSettings
from services.submission.store import SubmissionStore
from shared.app import Runtime

HERE = Path(__file__).parent


def build(settings: SubmissionSettings | None = None) -> FastAPI:
    settings = settings or SubmissionSettings()
    rt = Runtime(settings, HERE)
    store = SubmissionStore(rt.db)
    rt.use_outbox(store.contests, store.entries)
    svc = SubmissionService(store, settings)
    rt.subscribe(handlers(svc))
    rt.on_startup(store.ensure_indexes)
    app = rt.create_app(title="Submission: contests and initiatives",
                        routers=[build_router(svc, rt.auth), build_pages(svc, rt.auth, rt.web)])
    app.mount("/submission/static", StaticFiles(directory=HERE / "static"), name="submission-static")
    return app
