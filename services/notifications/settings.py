"""Notifications' settings (prefix ``NOTIFICATIONS_``): the SMTP relay and the sending policy."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    deployment_fields: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.deployment_fields, "smtp_host", "smtp_port", "mail_from")

    service_name: str = "notifications"
    http_port: int = 8105
    mongo_db: str = "contest_notifications"
    kafka_group: str = "notifications"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="none", description="none (a local relay), starttls (port 587) or tls (port 465).")
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_s: float = 20.0
    mail_from: str = Field(default="Cổng sáng kiến CCHC <no-reply@sonoivu.example>",
                           description="The From header of every message.")
    template_dir: Path | None = Field(
        default=None, description="A directory of the province's own message templates, looked up before ours.")
    send_max_attempts: int = Field(default=10, description="Tries before a message is marked failed.")
    send_backoff_s: float = Field(default=30.0, description="Wait after the first failed try; doubles each time.")
    send_backoff_cap_s: float = Field(default=3600.0, description="The longest wait between two tries.")
    send_lease_s: float = Field(
        default=120.0, description="A message left 'sending' this long (its sender died) is sent again.")
    poll_s: float = Field(default=2.0, description="How often the sender looks for due messages when not woken.")
    digest_wait_s: float = Field(
        default=600.0, description="A judge's assignments are gathered this long into one e-mail.")
    max_event_age_days: float = Field(
        default=3.0, description="Older events update what the service knows but send nothing (a new deployment "
        "reading the history must not mail last season's news).")
