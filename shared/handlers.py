"""Typed registration of event handlers: ``on(ContestOpened, ContestUpdated)(handler)``.

A handler takes the typed envelope (``shared.envelope.Envelope[P]``) of the events it is
registered for, and ``on`` ties the two together for mypy: the handler's parameter must accept
the union of the payload types named (``Envelope[ContestOpened | ContestUpdated]``, or anything
wider), so a handler annotated for one type but registered for four no longer type-checks.
``on_batch`` does the same for a handler that takes a run of consecutive events of its types at
once (``shared.broker.Consumer`` explains when that pays).

The consumer dispatches on the registered types' ``event_type`` strings; the route keeps the
handler with its parameter type erased, which ``on`` has already checked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from shared.envelope import Envelope, EventPayload

A = TypeVar("A", bound=EventPayload)
B = TypeVar("B", bound=EventPayload)
C = TypeVar("C", bound=EventPayload)
D = TypeVar("D", bound=EventPayload)
P = TypeVar("P", bound=EventPayload)

Handler = Callable[[Envelope[P]], Awaitable[None]]
BatchHandler = Callable[[Sequence[Envelope[P]]], Awaitable[None]]


@dataclass(frozen=True)
class Route:
    """Event types and the one handler for them (``handle`` one at a time, or ``handle_batch``)."""

    types: tuple[type[EventPayload], ...]
    handle: Callable[[Envelope[Any]], Awaitable[None]] | None = None
    handle_batch: Callable[[Sequence[Envelope[Any]]], Awaitable[None]] | None = None

    @property
    def name(self) -> str:
        fn = self.handle or self.handle_batch
        return getattr(fn, "__qualname__", repr(fn))


def payload_to(use_case: Callable[[P], Awaitable[None]]) -> Handler[P]:
    """A handler that passes the payload on: ``on(EntryRoundScored)(payload_to(svc.on_scored))``
    (the use case's parameter type must take every type routed to it)."""

    async def handle(env: Envelope[P]) -> None:
        await use_case(env.payload)

    handle.__qualname__ = getattr(use_case, "__qualname__", handle.__qualname__)
    return handle


def _checked(types: tuple[type[EventPayload], ...]) -> tuple[type[EventPayload], ...]:
    if not types:
        raise TypeError("a route names at least one event type")
    if len({t.event_type for t in types}) != len(types):
        raise TypeError(f"an event type named twice: {[t.event_type for t in types]}")
    return types


@overload
def on(t1: type[A], /) -> Callable[[Handler[A]], Route]: ...
@overload
def on(t1: type[A], t2: type[B], /) -> Callable[[Handler[A | B]], Route]: ...
@overload
def on(t1: type[A], t2: type[B], t3: type[C], /) -> Callable[[Handler[A | B | C]], Route]: ...
@overload
def on(t1: type[A], t2: type[B], t3: type[C], t4: type[D], /) -> Callable[[Handler[A | B | C | D]], Route]: ...


def on(*types: type[EventPayload]) -> Callable[[Handler[Any]], Route]:
    """Register ``handler`` for ``types``, handled one event at a time, in order."""
    named = _checked(types)

    def register(handler: Handler[Any]) -> Route:
        return Route(named, handle=handler)

    return register


@overload
def on_batch(t1: type[A], /) -> Callable[[BatchHandler[A]], Route]: ...
@overload
def on_batch(t1: type[A], t2: type[B], /) -> Callable[[BatchHandler[A | B]], Route]: ...


def on_batch(*types: type[EventPayload]) -> Callable[[BatchHandler[Any]], Route]:
    """Register ``handler`` for runs of consecutive events of ``types`` (in order)."""
    named = _checked(types)

    def register(handler: BatchHandler[Any]) -> Route:
        return Route(named, handle_batch=handler)

    return register
