"""Accounts: create, change, authenticate. Every change is stored with its account event (the
repository writes both at once), so judging and the others always learn about it. Passwords
are hashed here, never in a repository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.identity.domain import normalise_email
from services.identity.repositories import AccountRepository
from shared.envelope import Envelope, EventPayload
from shared.events.accounts import AccountRegistered, AccountUpdated
from shared.mongo import Doc

# Argon2id with the library's RFC 9106 "low memory" profile: 64 MiB, 3 passes.
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("timing-equaliser-password")


class EmailTaken(Exception):
    """Another account has the address."""


@dataclass(frozen=True)
class Account:
    account_id: str
    email: str
    full_name: str
    unit: str
    roles: tuple[str, ...]
    categories: tuple[str, ...]
    active: bool
    email_verified: bool = True  # accounts stored before verification existed count as verified

    @classmethod
    def from_doc(cls, doc: Doc) -> Account:
        return cls(doc["_id"], doc["email"], doc["full_name"], doc["unit"], tuple(doc["roles"]),
                   tuple(doc.get("categories", [])), bool(doc.get("active", True)),
                   bool(doc.get("email_verified", True)))

    def claims(self) -> dict[str, Any]:
        return {"sub": self.account_id, "email": self.email, "name": self.full_name, "unit": self.unit,
                "roles": list(self.roles), "email_verified": self.email_verified}


class AccountStore:
    """Accounts' use-case side: the document an account is, its events, its password hash."""

    def __init__(self, accounts: AccountRepository, producer: str) -> None:
        self.accounts = accounts
        self._producer = producer

    def _event(self, cls: type[AccountRegistered] | type[AccountUpdated], doc: Doc, **extra: Any) -> Envelope:
        payload = cls(account_id=doc["_id"], email=doc["email"], full_name=doc["full_name"], unit=doc["unit"],
                      roles=doc["roles"], categories=doc.get("categories", []), active=doc.get("active", True),
                      email_verified=doc.get("email_verified", True), **extra)
        return Envelope.wrap(payload, producer=self._producer)

    def envelope(self, payload: EventPayload) -> Envelope:
        return Envelope.wrap(payload, producer=self._producer)

    async def create(self, *, email: str, password: str, full_name: str, unit: str, roles: list[str],
                     categories: list[str] | None = None, account_id: str | None = None,
                     email_verified: bool = True, invited: bool = False, events: Sequence[Envelope] = ()) -> Account:
        """A new account with ``AccountRegistered`` and then ``events`` (a link to mail) in one insert."""
        doc: Doc = {
            "_id": account_id or uuid.uuid4().hex,
            "email": normalise_email(email),
            "full_name": full_name.strip(),
            "unit": unit.strip(),
            "roles": sorted(set(roles)),
            "categories": sorted(set(categories or [])),
            "active": True,
            "email_verified": email_verified,
            "password_hash": _hasher.hash(password),
            "created_at": datetime.now(UTC),
        }
        if not await self.accounts.create(doc, [self._event(AccountRegistered, doc, invited=invited), *events]):
            raise EmailTaken(email)
        return Account.from_doc(doc)

    async def revoke(self, account_id: str, event: Envelope) -> None:
        """Record a revocation on the account, with its event in the same write."""
        await self.accounts.save(account_id, {"sessions_revoked_at": datetime.now(UTC)}, [event])

    async def change(self, account_id: str, changes: Doc, *events: Envelope, password: str | None = None,
                     announce: bool = True) -> Account | None:
        """Change the account with ``events`` and (``announce``) its ``AccountUpdated`` in one write;
        ``password`` is stored hashed. ``None`` if there is no such account; ``EmailTaken`` if
        ``changes`` gives it another account's address."""
        doc = await self.accounts.get(account_id)
        if doc is None:
            return None
        doc.update(changes)
        stored = {**changes, **({"password_hash": _hasher.hash(password)} if password is not None else {})}
        queued = [*events, *([self._event(AccountUpdated, doc)] if announce else [])]
        if not await self.accounts.save(account_id, stored, queued):
            if "email" in changes:
                raise EmailTaken(changes["email"])
            return None
        return Account.from_doc(doc)

    async def by_email(self, email: str) -> Account | None:
        doc = await self.accounts.by_email(normalise_email(email))
        return Account.from_doc(doc) if doc else None

    async def get(self, account_id: str) -> Account | None:
        doc = await self.accounts.get(account_id)
        return Account.from_doc(doc) if doc else None

    async def pending_email(self, account_id: str) -> str | None:
        """The new address waiting for its link to be opened, if any."""
        doc = await self.accounts.get(account_id) or {}
        pending = doc.get("pending_email")
        return str(pending) if pending else None

    async def list(self, role: str | None = None) -> list[Account]:
        return [Account.from_doc(d) for d in await self.accounts.listing(role)]

    async def authenticate(self, email: str, password: str) -> Account | None:
        doc = await self.accounts.credentials(normalise_email(email))
        try:
            _hasher.verify(doc["password_hash"] if doc else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if doc is None or not doc.get("active", True):
            return None
        if _hasher.check_needs_rehash(doc["password_hash"]):
            await self.accounts.save(doc["_id"], {"password_hash": _hasher.hash(password)}, [])
        return Account.from_doc(doc)
