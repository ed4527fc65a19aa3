"""Token checks every service does locally, against the identity provider's published JWKS.

Identity (or, by configuration, an external OpenID Connect provider) signs EdDSA tokens; a
service fetches the JWKS once, caches it, and fetches again only for an unknown key id, so
verifying a request never calls another service. Pages read the token from the HttpOnly
cookie, API clients send it as a Bearer header.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import httpx
import jwt
import structlog
from cachetools import LRUCache
from fastapi import Request

from shared.errors import Forbidden, NotSignedIn
from shared.revocations import Revocations
from shared.web.i18n import N_

log = structlog.get_logger(__name__)

COOKIE_NAME = "contest_token"
ROLES = ("participant", "judge", "organiser", "coordinator")
VERIFIED_CACHE = 10_000  # tokens remembered as verified (a few MB at most)


@dataclass(frozen=True)
class Principal:
    account_id: str
    email: str
    full_name: str
    unit: str
    roles: frozenset[str] = field(default_factory=frozenset)
    #: OpenID Connect's ``email_verified`` claim; a token without it (an older token, a provider
    #: that does not say) counts as verified.
    email_verified: bool = True

    def has(self, role: str) -> bool:
        return role in self.roles


class AuthError(Exception):
    pass


class JWKSCache:
    """Public keys by key id, refreshed on a miss at most every ``min_refresh`` seconds."""

    def __init__(self, url: str, *, min_refresh: float = 10.0) -> None:
        self._url = url
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._min_refresh = min_refresh
        self._lock = asyncio.Lock()

    def add_local(self, kid: str, key: Any) -> None:
        """Let the issuer verify its own tokens without fetching its own JWKS."""
        self._keys[kid] = key

    async def key(self, kid: str) -> Any:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at > self._min_refresh:
                await self._refresh()
        if kid not in self._keys:
            raise AuthError("unknown signing key")
        return self._keys[kid]

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                resp = await client.get(self._url)
                resp.raise_for_status()
                doc = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("auth.jwks_fetch_failed", url=self._url, error=str(exc))
            return
        for jwk in doc.get("keys", []):
            try:
                self._keys[jwk["kid"]] = jwt.PyJWK.from_dict(jwk).key
            except (KeyError, jwt.PyJWKError) as exc:
                log.warning("auth.jwk_skipped", error=str(exc))


class _Verified(NamedTuple):
    exp: float
    principal: Principal
    jti: str | None
    iat: float | None


class TokenVerifier:
    def __init__(self, jwks: JWKSCache, *, issuer: str, audience: str, roles_claim: str = "roles",
                 unit_claim: str = "unit", revocations: Revocations | None = None,
                 max_lifetime_s: float | None = None) -> None:
        self.jwks = jwks
        self._issuer = issuer
        self._audience = audience
        self._roles_claim = roles_claim
        self._unit_claim = unit_claim
        self._revocations = revocations
        self._max_lifetime = max_lifetime_s
        self._verified: LRUCache[str, _Verified] = LRUCache(maxsize=VERIFIED_CACHE)

    async def verify(self, token: str) -> Principal:
        """The token's principal. A token already verified is answered from memory until it
        expires (a signature check is the largest cost of a small request); revocations (a
        sign-out, a password change) are checked every time."""
        hit = self._verified.get(token)  # a hit is now the most recently used
        if hit is None or hit.exp <= time.time():
            hit = await self._verify(token)
            self._verified[token] = hit  # the least recently used goes when it is full
        if self._revocations is not None and self._revocations.revoked(hit.principal.account_id, hit.jti, hit.iat):
            raise AuthError("the token was revoked")
        return hit.principal

    def cached(self, token: str) -> _Verified | None:
        return self._verified.get(token)

    async def _verify(self, token: str) -> _Verified:
        try:
            header = jwt.get_unverified_header(token)
            key = await self.jwks.key(str(header.get("kid", "")))
            claims = jwt.decode(
                token,
                key=key,
                algorithms=["EdDSA", "RS256"],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except (jwt.PyJWTError, AuthError) as exc:
            raise AuthError(str(exc)) from exc
        exp, iat = float(claims["exp"]), float(claims["iat"])
        if self._max_lifetime is not None and exp - iat > self._max_lifetime:
            raise AuthError("the token lives longer than this platform accepts")
        jti = claims.get("jti")
        roles = claims.get(self._roles_claim, [])
        principal = Principal(
            account_id=str(claims["sub"]),
            email=str(claims.get("email", "")),
            full_name=str(claims.get("name", "")),
            unit=str(claims.get(self._unit_claim, "")),
            roles=frozenset(r for r in roles if r in ROLES) if isinstance(roles, list) else frozenset(),
            email_verified=claims.get("email_verified") is not False,
        )
        return _Verified(exp, principal, str(jti) if jti is not None else None, iat)


def _token_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE_NAME)


MSG_SIGN_IN = N_("Bạn cần đăng nhập.")  # 401 for APIs; pages send the browser to the sign-in page (shared.app)
MSG_NOT_ALLOWED = N_("Bạn không có quyền thực hiện thao tác này.")


class Auth:
    """FastAPI dependencies bound to one verifier."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier

    async def optional_user(self, request: Request) -> Principal | None:
        cached = getattr(request.state, "principal", None)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        token = _token_from(request)
        if not token:
            return None
        try:
            principal = await self.verifier.verify(token)
        except AuthError as exc:
            log.info("auth.token_rejected", error=str(exc))
            return None
        request.state.principal = principal
        return principal

    async def session(self, request: Request) -> _Verified | None:
        """The request's verified token (principal, ``jti``, times), for signing it out."""
        token = _token_from(request)
        if not token:
            return None
        try:
            await self.verifier.verify(token)
        except AuthError:
            return None
        return self.verifier.cached(token)

    async def user(self, request: Request) -> Principal:
        principal = await self.optional_user(request)
        if principal is None:
            raise NotSignedIn(MSG_SIGN_IN)
        return principal

    def role(self, *roles: str) -> Callable[[Request], Awaitable[Principal]]:
        """Dependency: the signed-in user, who must hold one of ``roles``."""

        async def dependency(request: Request) -> Principal:
            principal = await self.user(request)
            if not any(principal.has(r) for r in roles):
                raise Forbidden(MSG_NOT_ALLOWED)
            return principal

        return dependency
