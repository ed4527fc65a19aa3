"""Adoption's settings (prefix ``ADOPTION_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class AdoptionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ADOPTION_", extra="ignore")

    service_name: str = "adoption"
    http_port: int = 8106
    mongo_db: str = "contest_adoption"
    kafka_group: str = "adoption"

    overdue_check_s: float = Field(default=3600.0, description="How often units past a plan's date are looked for.")
