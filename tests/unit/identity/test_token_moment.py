"""A session ended at a moment ends every token issued before it, even in the same second, and
none issued after it (tokens carry ``iat`` to the millisecond)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.identity.tokens import SigningKey
from shared.events.accounts import SessionsRevoked
from shared.revocations import Revocations


class _Records:
    """Where revocations are stored; this test reads only the in-memory rule."""

    async def update_one(self, *args: object, **kwargs: object) -> None:
        return None


def iat_of(key: SigningKey) -> float:
    token = key.issue({"sub": "acc-1"}, issuer="i", audience="a", ttl=timedelta(minutes=5))
    return float(jwt.decode(token, key.public, algorithms=["EdDSA"], audience="a")["iat"])


async def test_a_cut_off_within_one_second_splits_the_tokens_before_and_after() -> None:
    key = SigningKey("k1", Ed25519PrivateKey.generate())
    before = iat_of(key)
    await asyncio.sleep(0.01)
    cut = datetime.now(UTC)
    await asyncio.sleep(0.01)
    after = iat_of(key)
    revocations = Revocations(cast(Any, _Records()))
    await revocations.apply(SessionsRevoked(account_id="acc-1", not_before=cut, expires_at=cut + timedelta(hours=1)),
                            "evt-1")
    assert revocations.revoked("acc-1", None, before)
    assert not revocations.revoked("acc-1", None, after)
