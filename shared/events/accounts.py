"""identity.accounts: who the people are; judging needs each judge's unit."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from shared import topics
from shared.envelope import EventPayload, register

Role = Literal["participant", "judge", "organiser"]


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


@register
class AccountRegistered(_Account):
    event_type: ClassVar[str] = "AccountRegistered"


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
