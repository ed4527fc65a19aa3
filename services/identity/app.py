"""Wiring of the identity service: settings, store, keys, routes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from services.identity.account_api import build_account_router
from services.identity.account_flows import AccountFlows
from services.identity.account_pages import build_account_pages
from services.identity.accounts import AccountStore
from services.identity.api import build_router
from services.identity.links import LinkStore
from services.identity.mongo_repositories import mongo_repositories
from services.identity.one_time import LinkTimes
from services.identity.pages import build_pages
from services.identity.service import IdentityService
from services.identity.settings import IdentitySettings
from services.identity.store import IdentityStore
from services.identity.tokens import load_or_create
from services.identity.units import UnitStore
from shared.app import Runtime


def build(settings: IdentitySettings | None = None) -> FastAPI:
    settings = settings or IdentitySettings()
    rt = Runtime(settings, Path(__file__).parent)
    collections = IdentityStore(rt.db)
    repos = mongo_repositories(collections)
    store = AccountStore(repos.accounts, rt.name)
    units = UnitStore(repos.units, rt.name)
    rt.use_outbox(collections.accounts, collections.units)
    svc = IdentityService(store, settings, rt.revocations, units)
    links = LinkStore(repos.links, LinkTimes(reset=timedelta(minutes=settings.reset_link_minutes),
                                       set=timedelta(hours=settings.set_password_link_hours),
                                       verify=timedelta(hours=settings.verify_link_hours)), settings.public_base_url)
    flows = AccountFlows(svc, links)

    async def startup() -> None:
        await collections.ensure_indexes()
        svc.key = await load_or_create(repos.keys)
        rt.jwks.add_local(svc.key.kid, svc.key.public)

    rt.on_startup(startup)
    return rt.create_app(
        title="Identity: accounts and tokens",
        routers=[build_router(svc, rt.auth, flows), build_pages(svc, rt.auth, rt.web, flows),
                 build_account_router(flows, rt.auth, rt.web), build_account_pages(flows, rt.auth, rt.web)],
    )
