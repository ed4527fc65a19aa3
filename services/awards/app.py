"""Wiring of the awards service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.awards.api import build_router
from services.awards.consumers import routes
from services.awards.mongo_repositories import mongo_repositories
from services.awards.pages import build_pages
from services.awards.publication import Publication
from services.awards.season import SeasonReports
from services.awards.service import AwardsService
from services.awards.settings import AwardsSettings
from services.awards.store import AwardsStore
from shared.app import Runtime
from shared.unit_copy import UnitCopy

HERE = Path(__file__).parent


def build(settings: AwardsSettings | None = None) -> FastAPI:
    settings = settings or AwardsSettings()
    rt = Runtime(settings, HERE)
    store = AwardsStore(rt.db)
    rt.use_outbox(store.contests)
    repos = mongo_repositories(store)
    svc = AwardsService(repos, settings, views=rt.views)
    units = UnitCopy(rt.db["unit_directory"])
    pub = Publication(repos, settings, units)
    season = SeasonReports(repos, pub, units)
    rt.subscribe(routes(svc, units, season))
    rt.on_startup(store.ensure_indexes)
    rt.on_startup(units.load)
    rt.on_startup(store.migrate)
    async def warm_views() -> None:
        """The ranking of the latest contests, so the first organiser after a start does not wait
        seconds for it (``shared.view_cache``)."""
        for c in (await svc.contest_list(named_only=True))[:3]:
            await svc.ranking_view(c["_id"])

    rt.in_background("warm-views", warm_views)
    app = rt.create_app(title="Awards: ranking, prizes and results",
                        routers=[build_router(svc, pub, season, rt.auth),
                                 build_pages(svc, pub, season, rt.auth, rt.web)])

    app.mount("/awards/static", StaticFiles(directory=HERE / "static"), name="awards-static")

    return app
