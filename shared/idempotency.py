"""Idempotency keys: a retried creation returns what the first request created.

A client that did not get an answer (a lost connection, a 502, a crash before the reply) cannot
know whether its creation happened. With an ``Idempotency-Key`` header the new record's id is
derived from the caller, the scope and the key, so the store's unique ``_id`` refuses a second
copy whatever happened in between, even across a crash of the service; the retry then finds the
first record and returns it. Deriving the id, rather than remembering responses, needs no
second write that could be lost.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Header

HEADER = "Idempotency-Key"
_NAMESPACE = uuid.UUID("7d1b7a52-9f2e-4f0e-8a53-5b8c0f6c2a11")

IdempotencyKey = Annotated[
    str | None,
    Header(alias=HEADER, min_length=8, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$",
           description="A value the client makes up for one creation (e.g. a UUID) and sends again with every "
                       "retry of it: the retry returns what the first request created instead of a second copy."),
]


def derived_id(scope: str, owner: str, key: str, *, length: int = 32) -> str:
    """The id a creation gets for ``key``: the same for every retry of one owner's request."""
    return uuid.uuid5(_NAMESPACE, f"{scope}\n{owner}\n{key}").hex[:length]
