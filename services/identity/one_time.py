"""Rules of one-time links (password reset, setting a first password, proving an address).

The token is 256 random bits and travels only in the mail (and the event that asks for it);
identity stores its SHA-256, so a copy of the database opens no account. A fast hash is
enough: the token is random, not a password a person chose. A link is good once, until it
expires; using it is a compare-and-set on "not used yet and not expired" (``links.LinkStore``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

Purpose = Literal["reset", "set", "signup", "change"]
TOKEN_BYTES = 32  # ``secrets.token_urlsafe(32)``: 43 URL-safe characters


class LinkState(StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    """Whether ``token`` could be one of ours (anything else is answered without a lookup)."""
    return len(token) == 43 and all(c.isalnum() or c in "-_" for c in token) and token.isascii()


@dataclass(frozen=True, slots=True)
class LinkTimes:
    """How long each kind of link lives (settings)."""

    reset: timedelta
    set: timedelta
    verify: timedelta

    def ttl(self, purpose: Purpose) -> timedelta:
        return {"reset": self.reset, "set": self.set, "signup": self.verify, "change": self.verify}[purpose]


def state_of(used_at: datetime | None, expires_at: datetime, now: datetime) -> LinkState:
    """A stored link's state at ``now``: used wins over expired (the person did use it)."""
    if used_at is not None:
        return LinkState.USED
    if expires_at <= now:
        return LinkState.EXPIRED
    return LinkState.VALID


def link_path(purpose: Purpose, token: str) -> str:
    """Where the link leads: setting a password, or confirming an address."""
    return f"/identity/reset/{token}" if purpose in ("reset", "set") else f"/identity/verify/{token}"
