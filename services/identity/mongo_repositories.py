"""Identity's repositories on its MongoDB (FerretDB locally) collections (``store.IdentityStore``).

Every filter, operator and projection of identity lives here. Events go inside the written
document in the same single-document write (``shared.outbox``). The unique index on ``email``
settles two sign-ups with one address (FerretDB enforces it too; every account has the field);
a change of address looks the address up first, since FerretDB answers an update that breaks
the index with an internal error rather than a duplicate key (only a race meets that error).
A link is used with the filter ``{_id, used_at: None}`` only: what FerretDB's adapter checks
under its write gate, so one caller wins there as on MongoDB.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from services.identity.repositories import IdentityRepositories
from services.identity.store import IdentityStore
from shared import outbox
from shared.envelope import Envelope
from shared.mongo import Doc

#: What the outbox keeps in a document: never read by the use cases.
NO_OUTBOX: Doc = {outbox.OUTBOX: 0, outbox.PENDING: 0, outbox.SEQ: 0}
#: An account as the use cases read it: no outbox, no password hash.
ACCOUNT: Doc = {**NO_OUTBOX, "password_hash": 0}
DIRECTORY_ID = "directory"
ACTIVE_KEY = "active"


class MongoAccounts:
    def __init__(self, store: IdentityStore) -> None:
        self._c = store.accounts

    async def get(self, account_id: str) -> Doc | None:
        return await self._c.find_one({"_id": account_id}, ACCOUNT)

    async def by_email(self, email: str) -> Doc | None:
        return await self._c.find_one({"email": email}, ACCOUNT)

    async def credentials(self, email: str) -> Doc | None:
        return await self._c.find_one({"email": email}, NO_OUTBOX)

    async def listing(self, role: str | None = None) -> list[Doc]:
        query: Doc = {"roles": role} if role else {}
        return await self._c.find(query, ACCOUNT).sort("email", 1).to_list()

    async def create(self, account: Doc, events: Sequence[Envelope]) -> bool:
        try:
            await self._c.insert_one(outbox.new_document(account, *events))
        except DuplicateKeyError:
            return False
        return True

    async def save(self, account_id: str, changes: Doc, events: Sequence[Envelope]) -> bool:
        # A new address is looked up first: FerretDB (SQLite) reports an update that breaks the
        # unique index as an internal error, not as 11000; the index still settles a race.
        if "email" in changes and await self._c.find_one(
                {"email": changes["email"], "_id": {"$ne": account_id}}, {"_id": 1}) is not None:
            return False
        try:
            res = await self._c.update_one({"_id": account_id}, outbox.with_events({"$set": dict(changes)}, *events))
        except DuplicateKeyError:
            return False
        return bool(res.matched_count)


class MongoUnits:
    def __init__(self, store: IdentityStore) -> None:
        self._c = store.units

    async def load(self) -> Doc | None:
        return await self._c.find_one({"_id": DIRECTORY_ID}, NO_OUTBOX)

    async def replace(self, revision: int, directory: Doc, events: Sequence[Envelope]) -> bool:
        if revision == 0:
            try:
                await self._c.insert_one(outbox.new_document({"_id": DIRECTORY_ID, **directory}, *events))
            except DuplicateKeyError:
                return False
            return True
        res = await self._c.update_one({"_id": DIRECTORY_ID, "revision": revision},
                                       outbox.with_events({"$set": dict(directory)}, *events))
        return bool(res.matched_count)


class MongoLinks:
    def __init__(self, store: IdentityStore) -> None:
        self._c = store.links

    async def add(self, link: Doc) -> None:
        await self._c.insert_one(dict(link))

    async def get(self, token_hash: str) -> Doc | None:
        return await self._c.find_one({"_id": token_hash})

    async def use(self, token_hash: str, at: datetime) -> bool:
        res = await self._c.update_one({"_id": token_hash, "used_at": None}, {"$set": {"used_at": at}})
        return res.modified_count == 1

    async def retire(self, account_id: str, purposes: Collection[str], at: datetime) -> None:
        await self._c.update_many({"account_id": account_id, "purpose": {"$in": list(purposes)}, "used_at": None},
                                  {"$set": {"used_at": at, "retired": True}})


class MongoKeys:
    def __init__(self, store: IdentityStore) -> None:
        self._c = store.keys

    async def active(self) -> Doc | None:
        return await self._c.find_one({"_id": ACTIVE_KEY})

    async def add_active(self, key: Doc) -> bool:
        try:
            await self._c.insert_one({**key, "_id": ACTIVE_KEY})
        except DuplicateKeyError:
            return False
        return True


def mongo_repositories(store: IdentityStore) -> IdentityRepositories:
    return IdentityRepositories(accounts=MongoAccounts(store), units=MongoUnits(store), links=MongoLinks(store),
                                keys=MongoKeys(store))
