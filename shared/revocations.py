"""Revoked tokens, as every service knows them from identity's ``SessionsRevoked`` events.

Tokens are verified locally (``shared.auth``), so a sign-out has to reach every service: identity
publishes the revocation, each service's consumer stores it in its own database (so a restart
keeps it) and in memory (so checking a request costs two dictionary lookups). A record is kept
only until the tokens it revokes would have expired.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.asynchronous.collection import AsyncCollection

from shared.events.accounts import SessionsRevoked
from shared.mongo import Doc


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


class Revocations:
    def __init__(self, records: AsyncCollection[Doc]) -> None:
        self.records = records
        self._tokens: dict[str, datetime] = {}  # jti -> when it may be forgotten
        self._accounts: dict[str, tuple[datetime, datetime]] = {}  # account -> (not_before, forget after)

    def _remember(self, e: SessionsRevoked) -> None:
        until = _aware(e.expires_at)
        if e.jti:
            self._tokens[e.jti] = until
        if e.not_before is not None:
            before = self._accounts.get(e.account_id)
            nb = _aware(e.not_before)
            if before is None or before[0] < nb:
                self._accounts[e.account_id] = (nb, until)

    async def load(self) -> None:
        now = datetime.now(UTC)
        async for d in self.records.find({}):
            e = SessionsRevoked.model_validate(d["event"])
            if _aware(e.expires_at) > now:
                self._remember(e)

    async def apply(self, e: SessionsRevoked, event_id: str) -> None:
        """Store (idempotently, by event id) and remember a revocation."""
        self._remember(e)
        await self.records.update_one({"_id": event_id}, {"$setOnInsert": {"event": e.model_dump(mode="json")}},
                                      upsert=True)

    def revoked(self, account_id: str, jti: str | None, issued_at: float | None) -> bool:
        if jti is not None and jti in self._tokens:
            return True
        cut = self._accounts.get(account_id)
        if cut is None:
            return False
        return issued_at is None or issued_at < cut[0].timestamp()

    def prune(self) -> None:
        now = datetime.now(UTC)
        self._tokens = {k: v for k, v in self._tokens.items() if v > now}
        self._accounts = {k: v for k, v in self._accounts.items() if v[1] > now}
