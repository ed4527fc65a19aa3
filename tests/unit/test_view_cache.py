"""The organisers' summaries cache: computed once, recomputed once after a change, stale values
served (and marked) only when the recomputation takes longer than the request may wait."""

from __future__ import annotations

import asyncio

import pytest

from shared.view_cache import ViewCache


class Source:
    """A summary whose computation can be held open, counting how often it ran."""

    def __init__(self) -> None:
        self.value = 0
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.fail = False
        self.read = asyncio.Event()  # set once a computation has read its data

    async def compute(self) -> int:
        self.calls += 1
        seen = self.value
        self.read.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("store down")
        return seen


async def test_computed_once_until_something_changes() -> None:
    cache, src = ViewCache(fresh_wait=5), Source()
    assert (await cache.get("k", src.compute)).value == 0
    src.value = 1
    again = await cache.get("k", src.compute)
    assert again.value == 0 and again.fresh and src.calls == 1  # nothing this process wrote: kept
    cache.changed()
    after = await cache.get("k", src.compute)
    assert after.value == 1 and after.fresh and src.calls == 2


async def test_a_slow_recomputation_serves_the_previous_value_marked_stale_then_the_new_one() -> None:
    cache, src = ViewCache(fresh_wait=0.01), Source()
    await cache.get("k", src.compute)
    src.value, src.gate = 1, asyncio.Event()
    cache.changed()
    stale = await cache.get("k", src.compute)
    assert stale.value == 0 and not stale.fresh
    # Requests meanwhile share the one recomputation under way.
    more = await asyncio.gather(*(cache.get("k", src.compute) for _ in range(5)))
    assert all(m.value == 0 and not m.fresh for m in more) and src.calls == 2
    src.gate.set()
    await asyncio.sleep(0)
    for _ in range(10):
        now = await cache.get("k", src.compute)
        if now.fresh:
            break
        await asyncio.sleep(0.01)
    assert now.value == 1 and now.fresh and src.calls == 2
    assert now.as_of >= stale.as_of


async def test_a_change_during_the_computation_is_not_lost() -> None:
    cache, src = ViewCache(fresh_wait=5), Source()
    src.gate = asyncio.Event()
    first = asyncio.create_task(cache.get("k", src.compute))
    await src.read.wait()
    src.value = 1
    cache.changed()  # written after the computation read its data
    src.gate.set()
    assert (await first).value == 0
    src.gate = None
    assert (await cache.get("k", src.compute)).value == 1 and src.calls == 2


async def test_concurrent_cold_requests_compute_once() -> None:
    cache, src = ViewCache(fresh_wait=5), Source()
    src.gate = asyncio.Event()
    waiting = [asyncio.create_task(cache.get("k", src.compute)) for _ in range(4)]
    await asyncio.sleep(0)
    src.gate.set()
    assert [w.value for w in await asyncio.gather(*waiting)] == [0, 0, 0, 0] and src.calls == 1


async def test_a_failed_first_computation_is_an_error_and_is_tried_again() -> None:
    cache, src = ViewCache(fresh_wait=5), Source()
    src.fail = True
    with pytest.raises(RuntimeError):
        await cache.get("k", src.compute)
    src.fail = False
    assert (await cache.get("k", src.compute)).value == 0 and src.calls == 2


async def test_a_failed_recomputation_keeps_the_previous_value_marked_stale() -> None:
    cache, src = ViewCache(fresh_wait=5), Source()
    await cache.get("k", src.compute)
    src.fail = True
    cache.changed()
    kept = await cache.get("k", src.compute)
    assert kept.value == 0 and not kept.fresh
    src.fail, src.value = False, 2
    assert (await cache.get("k", src.compute)).value == 2  # tried again on the next request


async def test_values_expire_for_changes_made_by_other_replicas() -> None:
    cache, src = ViewCache(fresh_wait=5, max_age=0.0), Source()
    await cache.get("k", src.compute)
    src.value = 3
    assert (await cache.get("k", src.compute)).value == 3 and src.calls == 2


async def test_keys_are_apart_and_bounded() -> None:
    cache, src = ViewCache(fresh_wait=5, size=2), Source()
    for key in ("a", "b", "c"):
        await cache.get(key, src.compute)
    assert cache.peek("a") is None and cache.peek("c") == 0  # the least recently used went first


async def test_a_slow_view_is_not_waited_for_and_rests_between_computations() -> None:
    cache, src = ViewCache(fresh_wait=0.05), Source()
    src.gate = asyncio.Event()
    first = asyncio.create_task(cache.get("k", src.compute))
    await src.read.wait()
    await asyncio.sleep(0.1)  # longer than fresh_wait: a slow view
    src.gate.set()
    assert (await first).value == 0
    src.gate, src.value = asyncio.Event(), 1
    cache.changed()
    started = asyncio.get_running_loop().time()
    stale = await cache.get("k", src.compute)  # too soon after the last one: served as it is
    assert stale.value == 0 and not stale.fresh and src.calls == 1
    assert asyncio.get_running_loop().time() - started < 0.05  # not waited for
    await asyncio.sleep(0.25)  # the rest is over: the next request starts a computation...
    src.read.clear()
    during = await cache.get("k", src.compute)
    assert during.value == 0 and not during.fresh  # ...without waiting for it
    await src.read.wait()
    assert src.calls == 2
    src.gate.set()
    await asyncio.sleep(0.01)
    assert (await cache.get("k", src.compute)).value == 1


async def test_a_change_to_one_contest_leaves_the_others_views_fresh() -> None:
    cache, a, b = ViewCache(fresh_wait=5), Source(), Source()
    await cache.get(("progress", "c1"), a.compute)
    await cache.get(("progress", "c2"), b.compute)
    cache.changed("c1")
    await cache.get(("progress", "c1"), a.compute)
    await cache.get(("progress", "c2"), b.compute)
    assert (a.calls, b.calls) == (2, 1)
    cache.changed()  # a change that names no contest: every view
    await cache.get(("progress", "c2"), b.compute)
    assert b.calls == 2
