"""identity.accounts: who the people are; judging needs each judge's unit."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from shared import topics
from shared.envelope import EventPayload, register

Role = Literal["participant", "judge", "organiser", "coordinator"]  # coordinator: a unit's contact for adoption


class _Account(EventPayload):
    topic: ClassVar[str] = topics.ACCOUNTS.name
    key_field: ClassVar[str] = "account_id"

    account_id: str
    email: str
    full_name: str
    unit: str
    roles: list[Role]
    categories: list[str] = Field(default_factory=list, description="Fields a judge knows (lĩnh vực).")
    active: bool = True
    email_verified: bool = Field(default=True, description=(
        "The person proved they read this address (accounts made before verification existed count as verified)."))


@register
class AccountRegistered(_Account):
    event_type: ClassVar[str] = "AccountRegistered"

    invited: bool = Field(default=False, description=(
        "Made by an organiser, who had identity send a link to set a password: that mail is the welcome."))


@register
class AccountUpdated(_Account):
    event_type: ClassVar[str] = "AccountUpdated"


@register
class SessionsRevoked(EventPayload):
    """Tokens that must no longer be accepted, by any service: one token (``jti``: a sign-out) or
    every token issued before ``not_before`` (a password change, a deactivation). Services may
    forget the record after ``expires_at``, when those tokens would have expired anyway."""

    event_type: ClassVar[str] = "SessionsRevoked"
    topic: ClassVar[str] = topics.ACCOUNTS.name
    key_field: ClassVar[str] = "account_id"

    account_id: str
    jti: str | None = None
    not_before: datetime | None = None
    expires_at: datetime


class _AccountMail(EventPayload):
    """A one-time link identity asks to be mailed to one person. The link travels in the event
    (Kafka is internal); identity keeps only its token's hash."""

    topic: ClassVar[str] = topics.ACCOUNTS.name
    key_field: ClassVar[str] = "account_id"

    account_id: str
    email: str = Field(description="Where to send it (for a change of address: the new one).")
    full_name: str = ""
    link: str = Field(description="The one-time link (identity stores only its token's hash).")
    expires_at: datetime


@register
class PasswordResetRequested(_AccountMail):
    """A link to choose a password: someone asked (``purpose`` reset) or an organiser made the
    account (``purpose`` set)."""

    event_type: ClassVar[str] = "PasswordResetRequested"
    purpose: Literal["reset", "set"] = "reset"


@register
class EmailVerificationRequested(_AccountMail):
    """A link proving the person reads ``email``: at sign-up (``purpose`` signup) or before a new
    address takes effect (``purpose`` change)."""

    event_type: ClassVar[str] = "EmailVerificationRequested"
    purpose: Literal["signup", "change"] = "signup"


@register
class EmailChanged(EventPayload):
    """The account's address changed (after the new one was verified): the OLD address is told."""

    event_type: ClassVar[str] = "EmailChanged"
    topic: ClassVar[str] = topics.ACCOUNTS.name
    key_field: ClassVar[str] = "account_id"

    account_id: str
    old_email: str
    new_email: str
    full_name: str = ""


class UnitEntry(BaseModel):
    code: str
    name: str
    kind: str = ""
    headcount: int | None = None
    aliases: list[str] = Field(default_factory=list)


@register
class UnitDirectoryChanged(EventPayload):
    """The whole directory of the province's units after an organiser changed it (a few hundred
    lines): readers replace their copy when ``revision`` is newer."""

    event_type: ClassVar[str] = "UnitDirectoryChanged"
    topic: ClassVar[str] = topics.UNITS.name
    key_field: ClassVar[str] = "directory"

    directory: str = "units"
    revision: int
    units: list[UnitEntry]
