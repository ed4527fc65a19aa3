"""submission.authors: who wrote an entry, for the results page and certificates only."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from shared import topics
from shared.envelope import EventPayload, register


class Author(BaseModel):
    model_config = ConfigDict(frozen=True)
    full_name: str
    unit: str
    position: str = ""
    contribution_pct: int = 100


@register
class EntryAuthorsRecorded(EventPayload):
    event_type: ClassVar[str] = "EntryAuthorsRecorded"
    topic: ClassVar[str] = topics.AUTHORS.name
    key_field: ClassVar[str] = "entry_id"

    entry_id: str
    contest_id: str
    code: str
    owner_account_id: str
    title: str
    category: str
    unit: str
    summary: str
    authors: list[Author]
    submitted_at: datetime
