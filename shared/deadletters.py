"""Dead letters: what a consumer could not handle, always small enough to publish, and the way back.

A letter carries the reason, where the original sits (topic, partition, offset), its key, size
and SHA-256, the event id and type when they can be read, and an excerpt of at most
``EXCERPT_BYTES`` of its text. A message larger than that (a 770 KB poison message would be
1.25 MB JSON-escaped, over the producer's limit) is marked ``complete: false``: replaying it reads
the original from its topic by the reference, while the broker still keeps it.

The dead-letter topic is also the operators' ledger: ``replay`` and ``drop`` append a *mark*
(``{"mark": "replayed", "letter": <offset>}``) to it, so listing shows what is still pending and
running a replay twice does nothing more. Replayed messages go to ``replay.<service>``, which only
that service reads (other services already handled them); its inbox ignores an event it
already handled, so a replay is idempotent even when a mark was lost.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import MessageSizeTooLargeError
from faststream.kafka import KafkaBroker

from shared import topics

EXCERPT_BYTES = 64 * 1024


def _excerpt(raw: bytes) -> tuple[str | None, str | None, bool]:
    """(text, base64, complete): the first ``EXCERPT_BYTES`` as text when the bytes are UTF-8."""
    cut = raw[:EXCERPT_BYTES]
    try:
        return cut.decode("utf-8"), None, len(raw) <= EXCERPT_BYTES
    except UnicodeDecodeError as exc:
        if len(raw) > EXCERPT_BYTES and exc.start >= len(cut) - 3:
            try:  # cut in the middle of a character: end before it
                return cut[:exc.start].decode("utf-8"), None, False
            except UnicodeDecodeError:
                pass
    return None, base64.b64encode(raw[:EXCERPT_BYTES * 3 // 4]).decode(), len(raw) <= EXCERPT_BYTES * 3 // 4


def _ids(raw: bytes) -> tuple[str | None, str | None]:
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(doc, dict):
        return None, None
    eid, kind = doc.get("event_id"), doc.get("event_type")
    return (eid[:200] if isinstance(eid, str) else None), (kind[:200] if isinstance(kind, str) else None)


def letter(service: str, record: Any, raw: bytes, reason: str, *, attempts: int) -> dict[str, Any]:
    text, b64, complete = _excerpt(raw)
    event_id, event_type = _ids(raw) if len(raw) <= 4 * 1024 * 1024 else (None, None)
    key = getattr(record, "key", None)
    return {
        "service": service,
        "reason": reason[:2000],
        "attempts": attempts,
        "failed_at": datetime.now(UTC).isoformat(),
        "topic": getattr(record, "topic", None),
        "partition": getattr(record, "partition", None),
        "offset": getattr(record, "offset", None),
        "key": key.decode("utf-8", "replace")[:500] if isinstance(key, bytes) else None,
        "event_id": event_id,
        "event_type": event_type,
        "size": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "complete": complete,
        "value": text,
        "value_b64": b64,
    }


def encode(doc: dict[str, Any]) -> bytes:
    # ensure_ascii=False: Vietnamese text stays one to three bytes a character, not six.
    return json.dumps(doc, ensure_ascii=False).encode()


async def send(broker: KafkaBroker, topic: str, doc: dict[str, Any]) -> None:
    """Publish a letter; if the broker still refuses its size, publish it without the excerpt."""
    key = doc["key"].encode() if doc.get("key") else None
    try:
        await broker.publish(encode(doc), topic, key=key)
    except MessageSizeTooLargeError:
        await broker.publish(encode({**doc, "value": None, "value_b64": None, "complete": False}), topic, key=key)


# ---------------------------------------------------------------- the operator's side


@dataclass
class Letter:
    offset: int
    doc: dict[str, Any]
    state: str = "pending"  # or "replayed", "dropped"

    def summary(self) -> dict[str, Any]:
        d = self.doc
        return {"offset": self.offset, "state": self.state, "failed_at": d.get("failed_at"),
                "reason": (d.get("reason") or "")[:300], "source": f"{d.get('topic')}/{d.get('partition')}@"
                f"{d.get('offset')}", "event_type": d.get("event_type"), "event_id": d.get("event_id"),
                "size": d.get("size"), "complete": d.get("complete", True)}


async def _read(bootstrap: str, topic: str, partition: int = 0, start: int | None = None,
                stop: int | None = None) -> list[Any]:
    """Records of one partition from ``start`` (the beginning) to ``stop`` (the current end)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                                auto_offset_reset="earliest", max_partition_fetch_bytes=8 * 1024 * 1024)
    await consumer.start()
    try:
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        end = (await consumer.end_offsets([tp]))[tp] if stop is None else stop
        first = (await consumer.beginning_offsets([tp]))[tp]
        consumer.seek(tp, first if start is None else max(start, first))
        out: list[Any] = []
        while await consumer.position(tp) < end:
            batch = await consumer.getmany(tp, timeout_ms=2000)
            if not batch:
                break
            out.extend(r for r in batch.get(tp, []) if r.offset < end)
        return out
    finally:
        await consumer.stop()


async def letters(bootstrap: str, service: str) -> list[Letter]:
    """Every letter of the service with its state, oldest first."""
    found: dict[int, Letter] = {}
    marks: list[dict[str, Any]] = []
    for r in await _read(bootstrap, topics.dead_letter(service).name):
        try:
            doc = json.loads(r.value)
        except (ValueError, TypeError):
            continue
        if isinstance(doc, dict) and "mark" in doc:
            marks.append(doc)
        elif isinstance(doc, dict):
            found[r.offset] = Letter(r.offset, doc)
    for m in marks:
        target = found.get(m.get("letter", -1))
        if target is not None and m["mark"] in ("replayed", "dropped"):
            target.state = m["mark"]
    return sorted(found.values(), key=lambda x: x.offset)


async def original(bootstrap: str, doc: dict[str, Any]) -> bytes:
    """The message a letter stands for: from the letter when complete, else from its topic."""
    if doc.get("complete", True):
        if doc.get("value") is not None:
            return str(doc["value"]).encode()
        if doc.get("value_b64") is not None:
            return base64.b64decode(doc["value_b64"])
    topic, partition, offset = doc.get("topic"), doc.get("partition"), doc.get("offset")
    if not isinstance(topic, str) or not isinstance(partition, int) or not isinstance(offset, int):
        raise LookupError("the letter has no reference to its original")
    records = await _read(bootstrap, topic, partition, offset, offset + 1)
    if not records or records[0].offset != offset:
        raise LookupError(f"{topic}/{partition}@{offset} is no longer kept by the broker")
    value: bytes = records[0].value or b""
    if hashlib.sha256(value).hexdigest() != doc.get("sha256", hashlib.sha256(value).hexdigest()):
        raise LookupError(f"{topic}/{partition}@{offset} does not match the letter's SHA-256")
    return value


async def _producer(bootstrap: str) -> AIOKafkaProducer:
    p = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all",
                         max_request_size=2 * 1024 * 1024)
    await p.start()
    return p


def _chosen(all_letters: Sequence[Letter], offsets: Sequence[int], every: bool) -> list[Letter]:
    pending = [x for x in all_letters if x.state == "pending"]
    if every:
        return pending
    wanted = set(offsets)
    unknown = wanted - {x.offset for x in all_letters}
    if unknown:
        raise LookupError(f"no letter at offset(s) {sorted(unknown)}")
    return [x for x in pending if x.offset in wanted]


async def _mark(producer: AIOKafkaProducer, service: str, offset: int, mark: str, note: str = "") -> None:
    doc = {"mark": mark, "letter": offset, "at": datetime.now(UTC).isoformat(),
           "by": os.environ.get("SUDO_USER") or os.environ.get("USER") or "operator", "note": note[:500]}
    await producer.send_and_wait(topics.dead_letter(service).name, encode(doc))


async def replay(bootstrap: str, service: str, offsets: Sequence[int] = (), *, every: bool = False) -> list[int]:
    """Put pending letters back into the service (its replay topic) and mark them replayed."""
    chosen = _chosen(await letters(bootstrap, service), offsets, every)
    producer = await _producer(bootstrap)
    done: list[int] = []
    try:
        for x in chosen:
            value = await original(bootstrap, x.doc)
            key = x.doc.get("key")
            await producer.send_and_wait(topics.replay(service).name, value,
                                         key=key.encode() if isinstance(key, str) else None)
            await _mark(producer, service, x.offset, "replayed")
            done.append(x.offset)
    finally:
        await producer.stop()
    return done


async def drop(bootstrap: str, service: str, offsets: Sequence[int] = (), *, every: bool = False,
               note: str = "") -> list[int]:
    """Mark pending letters as dealt with, without replaying them."""
    chosen = _chosen(await letters(bootstrap, service), offsets, every)
    producer = await _producer(bootstrap)
    try:
        for x in chosen:
            await _mark(producer, service, x.offset, "dropped", note)
    finally:
        await producer.stop()
    return [x.offset for x in chosen]
