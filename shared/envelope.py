"""The event envelope every Kafka message carries, and the registry of typed payloads.

A payload class declares its event ``type``, schema ``version``, ``topic`` and which field is
the message key (the aggregate id), so producers cannot publish an event on the wrong topic
or with the wrong key, and consumers can turn the JSON back into the one typed model.

``Envelope`` is generic in its payload. ``Envelope`` alone (the payload as plain JSON) is what
the outbox stores and the relay sends, byte for byte what is already on the topics;
``Envelope[ContestOpened]`` is what ``decode`` returns and a handler receives: the same fields
and the same bytes, the payload typed. Each event type's envelope class (``envelope_class``)
fixes ``event_type`` to its literal, so a union of them is discriminated on it: the schema
FastStream documents for each subscriber and publisher.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from typing_extensions import TypeVar as DefaultTypeVar

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


# Covariant (an envelope is frozen): a handler of ``Envelope[EventPayload]`` may take any event.
# Plain ``Envelope`` is the wire form (its payload JSON, typed ``Any``), which code that only
# stores or forwards envelopes (outbox, inbox, relay) takes whatever their payload.
PayloadT = DefaultTypeVar("PayloadT", covariant=True, default=Any)
E = TypeVar("E", bound=EventPayload)


class Envelope(BaseModel, Generic[PayloadT]):
    """What goes on the wire: metadata plus the payload."""

    model_config = ConfigDict(frozen=True)

    event_id: str = Field(default_factory=lambda: uuid.uuid4().hex,
                          description="Unique per event; consumers drop a second delivery by it.")
    event_type: str
    schema_version: int
    occurred_at: datetime = Field(default_factory=_now)
    correlation_id: str = Field(description="The request or event that caused it, carried along.")
    producer: str = Field(description="The service that wrote it.")
    key: str = Field(description="The aggregate id: also the Kafka message key, so its events keep their order.")
    payload: PayloadT

    @staticmethod
    def wrap(payload: EventPayload, *, producer: str, correlation_id: str | None = None) -> Envelope:
        """The wire form of ``payload``, caused by the current request or event."""
        return Envelope(
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

    def typed(self) -> Envelope[EventPayload]:
        """This envelope with its payload as the registered model (the class ``envelope_class``
        gives); raises ``UnknownEvent`` or ``ValidationError``."""
        cls = payload_class(self.event_type)
        fields = {**self.__dict__, "payload": cls.model_validate(self.payload)}
        return envelope_class(cls).model_construct(self.model_fields_set, **fields)


class UnknownEvent(LookupError):
    pass


def payload_class(event_type: str) -> type[EventPayload]:
    try:
        return _REGISTRY[event_type]
    except KeyError:
        raise UnknownEvent(f"unknown event type {event_type!r}") from None


@cache
def envelope_class(cls: type[E]) -> type[Envelope[E]]:
    """``Envelope[cls]`` with ``event_type`` fixed to ``cls.event_type``, named ``<Payload>Envelope``
    (the name its schema has in each service's AsyncAPI document)."""
    literal: Any = Literal[cls.event_type]
    base: Any = Envelope[cls]  # type: ignore[valid-type]  # a payload class, known at run time
    model: Any = create_model(f"{cls.__name__}Envelope", __base__=base, __doc__=cls.__doc__,
                              event_type=(literal, ...))
    return cast("type[Envelope[E]]", model)


def decode(raw: bytes) -> Envelope[EventPayload]:
    """Parse raw Kafka bytes into the envelope of its registered payload (raises on any defect)."""
    return Envelope.model_validate_json(raw).typed()


__all__ = ["Envelope", "EventPayload", "UnknownEvent", "ValidationError", "decode", "envelope_class", "register",
           "registry"]
