"""The outbox of in-memory repositories (use-case tests run in process, without servers).

A MongoDB repository writes a change's events inside the changed document in the same write
(``shared.outbox``); an in-memory one records them here in the same step, and only when the
change happened (a compare-and-set that missed records nothing). ``take`` hands them over as
the relay would publish them: in order, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from shared.envelope import Envelope, EventPayload

P = TypeVar("P", bound=EventPayload)


class MemoryOutbox:
    def __init__(self) -> None:
        self.events: list[Envelope] = []
        self._taken = 0

    def add(self, events: Iterable[Envelope]) -> None:
        self.events.extend(events)

    def take(self) -> list[Envelope]:
        """The events recorded since the last ``take``, oldest first."""
        out = self.events[self._taken:]
        self._taken = len(self.events)
        return out

    def payloads(self, kind: type[P]) -> list[P]:
        """Every recorded event of one kind, as its typed payload."""
        return [kind.model_validate(e.payload) for e in self.events if e.event_type == kind.event_type]
