"""Wiring of the submission service."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import structlog
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.submission.api import build_router
from services.submission.consumers import routes
from services.submission.fingerprints import Fingerprints
from services.submission.mongo_repositories import mongo_repositories
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
    repos = mongo_repositories(store, rt.staged)
    fingerprints = Fingerprints(repos.fingerprints)
    quota = EntryQuota(repos.counters)
    units = UnitCopy(rt.db["unit_directory"])
    svc = SubmissionService(repos, settings, fingerprints, quota, units)
    screening = Screening(svc, rt.views)
    rt.subscribe(routes(svc, screening))
    rt.on_startup(store.ensure_indexes)
    rt.on_startup(units.load)

    async def sweep_orphans() -> None:
        removed = await svc.remove_orphan_files(datetime.now(UTC) - ORPHAN_GRACE)
        if removed:
            log.info("attachments.orphans_removed", count=removed)

    rt.in_background("orphan-sweep", sweep_orphans)

    async def warm_views() -> None:
        """The screening list of the latest closed contests, so the first organiser after a
        start does not wait seconds for it (``shared.view_cache``)."""
        now = datetime.now(UTC)
        closed = [c for c in await svc.contests() if c["closes_at"].replace(tzinfo=UTC) <= now]
        for c in sorted(closed, key=lambda c: c["closes_at"], reverse=True)[:3]:
            await screening.queue_view(c["_id"])

    rt.in_background("warm-views", warm_views)
    rt.in_background("fingerprints", fingerprints.run)
    rt.on_shutdown(quota.close)
    app = rt.create_app(title="Submission: contests and initiatives",
                        routers=[build_router(svc, screening, rt.auth), build_pages(svc, screening, rt.auth, rt.web)])
    app.mount("/submission/static", StaticFiles(directory=HERE / "static"), name="submission-static")
    return app
