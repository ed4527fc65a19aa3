"""The event envelope every Kafka message carries, and the registry of typed payloads.

A payload class declares its event ``type``, schema ``version``, ``topic`` and which field is
the message key (the aggregate id), so producers cannot publish an event on the wrong topic
or with the wrong key, and consumers can turn the JSON back into the one typed model.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.logging import get_correlation_id


class EventPayload(BaseModel):
    """Base of every event payload: frozen, strict about unknown fields on the way out."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str]
    key_field: ClassVar[str]

    def key(self) -> str:
        return str(getattr(self, self.key_field))


_REGISTRY: dict[str, type[EventPayload]] = {}
P = TypeVar("P", bound=type[EventPayload])


def register(cls: P) -> P:
    """Class decorator: make a payload known to consumers by its event type."""
    if cls.event_type in _REGISTRY:
        raise ValueError(f"event type {cls.event_type} registered twice")
    _REGISTRY[cls.event_type] = cls
    return cls


def registry() -> dict[str, type[EventPayload]]:
    return dict(_REGISTRY)


def _now() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """What goes on the wire: metadata plus the payload as plain JSON."""

    model_config = ConfigDict(frozen=True)

    event_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    event_type: str
    schema_version: int
    occurred_at: datetime = Field(default_factory=_now)
    correlation_id: str
    producer: str
    key: str
    payload: dict[str, Any]

    @classmethod
    def wrap(cls, payload: EventPayload, *, producer: str, correlation_id: str | None = None) -> Envelope:
        return cls(
            event_type=payload.event_type,
            schema_version=payload.schema_version,
            correlation_id=correlation_id or get_correlation_id(),
            producer=producer,
            key=payload.key(),
            payload=payload.model_dump(mode="json"),
        )

    @property
    def topic(self) -> str:
        return payload_class(self.event_type).topic

    def typed(self) -> EventPayload:
        """The payload as its registered model; raises ``UnknownEvent`` or ``ValidationError``."""
        return payload_class(self.event_type).model_validate(self.payload)


class UnknownEvent(LookupError):
    pass


def payload_class(event_type: str) -> type[EventPayload]:
    try:
        return _REGISTRY[event_type]
    except KeyError:
        raise UnknownEvent(f"unknown event type {event_type!r}") from None


def decode(raw: bytes) -> tuple[Envelope, EventPayload]:
    """Parse raw Kafka bytes into the envelope and its typed payload (raises on any defect)."""
    env = Envelope.model_validate_json(raw)
    return env, env.typed()


__all__ = ["Envelope", "EventPayload", "UnknownEvent", "ValidationError", "decode", "register", "registry"]
