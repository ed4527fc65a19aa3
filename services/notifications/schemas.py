"""What notifications' API answers and accepts (``services.notifications.api``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from services.notifications.domain.kinds import Category
from shared.schemas import In, Out

Status = Literal["pending", "sending", "sent", "failed", "suppressed"]


class PreferencesIn(In):
    lang: Literal["vi", "en"] = Field(description="The language of the e-mails this person receives.")
    opted_out: list[Literal["submission", "judging", "results"]] = Field(
        default_factory=list, max_length=3, description="Categories turned off; account messages always go out.")


class PreferencesOut(Out):
    lang: str
    opted_out: list[str]
    email: str


class MailSummary(Out):
    id: str
    kind: str
    category: Category
    to_email: str
    to_name: str = ""
    lang: str
    subject: str
    status: Status
    attempts: int
    created_at: datetime
    sent_at: datetime | None = None
    last_error: str | None = None
    uncertain: bool = Field(default=False, description="Its sender died mid-send: one copy may have gone out before.")
    resend_of: str | None = None


class MailDetail(MailSummary):
    text: str = Field(description="Empty for messages holding a one-time link.")
    html: str = Field(description="Empty for messages holding a one-time link.")


class ResendIn(In):
    token: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                       description="One per form or request: a repeated request with it sends one copy.")


class ResendOut(Out):
    id: str = Field(description="The copy's id.")
