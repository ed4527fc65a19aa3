"""What identity's use cases ask of storage, one protocol per aggregate, in the use cases' terms.

``mongo_repositories`` implements them on the service's collections (``store.IdentityStore``:
filters, projections, the outbox inside the written document), ``memory_repositories`` in memory
for use-case tests that run without servers. Passwords arrive hashed and tokens as their hash:
hashing, expiry and the rules of who may do what stay in the use cases (``accounts``, ``links``,
``account_flows``, ``service``).

An account's e-mail is unique: a creation or a change that would give a second account the same
address answers ``False`` and stores nothing. A one-time link is used by a compare-and-set on
"not used yet", so exactly one caller uses it. The unit directory is replaced whole by a
compare-and-set on its revision. Events are stored with the change that causes them, never
without it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.envelope import Envelope
from shared.mongo import Doc


class AccountRepository(Protocol):
    """Accounts by id, with a unique e-mail. What is read never carries the outbox, and only
    ``credentials`` carries the password hash."""

    async def get(self, account_id: str) -> Doc | None: ...

    async def by_email(self, email: str) -> Doc | None:
        """The account with this (normalised) address."""

    async def credentials(self, email: str) -> Doc | None:
        """The account with this (normalised) address, with its ``password_hash``."""

    async def listing(self, role: str | None = None) -> list[Doc]:
        """Every account (holding ``role``, if given), by e-mail."""

    async def create(self, account: Doc, events: Sequence[Envelope]) -> bool:
        """Insert with its events; ``False`` (nothing stored) if its id or e-mail is taken."""

    async def save(self, account_id: str, changes: Doc, events: Sequence[Envelope]) -> bool:
        """Set ``changes`` on the account with ``events``; ``False`` (nothing stored) if there is
        no such account or ``changes`` gives it an e-mail another account has."""


class UnitDirectoryRepository(Protocol):
    """The province's unit directory: one record, replaced whole."""

    async def load(self) -> Doc | None:
        """``{revision, units, updated_at, updated_by}``, or ``None`` before the first save."""

    async def replace(self, revision: int, directory: Doc, events: Sequence[Envelope]) -> bool:
        """Compare-and-set on ``revision`` (0: none stored yet): store ``directory`` (its own new
        ``revision`` included) with ``events``; ``False`` if someone saved meanwhile."""


class LinkRepository(Protocol):
    """One-time links by the hash of their token."""

    async def add(self, link: Doc) -> None:
        """Store a new link (``_id``: the token's hash; ``used_at`` ``None``)."""

    async def get(self, token_hash: str) -> Doc | None: ...

    async def use(self, token_hash: str, at: datetime) -> bool:
        """Compare-and-set on "not used yet": ``True`` for exactly one caller."""

    async def retire(self, account_id: str, purposes: Collection[str], at: datetime) -> None:
        """Mark the account's open links of these purposes used (``retired``)."""


class SigningKeyRepository(Protocol):
    """The active signing key (its private part never leaves identity's database)."""

    async def active(self) -> Doc | None: ...

    async def add_active(self, key: Doc) -> bool:
        """Store the first active key; ``False`` (nothing stored) if another instance did first."""


@dataclass(frozen=True)
class IdentityRepositories:
    """Everything identity stores, one repository per aggregate."""

    accounts: AccountRepository
    units: UnitDirectoryRepository
    links: LinkRepository
    keys: SigningKeyRepository
