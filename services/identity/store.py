"""Identity's collections and indexes (``mongo_repositories`` reads and writes them). Accounts and
the unit directory carry their own outbox."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Doc


class IdentityStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.db = db
        self.accounts = db["accounts"]
        self.units = db["units"]  # one document: the directory
        self.links = db["links"]  # one-time links by the SHA-256 of their token
        self.keys = db["signing_keys"]

    async def ensure_indexes(self) -> None:
        await self.accounts.create_index("email", unique=True)
        await self.accounts.create_index("roles")
        await self.links.create_index([("account_id", 1), ("purpose", 1)])
