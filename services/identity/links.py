"""One-time links in identity's ``links`` collection, by the hash of their token.

A link is used with one compare-and-set on "not used yet" (``repositories.LinkRepository``),
after its expiry is checked here. Using one password link retires the
account's other open links of the same kind, so an older mail cannot undo a newer choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from services.identity.one_time import LinkState, LinkTimes, Purpose, link_path, new_token, state_of, token_hash
from services.identity.repositories import LinkRepository
from shared.mongo import Doc


@dataclass(frozen=True, slots=True)
class Issued:
    token: str
    url: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Link:
    account_id: str
    purpose: Purpose
    expires_at: datetime
    new_email: str | None = None

    @classmethod
    def from_doc(cls, doc: Doc) -> Link:
        return cls(doc["account_id"], doc["purpose"], _aware(doc["expires_at"]), doc.get("new_email"))


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


class LinkStore:
    def __init__(self, links: LinkRepository, times: LinkTimes, base_url: str) -> None:
        self.links = links
        self.times = times
        self.base = base_url.rstrip("/")

    async def issue(self, account_id: str, purpose: Purpose, *, new_email: str | None = None) -> Issued:
        token, now = new_token(), datetime.now(UTC)
        expires = now + self.times.ttl(purpose)
        doc: Doc = {"_id": token_hash(token), "account_id": account_id, "purpose": purpose, "created_at": now,
                    "expires_at": expires, "used_at": None}
        if new_email is not None:
            doc["new_email"] = new_email
        await self.links.add(doc)
        return Issued(token, f"{self.base}{link_path(purpose, token)}", expires)

    async def peek(self, token: str, purposes: tuple[Purpose, ...]) -> tuple[LinkState, Link | None]:
        """The link's state without using it (a page showing its form)."""
        doc = await self.links.get(token_hash(token))
        if doc is None or doc["purpose"] not in purposes:
            return LinkState.UNKNOWN, None
        return state_of(doc.get("used_at"), _aware(doc["expires_at"]), datetime.now(UTC)), Link.from_doc(doc)

    async def use(self, token: str, purposes: tuple[Purpose, ...]) -> tuple[LinkState, Link | None]:
        """Use the link once: ``VALID`` and the link for exactly one caller; otherwise why not.
        Expiry is checked on the read just before the compare-and-set on "not used yet"."""
        state, link = await self.peek(token, purposes)
        if state is not LinkState.VALID:
            return state, link
        used = await self.links.use(token_hash(token), datetime.now(UTC))
        return (LinkState.VALID, link) if used else (LinkState.USED, link)

    async def retire(self, account_id: str, purposes: tuple[Purpose, ...]) -> None:
        """Mark the account's other open links of these kinds used."""
        await self.links.retire(account_id, purposes, datetime.now(UTC))
