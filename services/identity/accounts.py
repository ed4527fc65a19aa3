"""Accounts: create, authenticate, throttle. Every change queues its account event in the
same document write (outbox), so judging and the others always learn about it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.identity.domain import normalise_email
from shared import outbox
from shared.envelope import Envelope, EventPayload
from shared.events.accounts import AccountRegistered, AccountUpdated
from shared.mongo import Doc

# Argon2id with the library's RFC 9106 "low memory" profile: 64 MiB, 3 passes.
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("timing-equaliser-password")


class EmailTaken(Exception):
    pass


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
    def __init__(self, db: AsyncDatabase[Doc], producer: str) -> None:
        self.accounts = db["accounts"]
        self.keys = db["signing_keys"]
        self._producer = producer

    async def ensure_indexes(self) -> None:
        await self.accounts.create_index("email", unique=True)
        await self.accounts.create_index("roles")

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
        try:
            await self.accounts.insert_one(outbox.new_document(
                doc, self._event(AccountRegistered, doc, invited=invited), *events))
        except DuplicateKeyError:
            raise EmailTaken(email) from None
        return Account.from_doc(doc)

    async def revoke(self, account_id: str, event: Envelope) -> None:
        """Record a revocation on the account, with its event in the same write."""
        await self.accounts.update_one({"_id": account_id}, outbox.with_events(
            {"$set": {"sessions_revoked_at": datetime.now(UTC)}}, event))

    async def update(self, account_id: str, **changes: Any) -> Account | None:
        doc = await self.accounts.find_one({"_id": account_id})
        if doc is None:
            return None
        doc.update(changes)
        await self.accounts.update_one(
            {"_id": account_id}, outbox.with_events({"$set": changes}, self._event(AccountUpdated, doc))
        )
        return Account.from_doc(doc)

    async def change(self, account_id: str, changes: Doc, *events: Envelope, password: str | None = None,
                     announce: bool = True) -> Account | None:
        """Change the account with ``events`` and (``announce``) its ``AccountUpdated`` in one write;
        ``password`` is stored hashed."""
        doc = await self.accounts.find_one({"_id": account_id})
        if doc is None:
            return None
        doc.update(changes)
        stored = {**changes, **({"password_hash": _hasher.hash(password)} if password is not None else {})}
        queued = [*events, *([self._event(AccountUpdated, doc)] if announce else [])]
        await self.accounts.update_one({"_id": account_id}, outbox.with_events({"$set": stored}, *queued))
        return Account.from_doc(doc)

    async def by_email(self, email: str) -> Account | None:
        doc = await self.accounts.find_one({"email": normalise_email(email)})
        return Account.from_doc(doc) if doc else None

    async def get(self, account_id: str) -> Account | None:
        doc = await self.accounts.find_one({"_id": account_id})
        return Account.from_doc(doc) if doc else None

    async def list(self, role: str | None = None) -> list[Account]:
        query: Doc = {"roles": role} if role else {}
        return [Account.from_doc(d) async for d in self.accounts.find(query).sort("email", 1)]

    async def count_role(self, role: str) -> int:
        return await self.accounts.count_documents({"roles": role})

    async def authenticate(self, email: str, password: str) -> Account | None:
        doc = await self.accounts.find_one({"email": normalise_email(email)})
        try:
            _hasher.verify(doc["password_hash"] if doc else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if doc is None or not doc.get("active", True):
            return None
        if _hasher.check_needs_rehash(doc["password_hash"]):
            await self.accounts.update_one({"_id": doc["_id"]}, {"$set": {"password_hash": _hasher.hash(password)}})
        return Account.from_doc(doc)

