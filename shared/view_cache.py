"""Organisers' views computed once and served from memory until something changes.

The organisers' pages summarise a whole contest (every entry, every review). On FerretDB each
such read parses every document of the collection: 2–12 s at 5,000 entries, whatever the
filter or projection. So a view is computed once per key and kept; any write this process
makes (an HTTP request that is not a read, an event handled) marks every view *changed*.

A changed view is recomputed on its next request, once for all the requests that arrive
meanwhile. The request waits for it at most ``fresh_wait`` seconds; after that it gets the
previous value, marked stale with the time it was computed, and the recomputation goes on in
the background. Views also expire after ``max_age`` seconds, for changes made by another
replica of the service. ``fresh_wait`` is long in the test profiles, where a test reads right
after it writes, and short where people wait.

A *slow* view (its last computation took longer than ``fresh_wait``) is not waited for at all,
and is recomputed at most once per ``SLOW_GAP`` times its duration: while judges score, events
arrive every second, and waiting or recomputing for each would make every page slow and keep
the store busy with the same read.

Hand-written on top of ``cachetools.LRUCache`` (the memory bound): the maintained async caches
(``async-lru``, ``aiocache``) expire by age only, without serve-stale-while-recomputing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import structlog
from cachetools import LRUCache

log = structlog.get_logger(__name__)

T = TypeVar("T")

SLOW_GAP = 2.0  # a slow view rests twice as long as it computes: at most a third of the time


@dataclass(frozen=True)
class Cached(Generic[T]):
    value: T
    as_of: datetime  # when the value's computation started: nothing written after it is in it
    fresh: bool  # False: a newer computation is under way, or failed


@dataclass
class _Slot:
    value: Any = None
    has_value: bool = False
    generation: tuple[int, int] = (-1, -1)
    started: float = 0.0  # monotonic time the stored value's computation started
    duration: float = 0.0  # how long the last computation took
    finished: float = 0.0  # monotonic time it finished
    as_of: datetime = field(default_factory=lambda: datetime.now(UTC))
    task: asyncio.Task[None] | None = None


class ViewCache:
    def __init__(self, *, fresh_wait: float = 0.25, max_age: float = 30.0, size: int = 64) -> None:
        self.fresh_wait = fresh_wait
        self.max_age = max_age
        self._slots: LRUCache[Hashable, _Slot] = LRUCache(maxsize=size)
        self._generation = 0
        self._scoped: dict[str, int] = {}  # changes per contest (a few hundred contests in a province's lifetime)
        self.computed = 0

    def changed(self, scope: str | None = None) -> None:
        """Something this process wrote may be in any view (``scope`` None), or only in the views
        of one contest (``scope``: its id, the second item of their keys): recompute those on
        their next request."""
        if scope is None:
            self._generation += 1
        else:
            self._scoped[scope] = self._scoped.get(scope, 0) + 1

    def _generation_of(self, key: Hashable) -> tuple[int, int]:
        scope = key[1] if isinstance(key, tuple) and len(key) > 1 and isinstance(key[1], str) else None
        return self._generation, self._scoped.get(scope, 0) if scope is not None else 0

    def peek(self, key: Hashable) -> Any:
        """The value kept for ``key`` (None if none), for a process to patch its own write into
        it: the organiser who just decided sees the decision even in a stale copy."""
        slot = self._slots.get(key)
        return slot.value if slot is not None and slot.has_value else None

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> Cached[T]:
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _Slot()
        now = time.monotonic()
        if slot.has_value and slot.generation == self._generation_of(key) and now - slot.started < self.max_age:
            return Cached(slot.value, slot.as_of, True)
        slow = slot.has_value and slot.duration > self.fresh_wait
        if slot.task is None:
            if slow and now - slot.finished < SLOW_GAP * slot.duration:
                return Cached(slot.value, slot.as_of, False)  # resting: the next request after starts it
            slot.task = asyncio.create_task(self._compute(key, slot, compute), name=f"view:{key!r}"[:80])
        task = slot.task
        if not slot.has_value:  # nothing to show yet: wait for it (and see its error, if any)
            await asyncio.shield(task)
            return Cached(slot.value, slot.as_of, True)
        if not slow:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), self.fresh_wait)
        fresh = slot.generation == self._generation_of(key) and slot.task is None
        return Cached(slot.value, slot.as_of, fresh)

    async def _compute(self, key: Hashable, slot: _Slot, compute: Callable[[], Awaitable[Any]]) -> None:
        generation, started, as_of = self._generation_of(key), time.monotonic(), datetime.now(UTC)
        try:
            value = await compute()
        except Exception:
            if slot.has_value:  # the stale value stays; the next request tries again
                log.warning("view.recompute_failed", exc_info=True)
                return
            raise
        finally:
            slot.task = None
            slot.finished = time.monotonic()
            slot.duration = slot.finished - started
        slot.value, slot.has_value, slot.generation, slot.started, slot.as_of = value, True, generation, started, as_of
        self.computed += 1
