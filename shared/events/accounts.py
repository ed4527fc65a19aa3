"""identity.accounts: who the people are; judging needs each judge's unit."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

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
