"""submission.contests: each change carries the whole contest, so readers keep a copy by upsert."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared import topics
from shared.envelope import EventPayload, register


class Category(BaseModel):
    model_config = ConfigDict(frozen=True)
    key: str
    name: str


class _Contest(EventPayload):
    topic: ClassVar[str] = topics.CONTESTS.name
    key_field: ClassVar[str] = "contest_id"

    contest_id: str
    code: str
    name: str
    issuing_body: str
    categories: list[Category]
    opens_at: datetime
    closes_at: datetime
    status: Literal["draft", "open", "closed"]
    max_coauthors: int
    revision: int
    # Added with the full contest set-up (issue 3); optional so older readers and events still fit.
    description: str = ""
    rules_text: str = ""
    eligible_groups: list[str] = Field(default_factory=list, description="Who may take part; empty = anyone.")
    allowed_types: list[str] = Field(default_factory=list, description="Attachment types, e.g. pdf, docx.")
    max_file_bytes: int = 0
    max_files: int = 0


@register
class ContestOpened(_Contest):
    event_type: ClassVar[str] = "ContestOpened"


@register
class ContestUpdated(_Contest):
    event_type: ClassVar[str] = "ContestUpdated"


@register
class ContestDeadlineExtended(_Contest):
    event_type: ClassVar[str] = "ContestDeadlineExtended"
    reason: str
    previous_closes_at: datetime | None = None


@register
class ContestClosed(_Contest):
    event_type: ClassVar[str] = "ContestClosed"


ContestSnapshot = ContestOpened | ContestUpdated | ContestDeadlineExtended | ContestClosed
"""Every contest event carries the whole contest: readers keep a copy from any of them."""
