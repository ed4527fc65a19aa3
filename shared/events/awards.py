"""awards.results: the announced, official outcome."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from shared import topics
from shared.envelope import EventPayload, register


class Outcome(BaseModel):
    model_config = ConfigDict(frozen=True)
    entry_id: str
    rank: int
    tier_key: str | None
    tier_name: str | None
    official_total: float


@register
class ResultsAnnounced(EventPayload):
    event_type: ClassVar[str] = "ResultsAnnounced"
    topic: ClassVar[str] = topics.AWARDS.name
    key_field: ClassVar[str] = "contest_id"

    contest_id: str
    announced_at: datetime
    result_hash: str
    outcomes: list[Outcome]
