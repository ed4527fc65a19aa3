"""Every service serves an AsyncAPI 3 document, FastStream's own of the service's broker, whose
channels are the topics it reads and writes and whose payload schemas have their fields: the
consumer's subscriber lists the envelope of every event type it handles, and every topic it
writes has its declared publisher with the envelope of every event type on that topic."""

from __future__ import annotations

import json
from importlib import import_module

import pytest
from fastapi.testclient import TestClient

from shared.envelope import registry


@pytest.mark.parametrize("service", [
    "identity", "submission", "judging", "awards", "notifications", "adoption"])
def test_each_service_documents_its_topics_with_typed_payloads(service: str) -> None:
    app = import_module(f"services.{service}.app").build()
    r = TestClient(app).get(f"/{service}/api/asyncapi.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    doc = json.loads(r.text)
    assert doc["asyncapi"].startswith("3.")
    addresses = {c["address"] for c in doc["channels"].values()}
    produced = {c.topic for c in registry().values() if c.topic.split(".")[0] == service}
    assert produced <= addresses  # every topic it writes...
    assert "identity.accounts" in addresses  # ...and what it reads (every service follows revocations)
    schemas = doc["components"]["schemas"]
    messages = doc["components"]["messages"]

    def envelopes(channel: dict) -> set[str]:
        """The envelope schemas a channel's message may carry."""
        ref = next(iter(channel["messages"].values()))["$ref"].rsplit("/", 1)[1]
        name = messages[ref]["payload"]["$ref"].rsplit("/", 1)[1]
        if name.endswith("Envelope"):
            return {name}  # one event type: the envelope itself
        body = schemas[name]
        body = body.get("items", body)  # the consumer's is a batch: a list of envelopes
        return {r["$ref"].rsplit("/", 1)[1] for r in body.get("oneOf", [body])}

    publishers = {c["address"]: envelopes(c) for k, c in doc["channels"].items() if k.endswith(":publish")}
    for topic in produced:
        on_topic = {f"{c.__name__}Envelope" for c in registry().values() if c.topic == topic}
        assert publishers.get(topic) == on_topic, f"{topic}: its publisher documents every event type on it"
    consumed = next(c for k, c in doc["channels"].items() if k.startswith(f"{service}:consume:"))
    assert "SessionsRevokedEnvelope" in envelopes(consumed), "every service follows revoked sessions"
    for name, schema in schemas.items():
        if name.endswith("Envelope"):
            fields = schema["properties"]
            assert {"event_id", "event_type", "occurred_at", "correlation_id", "key", "payload"} <= set(fields)
            payload = schemas[fields["payload"]["$ref"].rsplit("/", 1)[1]]
            assert payload.get("properties"), f"{name}: a payload without fields"
    assert any(n.endswith("Envelope") for n in schemas)
