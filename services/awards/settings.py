"""Awards' settings (prefix ``AWARDS_``)."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class AwardsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AWARDS_", extra="ignore")

    service_name: str = "awards"
    http_port: int = 8103
    mongo_db: str = "contest_awards"
    kafka_group: str = "awards"
    secret_key: str = "change-me"

    deployment_fields: ClassVar[tuple[str, ...]] = (*ServiceSettings.deployment_fields, "secret_key")

    @model_validator(mode="after")
    def _real_secret_in_production(self) -> Self:
        if self.environment == "production" and (self.secret_key == "change-me" or len(self.secret_key) < 16):
            raise ValueError("secret_key must be set to a random value of at least 16 characters in production")
        return self
