"""Judging's settings (prefix ``JUDGING_``)."""

from __future__ import annotations

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
