"""Submission's settings (prefix ``SUBMISSION_``)."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class SubmissionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SUBMISSION_", extra="ignore")

    service_name: str = "submission"
    http_port: int = 8101
    mongo_db: str = "contest_submission"
    kafka_group: str = "submission"
    secret_key: str = "change-me"
    #: Entries at least this similar (shingle Jaccard) are flagged to screeners as possible copies.
    similarity_threshold: float = 0.5
    #: How long the signed attachment links judging receives stay valid.
    judge_link_days: int = 120
    max_upload_bytes: int = 15 * 1024 * 1024

    deployment_fields: ClassVar[tuple[str, ...]] = (*ServiceSettings.deployment_fields, "secret_key")

    @model_validator(mode="after")
    def _real_secret_in_production(self) -> Self:
        if self.environment == "production" and (self.secret_key == "change-me" or len(self.secret_key) < 16):
            raise ValueError("secret_key must be set to a random value of at least 16 characters in production")
        return self
