"""Signing keys and tokens. The private key never leaves identity's database; the public part
is served as a JWKS so every other service verifies tokens on its own."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.identity.repositories import SigningKeyRepository


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SigningKey:
    def __init__(self, kid: str, private: Ed25519PrivateKey) -> None:
        self.kid = kid
        self.private = private
        self.public: Ed25519PublicKey = private.public_key()

    def jwk(self) -> dict[str, str]:
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": self.kid, "x": _b64(raw)}

    def issue(self, claims: dict[str, Any], *, issuer: str, audience: str, ttl: timedelta) -> str:
        # ``iat`` to the millisecond (a NumericDate may have a fraction, RFC 7519): a session ended
        # at a moment ends every token issued before it, even one issued in the same second, and a
        # sign-in just after it stays valid.
        now = datetime.now(UTC)
        body = {**claims, "iss": issuer, "aud": audience, "iat": round(now.timestamp(), 3), "nbf": int(now.timestamp()),
                "exp": now + ttl,
                "jti": uuid.uuid4().hex}
        return jwt.encode(body, self.private, algorithm="EdDSA", headers={"kid": self.kid})


async def load_or_create(keys: SigningKeyRepository) -> SigningKey:
    """The active key; the first instance to start creates it (the repository keeps the first)."""
    doc = await keys.active()
    if doc is None:
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        await keys.add_active({"kid": uuid.uuid4().hex[:16], "pem": pem.decode(), "created_at": datetime.now(UTC)})
        doc = await keys.active()
        assert doc is not None
    private_key = serialization.load_pem_private_key(doc["pem"].encode(), password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise RuntimeError("stored signing key is not Ed25519")
    return SigningKey(doc["kid"], private_key)
