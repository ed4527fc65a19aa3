"""Awards' collections: its own copies of contests, entries (with authors) and scores, and the
stored official results (canonical inputs + result, content-addressed by the result's hash)."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Doc


class AwardsStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.contests = db["contests"]
        self.entries = db["entries"]
        self.statuses = db["statuses"]  # insert-only status facts (domain.participation)
        self.results = db["results"]

    async def ensure_indexes(self) -> None:
        await self.entries.create_index("contest_id")
        await self.entries.create_index("owner_account_id")
        await self.statuses.create_index("contest_id")
        await self.results.create_index("contest_id")
