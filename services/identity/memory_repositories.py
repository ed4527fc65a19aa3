"""Identity's repositories in memory: the same protocols (``repositories``) over dictionaries, for
use-case tests that run in process without servers (beside the Mongo ones so ``mypy --strict``
checks both against the protocols).

Faithful where the use cases rely on it: documents are copied in and out; ``_id``s and accounts'
e-mails are unique (a creation or change that collides stores nothing and answers ``False``);
a link is used once (compare-and-set on ``used_at``); the directory is replaced only from the
revision stored; events reach the ``MemoryOutbox`` only with the change that caused them; a read
never shows what the MongoDB projection leaves out (the password hash but in ``credentials``).
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from datetime import datetime

from services.identity.repositories import IdentityRepositories
from shared.envelope import Envelope
from shared.memory_outbox import MemoryOutbox
from shared.mongo import Doc


def _copy(doc: Doc | None, *leave_out: str) -> Doc | None:
    return None if doc is None else {k: copy.deepcopy(v) for k, v in doc.items() if k not in leave_out}


class MemoryAccounts:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.docs: dict[str, Doc] = {}
        self._outbox = outbox

    def _with_email(self, email: str) -> Doc | None:
        return next((d for d in self.docs.values() if d.get("email") == email), None)

    async def get(self, account_id: str) -> Doc | None:
        return _copy(self.docs.get(account_id), "password_hash")

    async def by_email(self, email: str) -> Doc | None:
        return _copy(self._with_email(email), "password_hash")

    async def credentials(self, email: str) -> Doc | None:
        return _copy(self._with_email(email))

    async def listing(self, role: str | None = None) -> list[Doc]:
        found = [d for d in self.docs.values() if not role or role in d.get("roles", [])]
        return [_copy(d, "password_hash") or {} for d in sorted(found, key=lambda d: str(d["email"]))]

    async def create(self, account: Doc, events: Sequence[Envelope]) -> bool:
        if account["_id"] in self.docs or self._with_email(account["email"]) is not None:
            return False
        self.docs[account["_id"]] = copy.deepcopy(account)
        self._outbox.add(events)
        return True

    async def save(self, account_id: str, changes: Doc, events: Sequence[Envelope]) -> bool:
        doc = self.docs.get(account_id)
        if doc is None:
            return False
        if "email" in changes:
            holder = self._with_email(changes["email"])
            if holder is not None and holder["_id"] != account_id:
                return False
        doc.update(copy.deepcopy(dict(changes)))
        self._outbox.add(events)
        return True


class MemoryUnits:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.doc: Doc | None = None
        self._outbox = outbox

    async def load(self) -> Doc | None:
        return _copy(self.doc)

    async def replace(self, revision: int, directory: Doc, events: Sequence[Envelope]) -> bool:
        stored = 0 if self.doc is None else self.doc.get("revision")
        if (revision == 0) != (self.doc is None) or stored != revision:
            return False
        self.doc = {**(self.doc or {"_id": "directory"}), **copy.deepcopy(dict(directory))}
        self._outbox.add(events)
        return True


class MemoryLinks:
    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}

    async def add(self, link: Doc) -> None:
        if link["_id"] in self.docs:
            raise AssertionError("the link's _id is unique: a token hash collides")
        self.docs[link["_id"]] = copy.deepcopy(link)

    async def get(self, token_hash: str) -> Doc | None:
        return _copy(self.docs.get(token_hash))

    async def use(self, token_hash: str, at: datetime) -> bool:
        doc = self.docs.get(token_hash)
        if doc is None or doc.get("used_at") is not None:
            return False
        doc["used_at"] = at
        return True

    async def retire(self, account_id: str, purposes: Collection[str], at: datetime) -> None:
        for doc in self.docs.values():
            if doc["account_id"] == account_id and doc["purpose"] in purposes and doc.get("used_at") is None:
                doc.update(used_at=at, retired=True)


class MemoryKeys:
    def __init__(self) -> None:
        self.doc: Doc | None = None

    async def active(self) -> Doc | None:
        return _copy(self.doc)

    async def add_active(self, key: Doc) -> bool:
        if self.doc is not None:
            return False
        self.doc = {**copy.deepcopy(dict(key)), "_id": "active"}
        return True


def memory_repositories(outbox: MemoryOutbox) -> IdentityRepositories:
    return IdentityRepositories(accounts=MemoryAccounts(outbox), units=MemoryUnits(outbox), links=MemoryLinks(),
                                keys=MemoryKeys())
