"""``python -m services.identity create-organiser``: the first organiser, made at the console;
``create-account --role …`` for any other (judges, organisers, unit coordinators).

Organisers are never self-registered; after the first one they create each other (and the
judges and coordinators) from the accounts page. A coordinator (đầu mối đơn vị) answers for the
unit of their account, so one needs a unit that is not blank.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

import structlog

from services.identity.accounts import AccountStore, EmailTaken
from services.identity.domain import ROLES, password_problems
from services.identity.mongo_repositories import mongo_repositories
from services.identity.settings import IdentitySettings
from services.identity.store import IdentityStore
from shared.logging import configure_logging
from shared.mongo import connect

log = structlog.get_logger(__name__)


async def create_account(settings: IdentitySettings, *, email: str, password: str, full_name: str, unit: str,
                         roles: list[str], categories: list[str], exist_ok: bool) -> int:
    client = connect(settings.mongo_url)
    try:
        collections = IdentityStore(client[settings.mongo_db])
        await collections.ensure_indexes()
        store = AccountStore(mongo_repositories(collections).accounts, settings.service_name)
        try:
            account = await store.create(email=email, password=password, full_name=full_name, unit=unit,
                                         roles=roles, categories=categories)
        except EmailTaken:
            if exist_ok:
                log.info("account.exists", email=email)
                return 0
            log.error("account.email_taken", email=email)
            return 1
        log.info("account.created", email=account.email, roles=list(account.roles), account_id=account.account_id)
        return 0
    finally:
        await client.close()


def main(argv: list[str]) -> int:
    settings = IdentitySettings()
    configure_logging("identity-cli", json=not settings.dev, level="INFO")
    parser = argparse.ArgumentParser(prog="python -m services.identity")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("create-organiser", "create-account"):
        p = sub.add_parser(name)
        p.add_argument("--email", required=True)
        p.add_argument("--full-name", required=True)
        p.add_argument("--unit", required=True)
        p.add_argument("--password", help="omit to be asked (not echoed)")
        p.add_argument("--exist-ok", action="store_true", help="succeed if the e-mail already exists")
        if name == "create-account":
            p.add_argument("--role", action="append", choices=list(ROLES), required=True)
            p.add_argument("--category", action="append", default=[])
    args = parser.parse_args(argv)
    roles = ["organiser"] if args.command == "create-organiser" else args.role
    if "coordinator" in roles and not args.unit.strip():
        log.error("account.coordinator_without_unit", email=args.email)
        return 2
    password = args.password or getpass.getpass("Mật khẩu / Password: ")
    problem = password_problems(password, args.email)
    if problem:
        log.error("account.weak_password", problem=problem)
        return 2
    return asyncio.run(create_account(settings, email=args.email, password=password, full_name=args.full_name,
                                      unit=args.unit, roles=roles, categories=getattr(args, "category", []),
                                      exist_ok=args.exist_ok))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
