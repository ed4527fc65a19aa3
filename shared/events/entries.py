"""submission.entries: what a judge needs to read and score, and nothing that names the authors.

``conflict_unit`` is the normalised unit key, used by judging only to keep judges away from
entries of their own unit; it is never shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared import topics
from shared.envelope import EventPayload, register


class AttachmentRef(BaseModel):
    model_config = ConfigDict(frozen=True)
    file_id: str
    filename: str
    content_type: str
    size: int
    download_path: str = Field(
        default="",
        description="Judge-facing download path on the gateway, signed and expiring; needs the judge role too.",
    )
    expires_at: datetime | None = None


class Sections(BaseModel):
    model_config = ConfigDict(frozen=True)
    current_situation: str
    solution: str
    novelty: str
    effectiveness: str
    applicability: str
    cost: str = ""


@register
class EntryBecameEligible(EventPayload):
    """Screening found the entry eligible: its deadline version goes to judging."""

    event_type: ClassVar[str] = "EntryBecameEligible"
    topic: ClassVar[str] = topics.ENTRIES.name
    key_field: ClassVar[str] = "entry_id"

    entry_id: str
    contest_id: str
    code: str
    title: str
    category: str
    sections: Sections
    attachments: list[AttachmentRef]
    version: int
    submitted_at: datetime
    conflict_unit: str


@register
class EntryWithdrawnFromJudging(EventPayload):
    """An entry judging holds must leave it (withdrawn or later found ineligible)."""

    event_type: ClassVar[str] = "EntryWithdrawnFromJudging"
    topic: ClassVar[str] = topics.ENTRIES.name
    key_field: ClassVar[str] = "entry_id"

    entry_id: str
    contest_id: str
    reason: str
