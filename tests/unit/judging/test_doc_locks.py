"""The per-document lock that serialises this process's writes to one review (FerretDB loses
concurrent updates of one document; see ``services.judging.store.DocLocks``)."""

from __future__ import annotations

import asyncio

from services.judging.store import DocLocks


def test_same_document_is_serialised_and_others_are_not() -> None:
    async def run() -> tuple[int, int]:
        locks = DocLocks()
        inside = {"a": 0, "b": 0}
        peak = {"a": 0, "b": 0}
        both = 0

        async def write(key: str) -> None:
            nonlocal both
            async with locks.hold(key):
                inside[key] += 1
                peak[key] = max(peak[key], inside[key])
                if inside["a"] and inside["b"]:
                    both += 1
                await asyncio.sleep(0.001)
                inside[key] -= 1

        await asyncio.gather(*(write(k) for _ in range(20) for k in ("a", "b")))
        return max(peak.values()), both

    peak, both = asyncio.run(run())
    assert peak == 1, "two writes to one document never overlap"
    assert both > 0, "writes to different documents do not wait for each other"
