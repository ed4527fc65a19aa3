"""Wiring of the submission service."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from pathlib import Path

import structlog
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.submission.api import build_router
from services.submission.consumers import handlers
from services.submission.fingerprints import Fingerprints
from services.submission.pages import build_pages
from services.submission.quotas import EntryQuota
from services.submission.screening import Screening
from services.submission.service import SubmissionService
from services.submission.settings import SubmissionSettings
from services.submission.store import ORPHAN_GRACE, SubmissionStore
from shared.app import Runtime
from shared.unit_copy import UnitCopy

HERE = Path(__file__).parent
log = structlog.get_logger(__name__)


def build(settings: SubmissionSettings | None = None) -> FastAPI:
    settings = settings or SubmissionSettings()
    rt = Runtime(settings, HERE)
    store = SubmissionStore(rt.db)
    rt.use_outbox(store.contests, store.entries)
    fingerprints = Fingerprints(store.fingerprints)
    quota = EntryQuota(store.counters)
    units = UnitCopy(rt.db["unit_directory"])
    svc = SubmissionService(store, settings, rt.staged, fingerprints, quota, units)
    screening = Screening(svc, rt.views)
    rt.subscribe(handlers(svc, screening))
    rt.on_startup(store.ensure_indexes)
    rt.on_startup(units.load)

    async def sweep_orphans() -> None:
        with contextlib.suppress(Exception):
            removed = await store.remove_orphan_files(datetime.now(UTC) - ORPHAN_GRACE)
            if removed:
                log.info("attachments.orphans_removed", count=removed)

    background: set[asyncio.Task[None]] = set()

    async def start_sweep() -> None:  # in the background: start-up never waits for it
        task = asyncio.create_task(sweep_orphans(), name="orphan-sweep")
        background.add(task)
        task.add_done_callback(background.discard)

    rt.on_startup(start_sweep)

    async def start_fingerprints() -> None:
        task = asyncio.create_task(fingerprints.run(), name="fingerprints")
        background.add(task)
        task.add_done_callback(background.discard)

    async def stop_background() -> None:
        for task in list(background):
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)

    rt.on_startup(start_fingerprints)
    rt.on_shutdown(stop_background)
    rt.on_shutdown(quota.close)
    app = rt.create_app(title="Submission: contests and initiatives",
                        routers=[build_router(svc, screening, rt.auth), build_pages(svc, screening, rt.auth, rt.web)])
    app.mount("/submission/static", StaticFiles(directory=HERE / "static"), name="submission-static")
    return app
