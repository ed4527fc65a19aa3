"""Processed event ids, so a redelivered event changes nothing.

The id is the document's ``_id``: a second insert fails on the unique key instead of a racy
check-then-insert. Handlers are also written as idempotent upserts, so an event whose effect
was stored but whose id was not (a crash in between) still applies once.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from shared.envelope import Envelope
from shared.mongo import Doc


class Inbox:
    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._coll = collection

    async def seen(self, event_id: str) -> bool:
        return await self._coll.find_one({"_id": event_id}, {"_id": 1}) is not None

    async def record(self, env: Envelope) -> bool:
        """Mark the event handled; False when it already was."""
        try:
            await self._coll.insert_one(
                {"_id": env.event_id, "type": env.event_type, "handled_at": datetime.now(UTC)}
            )
        except DuplicateKeyError:
            return False
        return True
