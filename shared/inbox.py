"""Processed event ids, so a redelivered event changes nothing.

Every handled event's id is stored as a document ``_id`` (a second insert fails on the unique
key). Asking the store about *every* event would cost a lookup per event, which on FerretDB
1.24 scans the whole inbox (SQLite never uses its ``_id`` index there): in the deadline rush
that was a fifth of the store's CPU, growing with every event. So the inbox also remembers the
ids this process handled, and asks the store only about events that someone else could have
handled:

- an event that occurred before the *watermark* may have been handled by a previous process or
  by another member of the consumer group. The watermark starts at this process's start and
  moves to "now" whenever partitions change hands, both plus ``skew`` for producers' clocks
  running ahead;
- an event that occurred after it and is not remembered was handled by nobody: while this
  process owns a partition nobody else reads it, and every event it handled since the watermark
  is remembered. When the memory is full the oldest ids are forgotten and the watermark is
  raised past them, so the rule stays exact.

A redelivery of the same message and a relay's re-publishing after a crash both carry the
original envelope, hence the original ``occurred_at``. Handlers are also written as idempotent
upserts, so an event whose effect was stored but whose id was not (a crash in between) still
applies once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from cachetools import LRUCache
from pymongo.asynchronous.collection import AsyncCollection

from shared.envelope import Envelope
from shared.mongo import Doc, insert_new


def _when(env: Envelope) -> datetime:
    at = env.occurred_at
    return at if at.tzinfo else at.replace(tzinfo=UTC)


class _Recent(LRUCache[str, datetime]):
    """Event ids this process handled, with when they occurred; forgetting the least recent
    one raises the inbox's watermark to its time (``Inbox._remember_id``)."""

    def __init__(self, maxsize: int, forget: Callable[[datetime], None]) -> None:
        super().__init__(maxsize=maxsize)
        self._forget = forget

    def popitem(self) -> tuple[str, datetime]:
        key, when = super().popitem()
        self._forget(when)
        return key, when


class Inbox:
    def __init__(self, collection: AsyncCollection[Doc], *, skew: float = 10.0, remember: int = 50_000) -> None:
        self._coll = collection
        self._skew = timedelta(seconds=skew)
        self._recent = _Recent(remember, self._forgotten)
        self.watermark = datetime.now(UTC) + self._skew
        self.lookups = 0  # events that had to be looked up in the store

    def partitions_moved(self) -> None:
        """Partitions changed hands: whatever occurred until now may have been handled elsewhere."""
        self.watermark = max(self.watermark, datetime.now(UTC) + self._skew)

    def _may_be_elsewhere(self, env: Envelope) -> bool:
        return _when(env) <= self.watermark

    async def seen_ids(self, envs: Sequence[Envelope]) -> set[str]:
        """The ids among ``envs`` already handled, by this process or (per the store) any other."""
        seen = {e.event_id for e in envs if e.event_id in self._recent}
        ask = list({e.event_id for e in envs if e.event_id not in seen and self._may_be_elsewhere(e)})
        if ask:
            self.lookups += len(ask)
            if len(ask) == 1:
                if await self._coll.find_one({"_id": ask[0]}, {"_id": 1}) is not None:
                    seen.add(ask[0])
            else:
                seen.update([str(d["_id"]) async for d in self._coll.find({"_id": {"$in": ask}}, {"_id": 1})])
        return seen

    async def record_all(self, envs: Sequence[Envelope]) -> None:
        """Mark the events handled (one write); ids already stored are fine."""
        if not envs:
            return
        now = datetime.now(UTC)
        await insert_new(self._coll, [{"_id": e.event_id, "type": e.event_type, "handled_at": now} for e in envs])
        for e in envs:
            self._remember_id(e)

    def _remember_id(self, env: Envelope) -> None:
        self._recent[env.event_id] = _when(env)

    def _forgotten(self, when: datetime) -> None:
        # Whatever occurred up to the forgotten one must now be asked of the store.
        self.watermark = max(self.watermark, when)
