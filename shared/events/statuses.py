"""submission.statuses: entry lifecycle facts other services count (participation statistics)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from shared import topics
from shared.envelope import EventPayload, register

EntryStatus = Literal["submitted", "withdrawn", "eligible", "ineligible"]


@register
class EntryStatusChanged(EventPayload):
    event_type: ClassVar[str] = "EntryStatusChanged"
    topic: ClassVar[str] = topics.STATUSES.name
    key_field: ClassVar[str] = "entry_id"

    entry_id: str
    contest_id: str
    category: str
    unit: str
    status: EntryStatus
    reason: str = ""
    at: datetime
    # Who to tell and what the receipt says (notifications). Never consumed by judging, which is blind.
    owner_account_id: str = Field(default="", description="The participant who owns the entry.")
    code: str = Field(default="", description="The entry's receipt code (mã hồ sơ).")
    title: str = Field(default="", description="The initiative's title when the status changed.")
    # Added with issue 15 (optional, so older readers and events still fit): the season report's
    # participation by author group. Empty when the contest asks for none.
    author_group: str = Field(default="", description="The author group the entry declared (đối tượng dự thi).")
