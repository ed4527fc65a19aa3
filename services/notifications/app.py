"""Wiring of the notifications service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.notifications.api import build_router
from services.notifications.composer import Composer
from services.notifications.consumers import routes
from services.notifications.digests import Digests
from services.notifications.metrics import SenderCollector
from services.notifications.pages import build_pages
from services.notifications.sender import Sender
from services.notifications.service import Notifications
from services.notifications.settings import NotificationsSettings
from services.notifications.store import NotificationsStore
from shared.app import Runtime
from shared.unit_copy import UnitCopy

HERE = Path(__file__).parent


def build(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    rt = Runtime(settings, HERE)
    store = NotificationsStore(rt.db)
    digests = Digests(store, settings.digest_wait_s)
    sender = Sender(store, settings, digests)
    svc = Notifications(store, settings, Composer(settings.public_base_url, settings.template_dir), kick=sender.kick)
    digests.plan = svc.plan_digest
    units = UnitCopy(store.unit_directory)
    rt.subscribe(routes(svc, units))
    rt.on_startup(store.ensure_indexes)
    rt.on_startup(units.load)
    rt.in_background("sender", sender.run)
    rt.registry.register(SenderCollector(sender))
    return rt.create_app(title="Notifications: e-mail to participants, judges and organisers",
                         routers=[build_router(svc, rt.auth), build_pages(svc, rt.auth, rt.web)])
