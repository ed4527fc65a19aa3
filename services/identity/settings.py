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
    # One-time links (services.identity.account_flows): how long each lives, and how often one is sent.
    reset_link_minutes: int = 60
    set_password_link_hours: int = 72
    verify_link_hours: int = 48
    # A client asking for reset links is refused past this (an office shares one address: generous);
    # one address gets at most this many reset mails whoever asks (the answer does not change).
    reset_requests_per_client: str = "30/15 minutes"
    reset_mails_per_address: str = "5/hour"
    verification_resends_per_account: str = "3/15 minutes;10/day"
