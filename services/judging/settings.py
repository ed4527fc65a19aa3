"""Judging's settings (prefix ``JUDGING_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class JudgingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="JUDGING_", extra="ignore")

    service_name: str = "judging"
    http_port: int = 8102
    mongo_db: str = "contest_judging"
    kafka_group: str = "judging"
    judges_per_entry: int = 3
    disagreement_threshold: float = 20.0
    reminder_days_before: int = Field(
        default=2, ge=0, description="Judges are reminded this many days before a round's deadline unless the "
        "organisers chose otherwise for the round (0: no automatic reminder).")
    reminder_tick_s: float = Field(
        default=60.0, gt=0, description="How often the reminder schedule looks for reminders that are due.")
