"""Telling failures apart, dead letters that always fit, and errors answered at the edge."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from aiokafka import errors as kafka_errors
from fastapi import APIRouter
from hypothesis import given
from hypothesis import strategies as st
from pymongo import errors as mongo_errors

from shared import deadletters
from shared.app import Runtime
from shared.failures import is_busy, is_transient
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]


def test_a_store_or_broker_down_busy_or_slow_is_transient() -> None:
    for exc in (mongo_errors.ServerSelectionTimeoutError("no server"), mongo_errors.AutoReconnect("reset"),
                mongo_errors.NetworkTimeout("slow"), mongo_errors.ExecutionTimeout("slow"),
                mongo_errors.OperationFailure("database is locked (5) (SQLITE_BUSY)"),
                kafka_errors.KafkaConnectionError("refused"), kafka_errors.KafkaTimeoutError(),
                kafka_errors.NotLeaderForPartitionError(), TimeoutError(), ConnectionRefusedError()):
        assert is_transient(exc), exc


def test_poison_and_bugs_are_not_transient_but_a_wrapped_outage_is() -> None:
    for exc in (ValueError("bad"), KeyError("x"), mongo_errors.DuplicateKeyError("dup"),
                mongo_errors.OperationFailure("unknown operator $foo"), kafka_errors.MessageSizeTooLargeError()):
        assert not is_transient(exc), exc
    try:
        try:
            raise mongo_errors.ServerSelectionTimeoutError("no server")
        except mongo_errors.PyMongoError as inner:
            raise RuntimeError("handler failed") from inner
    except RuntimeError as outer:
        assert is_transient(outer)
    assert is_busy(mongo_errors.OperationFailure("SQLITE_BUSY")) and not is_busy(ValueError("SQLITE_BUSY"))


def _record(value: bytes) -> Any:
    return SimpleNamespace(topic="submission.statuses", partition=4, offset=1234, key=b"entry-1", value=value)


@given(st.text(alphabet="Cải cách thủ tục hành chính ạếộữỹ\"\\\n\t😀", max_size=3000), st.integers(1, 400))
def test_a_dead_letter_is_bounded_whatever_the_message(text: str, repeat: int) -> None:
    raw = (text * repeat).encode()
    doc = deadletters.letter("awards", _record(raw), raw, "undecodable message: " + "x" * 5000, attempts=0)
    assert len(deadletters.encode(doc)) < deadletters.EXCERPT_BYTES + 8 * 1024
    assert doc["size"] == len(raw) and doc["complete"] == (len(raw) <= deadletters.EXCERPT_BYTES)
    assert (doc["topic"], doc["partition"], doc["offset"]) == ("submission.statuses", 4, 1234)
    if doc["complete"]:
        assert doc["value"].encode() == raw
    else:
        assert raw.startswith(doc["value"].encode())


def test_a_770_kb_vietnamese_message_makes_a_letter_far_below_the_producer_limit() -> None:
    raw = json.dumps({"event_id": "e1", "event_type": "EntryStatusChanged",
                      "payload": {"text": "Cải cách hành chính " * 40_000}}, ensure_ascii=True).encode()
    raw = raw.decode().encode("utf-8")
    doc = deadletters.letter("awards", _record(raw), raw, "undecodable message: too big", attempts=0)
    assert len(raw) > 700_000 and not doc["complete"]
    assert len(deadletters.encode(doc)) < 80 * 1024 < 1024 * 1024
    assert doc["event_id"] == "e1" and doc["event_type"] == "EntryStatusChanged"
    binary = bytes(range(256)) * 1000
    doc = deadletters.letter("awards", _record(binary), binary, "undecodable", attempts=0)
    assert doc["value"] is None and doc["value_b64"] and len(deadletters.encode(doc)) < 100 * 1024


def _app() -> Any:
    rt = Runtime(ServiceSettings(service_name="submission", mongo_url="mongodb://127.0.0.1:1/"),
                 ROOT / "services" / "submission")
    r = APIRouter(prefix="/submission/api")

    @r.get("/bug")
    async def bug() -> None:
        raise RuntimeError("a bug")

    @r.post("/down")
    async def down() -> None:
        raise mongo_errors.ServerSelectionTimeoutError("no server")

    app = rt.create_app(title="t", routers=[r])
    return rt, app


async def test_a_bug_answers_a_json_500_and_an_outage_a_503_without_the_exception_leaving_the_app() -> None:
    rt, app = _app()
    rt.prepared.set()
    # raise_app_exceptions: an exception escaping the app (what made uvicorn drop the
    # connection, and nginx answer the next user with a 502) would fail this test.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=True),
                                 base_url="http://t") as client:
        r = await client.get("/submission/api/bug", headers={"x-correlation-id": "ref-123"})
        assert r.status_code == 500 and r.headers["content-type"].startswith("application/json")
        assert "ref-123" in r.json()["detail"] and "Ban tổ chức" in r.json()["detail"]
        r = await client.post("/submission/api/down?lang=en")
        assert r.status_code == 503 and r.headers["retry-after"] == "5" and "try again" in r.json()["detail"]
        r = await client.get("/submission/api/bug", headers={"accept": "text/html"})
        assert r.status_code == 500


async def test_until_its_store_has_answered_a_service_says_503_and_stays_live() -> None:
    _, app = _app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.get("/submission/api/bug")
        assert r.status_code == 503 and r.headers["retry-after"]
        assert (await client.get("/submission/health/live")).status_code == 200
