"""Awards' settings (prefix ``AWARDS_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import SecretServiceSettings


class AwardsSettings(SecretServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AWARDS_", extra="ignore")

    service_name: str = "awards"
    http_port: int = 8103
    mongo_db: str = "contest_awards"
    kafka_group: str = "awards"
