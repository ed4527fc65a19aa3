"""Creation events: the events a *new* document causes reach Kafka if and only if it exists.

On MongoDB (``store=mongodb``) that is the plain outbox: the events are inserted inside the new
document (``shared.outbox.new_document``) in the same single-document write, and the relay takes
them from there like any other. On FerretDB the same call writes them beside the document in a
staging collection of this process (``shared.ferretdb.staging``), because reading and rewriting
a large new document there costs two table scans.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

from pymongo.asynchronous.collection import AsyncCollection

from shared import ferretdb
from shared.envelope import Envelope
from shared.mongo import Doc
from shared.outbox import new_document

COLLECTION = "outbox"


class StagedOutbox:
    """What the relay and the services see of creation events, whatever the store."""

    def __new__(cls, records: AsyncCollection[Doc], **tuning: Any) -> Self:
        # The store decides (``shared/app.py`` builds ``StagedOutbox(db["outbox"])`` for either).
        return super().__new__(ferretdb.variant(cls, records))

    def __init__(self, records: AsyncCollection[Doc], **tuning: Any) -> None:
        self.records = records  # unused on this path: nothing is staged
        self.on_ready: Callable[[], None] | None = None
        self.drops = 0
        self.groups = 0

    async def insert(self, coll: AsyncCollection[Doc], doc: Doc, *events: Envelope) -> None:
        """Insert ``doc`` with its ``events`` in one write (a refused insert queues nothing)."""
        await coll.insert_one(new_document(doc, *events) if events else doc)

    async def close(self, within: float = 10.0) -> None:
        """Let the creations under way finish (nothing is under way on this path)."""

    def in_flight(self) -> int:
        return 0

    def mark_unknown(self) -> None:
        """Records the relay took may be needed again (none are taken on this path)."""

    def take_ready(self, limit: int) -> list[Doc]:
        return []

    def put_back(self, recs: list[Doc]) -> None:
        """Records whose publishing failed go back (none are taken on this path)."""

    def ready_ids(self) -> set[Any]:
        return set()

    def published(self, recs: list[Doc], *, confirmed: int) -> None:
        """``recs`` are on Kafka (none are taken on this path)."""

    async def compact(self) -> bool:
        return False

    def recheck_in(self) -> float:
        return 3600.0

    async def recover(self, known: set[Any], limit: int) -> tuple[list[Doc], int]:
        return [], 0
