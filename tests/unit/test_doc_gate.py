"""The per-document write gate that makes FerretDB's updates atomic within a process."""

from __future__ import annotations

import asyncio

from shared.ferretdb.gate import DocGate


async def test_writers_of_one_document_never_overlap_but_other_documents_proceed() -> None:
    gate = DocGate()
    inside: dict[str, int] = {"a": 0, "b": 0}
    most: dict[str, int] = {"a": 0, "b": 0}
    both_at_once = False

    async def writer(doc: str) -> None:
        nonlocal both_at_once
        async with gate.document(doc):
            inside[doc] += 1
            most[doc] = max(most[doc], inside[doc])
            both_at_once = both_at_once or (inside["a"] > 0 and inside["b"] > 0)
            await asyncio.sleep(0.001)
            inside[doc] -= 1

    await asyncio.gather(*(writer("a" if i % 2 else "b") for i in range(40)))
    assert most == {"a": 1, "b": 1}
    assert both_at_once, "different documents are written concurrently"


async def test_a_collection_wide_write_excludes_every_document_write() -> None:
    gate = DocGate()
    events: list[str] = []

    async def doc_writer(i: int) -> None:
        async with gate.document(i):
            events.append("doc-in")
            await asyncio.sleep(0.002)
            events.append("doc-out")

    async def whole() -> None:
        await asyncio.sleep(0.001)
        async with gate.collection():
            events.append("whole-in")
            await asyncio.sleep(0.002)
            events.append("whole-out")

    await asyncio.gather(*(doc_writer(i) for i in range(3)), whole(), *(doc_writer(i) for i in range(3, 5)))
    start, end = events.index("whole-in"), events.index("whole-out")
    assert end == start + 1, "nothing else ran while the whole collection was held"
    assert events[:start].count("doc-in") == events[:start].count("doc-out")
