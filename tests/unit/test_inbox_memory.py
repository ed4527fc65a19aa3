"""The inbox on FerretDB remembers the event ids this process handled, least recently used first
out; an id it forgets raises the watermark, so an event that old is asked of the store again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.envelope import Envelope
from shared.ferretdb.handled import WatermarkInbox
from shared.inbox import Inbox


def env(n: int, at: datetime) -> Envelope:
    return Envelope(event_id=f"e{n}", event_type="T", schema_version=1, occurred_at=at, correlation_id="c",
                    producer="p", key="k", payload={})


def test_forgetting_an_id_raises_the_watermark_to_its_time() -> None:
    collection: Any = None  # never asked: only memory is used here
    inbox = WatermarkInbox(collection, skew=0, remember=2)
    start = inbox.watermark
    late = start + timedelta(hours=1)
    for n in range(3):
        inbox._remember_id(env(n, late + timedelta(minutes=n)))
    assert inbox.watermark == late  # e0 was forgotten: events up to its time may be elsewhere
    assert inbox._may_be_elsewhere(env(9, late)) and not inbox._may_be_elsewhere(env(9, late + timedelta(minutes=1)))
    inbox._remember_id(env(1, late + timedelta(minutes=1)))  # seen again: now the most recent
    inbox._remember_id(env(3, late + timedelta(minutes=3)))
    assert "e1" in inbox._recent and "e2" not in inbox._recent
    assert inbox.watermark == late + timedelta(minutes=2)
    assert datetime.now(UTC) < late


def test_the_store_chooses_the_inbox() -> None:
    """``Inbox(collection)`` (how ``shared/app.py`` builds it) is FerretDB's watermark inbox only on
    a FerretDB database; on MongoDB every event is asked of the store."""
    from pymongo import AsyncMongoClient

    from shared.mongo import database

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient("mongodb://127.0.0.1:1/", connect=False)
    assert type(Inbox(database(client, "x", "ferretdb")["inbox"])) is WatermarkInbox
    assert type(Inbox(database(client, "x", "mongodb")["inbox"])) is Inbox
