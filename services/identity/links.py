"""One-time links in identity's ``links`` collection, by the hash of their token.

A link is used with one compare-and-set (``used_at`` absent, not expired); on FerretDB the
adapter checks that filter under the process's write gate. Using one password link retires the
account's other open links of the same kind, so an older mail cannot undo a newer choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from services.identity.one_time import LinkState, LinkTimes, Purpose, link_path, new_token, state_of, token_hash
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
    def __init__(self, db: AsyncDatabase[Doc], times: LinkTimes, base_url: str) -> None:
        self.links = db["links"]
        self.times = times
        self.base = base_url.rstrip("/")

    async def ensure_indexes(self) -> None:
        await self.links.create_index([("account_id", 1), ("purpose", 1)])

    async def issue(self, account_id: str, purpose: Purpose, *, new_email: str | None = None) -> Issued:
        token, now = new_token(), datetime.now(UTC)
        expires = now + self.times.ttl(purpose)
        doc: Doc = {"_id": token_hash(token), "account_id": account_id, "purpose": purpose, "created_at": now,
                    "expires_at": expires, "used_at": None}
        if new_email is not None:
            doc["new_email"] = new_email
        await self.links.insert_one(doc)
        return Issued(token, f"{self.base}{link_path(purpose, token)}", expires)

    async def peek(self, token: str, purposes: tuple[Purpose, ...]) -> tuple[LinkState, Link | None]:
        """The link's state without using it (a page showing its form)."""
        doc = await self.links.find_one({"_id": token_hash(token)})
        if doc is None or doc["purpose"] not in purposes:
            return LinkState.UNKNOWN, None
        return state_of(doc.get("used_at"), _aware(doc["expires_at"]), datetime.now(UTC)), Link.from_doc(doc)

    async def use(self, token: str, purposes: tuple[Purpose, ...]) -> tuple[LinkState, Link | None]:
        """Use the link once: ``VALID`` and the link for exactly one caller; otherwise why not.
        The compare-and-set's filter is ``{_id, used_at: None}`` only (what FerretDB's adapter
        checks under its write gate); expiry was checked on the read just before."""
        state, link = await self.peek(token, purposes)
        if state is not LinkState.VALID:
            return state, link
        res = await self.links.update_one({"_id": token_hash(token), "used_at": None},
                                          {"$set": {"used_at": datetime.now(UTC)}})
        return (LinkState.VALID, link) if res.modified_count == 1 else (LinkState.USED, link)

    async def retire(self, account_id: str, purposes: tuple[Purpose, ...]) -> None:
        """Mark the account's other open links of these kinds used."""
        await self.links.update_many({"account_id": account_id, "purpose": {"$in": list(purposes)}, "used_at": None},
                                     {"$set": {"used_at": datetime.now(UTC), "retired": True}})
