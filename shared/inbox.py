"""Processed event ids, so a redelivered event changes nothing.

Every handled event's id is stored as a document ``_id`` (a second insert fails on the unique
key), and a batch's ids are looked up in one query before it is handled. A redelivery of the
same message and a relay's re-publishing after a crash both carry the original envelope, so both
are caught; handlers are also written as idempotent upserts, so an event whose effect was stored
but whose id was not (a crash in between) still applies once.

On FerretDB every lookup scans the whole inbox: there the inbox is ``WatermarkInbox``
(``shared.ferretdb.handled``), which asks only about events someone else could have handled.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Self

from pymongo.asynchronous.collection import AsyncCollection

from shared import ferretdb
from shared.envelope import Envelope
from shared.mongo import Doc, insert_new


class Inbox:
    def __new__(cls, collection: AsyncCollection[Doc] | None, **tuning: Any) -> Self:
        # The store decides (``shared/app.py`` builds ``Inbox(db["inbox"])`` for either).
        return super().__new__(ferretdb.variant(cls, collection))

    def __init__(self, collection: AsyncCollection[Doc], **tuning: Any) -> None:
        self._coll = collection
        self.lookups = 0  # events that had to be looked up in the store

    def partitions_moved(self) -> None:
        """Partitions changed hands (nothing to do: every event is looked up)."""

    async def seen_ids(self, envs: Sequence[Envelope]) -> set[str]:
        """The ids among ``envs`` already handled, by this process or any other."""
        return await self._stored(list({e.event_id for e in envs}))

    async def _stored(self, ask: list[str]) -> set[str]:
        if not ask:
            return set()
        self.lookups += len(ask)
        if len(ask) == 1:
            found = await self._coll.find_one({"_id": ask[0]}, {"_id": 1})
            return {ask[0]} if found is not None else set()
        return {str(d["_id"]) async for d in self._coll.find({"_id": {"$in": ask}}, {"_id": 1})}

    async def record_all(self, envs: Sequence[Envelope]) -> None:
        """Mark the events handled (one write); ids already stored are fine."""
        if not envs:
            return
        now = datetime.now(UTC)
        await insert_new(self._coll, [{"_id": e.event_id, "type": e.event_type, "handled_at": now} for e in envs])
