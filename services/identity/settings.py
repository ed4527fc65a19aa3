"""Identity's settings (prefix ``IDENTITY_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore")

    service_name: str = "identity"
    http_port: int = 8104
    mongo_db: str = "contest_identity"
    kafka_group: str = "identity"
    token_ttl_minutes: int = 480
    signin_max_failures: int = 5
    # Per client address the limit is far higher: a whole office often shares one address.
    signin_max_failures_per_ip: int = 100
    signin_slow_after_failures: int = 10
    signin_window_seconds: int = 900
