"""Identity's pure rules and the token round trip every service relies on."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from services.identity.domain import SignInPolicy, normalise_email, password_problems
from services.identity.tokens import SigningKey
from shared.auth import AuthError, JWKSCache, TokenVerifier

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def test_weak_passwords_are_refused_with_a_reason() -> None:
    assert password_problems("ngắn", "a@b.vn") == "Mật khẩu cần ít nhất 10 ký tự."
    assert password_problems("nguyenvana-2026", "NguyenVanA@so.vn") == "Mật khẩu không được chứa tên đăng nhập."
    assert password_problems("Một câu mật khẩu dài", "a@b.vn") is None


def test_email_is_case_and_space_insensitive() -> None:
    assert normalise_email("  BTC@SoNoiVu.GOV.vn ") == "btc@sonoivu.gov.vn"


@given(failures=st.integers(0, 10_000))
def test_failures_on_an_account_only_slow_it_and_never_for_long(failures: int) -> None:
    p = SignInPolicy()
    delay = p.delay(failures)
    assert 0 <= delay <= p.max_delay
    assert (delay == 0) == (failures < p.slow_after)
    assert delay <= p.delay(failures + 1), "more failures never wait less"


def _verifier(key: SigningKey) -> TokenVerifier:
    cache = JWKSCache("http://127.0.0.1:1/unused")
    cache.add_local(key.kid, jwt.PyJWK.from_dict(key.jwk()).key)
    return TokenVerifier(cache, issuer="contest-identity", audience="contest-platform")


async def test_a_token_verifies_against_the_published_jwk_only() -> None:
    key = SigningKey("k1", Ed25519PrivateKey.generate())
    claims = {"sub": "a1", "email": "gk@so.vn", "name": "Trần Văn Bình", "unit": "Sở Tư pháp", "roles": ["judge", "x"]}
    token = key.issue(claims, issuer="contest-identity", audience="contest-platform", ttl=timedelta(minutes=5))
    who = await _verifier(key).verify(token)
    assert (who.account_id, who.full_name, who.unit) == ("a1", "Trần Văn Bình", "Sở Tư pháp")
    assert who.roles == frozenset({"judge"}), "unknown roles are dropped"

    other = SigningKey("k1", Ed25519PrivateKey.generate())  # same kid, different key: a forgery
    forged = other.issue({**claims, "roles": ["organiser"]}, issuer="contest-identity", audience="contest-platform",
                         ttl=timedelta(minutes=5))
    with pytest.raises(AuthError):
        await _verifier(key).verify(forged)


@pytest.mark.parametrize("issuer,audience,ttl", [
    ("someone-else", "contest-platform", timedelta(minutes=5)),
    ("contest-identity", "another-app", timedelta(minutes=5)),
    ("contest-identity", "contest-platform", timedelta(minutes=-1)),
])
async def test_wrong_issuer_audience_or_expired_tokens_are_refused(issuer: str, audience: str,
                                                                    ttl: timedelta) -> None:
    key = SigningKey("k2", Ed25519PrivateKey.generate())
    token = key.issue({"sub": "a", "roles": ["organiser"]}, issuer=issuer, audience=audience, ttl=ttl)
    with pytest.raises(AuthError):
        await _verifier(key).verify(token)


async def test_unsigned_tokens_are_refused() -> None:
    key = SigningKey("k3", Ed25519PrivateKey.generate())
    token = jwt.encode({"sub": "a", "roles": ["organiser"], "iss": "contest-identity", "aud": "contest-platform",
                        "exp": datetime.now(UTC) + timedelta(minutes=5)}, key=None, algorithm="none",
                       headers={"kid": "k3"})
    with pytest.raises(AuthError):
        await _verifier(key).verify(token)


async def test_remembered_tokens_expire_with_the_token_and_forgeries_are_never_remembered() -> None:
    key = SigningKey("k4", Ed25519PrivateKey.generate())
    verifier = _verifier(key)
    token = key.issue({"sub": "a4", "roles": ["participant"]}, issuer="contest-identity",
                      audience="contest-platform", ttl=timedelta(seconds=2))
    assert (await verifier.verify(token)).account_id == "a4"
    assert (await verifier.verify(token)).account_id == "a4"  # answered from memory

    await asyncio.sleep(max(0.0, int(time.time()) + 3 - time.time()))  # past its exp (whole seconds)
    with pytest.raises(AuthError):
        await verifier.verify(token)

    forged = SigningKey("k4", Ed25519PrivateKey.generate()).issue(
        {"sub": "a4", "roles": ["organiser"]}, issuer="contest-identity", audience="contest-platform",
        ttl=timedelta(minutes=5))
    for _ in range(2):
        with pytest.raises(AuthError):
            await verifier.verify(forged)
