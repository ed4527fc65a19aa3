"""The inbox on FerretDB: ask the store only about events someone else could have handled.

Asking the store about every event costs a lookup per event, which on FerretDB 1.24 scans the
whole inbox (SQLite never uses its ``_id`` index there): in the deadline rush that was a fifth
of the store's CPU, growing with every event. So this inbox also remembers the ids this process
handled, and asks the store only about events that someone else could have handled:

- an event that occurred before the *watermark* may have been handled by a previous process or
  by another member of the consumer group. The watermark starts at this process's start and
  moves to "now" whenever partitions change hands, both plus ``skew`` for producers' clocks
  running ahead;
- an event that occurred after it and is not remembered was handled by nobody: while this
  process owns a partition nobody else reads it, and every event it handled since the watermark
  is remembered. When the memory is full the oldest ids are forgotten and the watermark is
  raised past them, so the rule stays exact.

A redelivery and a relay's re-publishing carry the original ``occurred_at``, so both are caught.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from cachetools import LRUCache
from pymongo.asynchronous.collection import AsyncCollection

from shared.envelope import Envelope
from shared.inbox import Inbox
from shared.mongo import Doc


def _when(env: Envelope) -> datetime:
    at = env.occurred_at
    return at if at.tzinfo else at.replace(tzinfo=UTC)


class _Recent(LRUCache[str, datetime]):
    """Event ids this process handled, with when they occurred; forgetting the least recent
    one raises the inbox's watermark to its time (``WatermarkInbox._forgotten``)."""

    def __init__(self, maxsize: int, forget: Callable[[datetime], None]) -> None:
        super().__init__(maxsize=maxsize)
        self._forget = forget

    def popitem(self) -> tuple[str, datetime]:
        key, when = super().popitem()
        self._forget(when)
        return key, when


class WatermarkInbox(Inbox):
    def __init__(self, collection: AsyncCollection[Doc], *, skew: float = 10.0, remember: int = 50_000,
                 **_: Any) -> None:
        super().__init__(collection)
        self._skew = timedelta(seconds=skew)
        self._recent = _Recent(remember, self._forgotten)
        self.watermark = datetime.now(UTC) + self._skew

    def partitions_moved(self) -> None:
        """Partitions changed hands: whatever occurred until now may have been handled elsewhere."""
        self.watermark = max(self.watermark, datetime.now(UTC) + self._skew)

    def _may_be_elsewhere(self, env: Envelope) -> bool:
        return _when(env) <= self.watermark

    async def seen_ids(self, envs: Sequence[Envelope]) -> set[str]:
        seen = {e.event_id for e in envs if e.event_id in self._recent}
        ask = list({e.event_id for e in envs if e.event_id not in seen and self._may_be_elsewhere(e)})
        return seen | await self._stored(ask)

    async def record_all(self, envs: Sequence[Envelope]) -> None:
        await super().record_all(envs)
        for e in envs:
            self._remember_id(e)

    def _remember_id(self, env: Envelope) -> None:
        self._recent[env.event_id] = _when(env)

    def _forgotten(self, when: datetime) -> None:
        # Whatever occurred up to the forgotten one must now be asked of the store.
        self.watermark = max(self.watermark, when)
