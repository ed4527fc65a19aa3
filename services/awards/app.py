"""Wiring of the awards service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from services.awards.api import build_router
from services.awards.consumers import batch_handlers, handlers
from services.awards.pages import build_pages
from services.awards.publication import Publication
from services.awards.service import AwardsService, Refused
from services.awards.settings import AwardsSettings
from services.awards.store import AwardsStore
from shared.app import Runtime, wants_html
from shared.unit_copy import UnitCopy

HERE = Path(__file__).parent


def build(settings: AwardsSettings | None = None) -> FastAPI:
    settings = settings or AwardsSettings()
    rt = Runtime(settings, HERE)
    store = AwardsStore(rt.db)
    rt.use_outbox(store.contests)
    svc = AwardsService(store, settings, views=rt.views)
    units = UnitCopy(rt.db["unit_directory"])
    pub = Publication(store, settings, units)
    rt.subscribe(handlers(svc, units), batch_handlers(svc))
    rt.on_startup(store.ensure_indexes)
    rt.on_startup(units.load)
    rt.on_startup(store.migrate)
    app = rt.create_app(title="Awards: ranking, prizes and results",
                        routers=[build_router(svc, pub, rt.auth), build_pages(svc, pub, rt.auth, rt.web)])

    app.mount("/awards/static", StaticFiles(directory=HERE / "static"), name="awards-static")

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        """The rules' refusals: translated message, field-level errors, the right status."""
        message = rt.web.t(request, exc.message)
        if wants_html(request):
            return rt.web.render(request, "error.html", status_code=exc.status, status=exc.status, detail=message)
        errors = {k: rt.web.t(request, v) for k, v in exc.errors.items()}
        return JSONResponse({"detail": message, "errors": errors}, status_code=exc.status)

    return app
