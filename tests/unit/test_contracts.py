"""The event contracts: every payload is registered once, lives on a declared topic, has its
key field, and survives the envelope round trip."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

import shared.events  # noqa: F401
from shared import topics
from shared.envelope import Envelope, UnknownEvent, decode, envelope_class, payload_class, registry
from shared.events.accounts import AccountRegistered
from shared.events.entries import EntryBecameEligible, Sections

PLATFORM_TOPICS = {t.name for t in topics.ALL}


@pytest.mark.parametrize("event_type", sorted(t for t, c in registry().items() if c.topic in PLATFORM_TOPICS))
def test_every_payload_is_on_a_declared_topic_with_its_key(event_type: str) -> None:
    cls = payload_class(event_type)
    assert cls.topic in PLATFORM_TOPICS
    assert cls.key_field in cls.model_fields, f"{event_type} has no field {cls.key_field}"
    declared_key = next(t.key for t in topics.ALL if t.name == cls.topic)
    assert cls.key_field == declared_key, f"{event_type} must be keyed like its topic ({declared_key})"


def test_envelope_round_trip_keeps_metadata_and_types() -> None:
    payload = AccountRegistered(account_id="a1", email="x@y.vn", full_name="Nguyễn Thị Hoa", unit="Sở Tư pháp",
                                roles=["judge"])
    env = Envelope.wrap(payload, producer="identity", correlation_id="c-1")
    raw = env.model_dump_json().encode()
    back = decode(raw)
    assert isinstance(back.payload, AccountRegistered) and back.payload == payload
    assert back.model_dump(mode="json") == env.model_dump(mode="json")
    assert back.model_dump_json().encode() == raw, "the typed envelope is the same bytes on the wire"
    assert (back.key, back.topic, back.schema_version, back.producer) == ("a1", "identity.accounts", 1, "identity")
    assert type(back) is envelope_class(AccountRegistered) and back.event_type == "AccountRegistered"


def test_blind_entry_carries_no_author_identity() -> None:
    fields = set(EntryBecameEligible.model_fields)
    assert not fields & {"author", "authors", "owner_id", "owner_name", "email", "full_name", "unit"}
    assert "conflict_unit" in fields
    e = EntryBecameEligible(entry_id="e", contest_id="c", code="SK-1", title="t", category="tthc",
                            sections=Sections(current_situation="a", solution="b", novelty="c", effectiveness="d",
                                              applicability="e"),
                            attachments=[], version=1, submitted_at=datetime.now(UTC), conflict_unit="ubnd xã a")
    assert e.key() == "e"


def test_unknown_and_malformed_messages_are_refused() -> None:
    with pytest.raises(UnknownEvent):
        payload_class("NoSuchEvent")
    with pytest.raises(ValidationError):
        decode(b"{not json")
    good = Envelope.wrap(AccountRegistered(account_id="a", email="e", full_name="n", unit="u", roles=["judge"]),
                         producer="p").model_dump()
    good["payload"]["roles"] = ["emperor"]
    with pytest.raises(ValidationError):
        decode(Envelope(**good).model_dump_json().encode())


def test_dead_letter_topics_are_declared_for_every_service() -> None:
    names = {t.name for t in topics.all_topics()}
    assert {f"dlq.{s}" for s in topics.SERVICES} <= names
    assert len(names) == len(topics.all_topics())
