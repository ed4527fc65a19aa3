"""Service settings: one pydantic-settings class per service, each with its own env prefix.

Every service reads only its own prefixed variables (``SUBMISSION_MONGO_URL``...), so one
machine can run all four with different databases and consumer groups, and the compose file
can be checked against the variables each service declares.
"""

from __future__ import annotations

from typing import ClassVar, Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.mongo import Store


class ServiceSettings(BaseSettings):
    """What every service needs; subclasses set ``env_prefix`` and their defaults."""

    model_config = SettingsConfigDict(extra="ignore")

    #: Fields every deployment must set explicitly (checked against docker-compose.yml by a test);
    #: the other fields are tunables whose defaults are right everywhere.
    deployment_fields: ClassVar[tuple[str, ...]] = (
        "environment", "http_host", "http_port", "mongo_url", "mongo_db", "store", "kafka_bootstrap", "kafka_group",
        "jwks_url", "public_base_url",
    )

    service_name: str = "service"
    environment: Literal["development", "production", "test"] = "development"
    log_level: str = "INFO"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    public_base_url: str = Field(
        default="http://127.0.0.1:8080", description="Origin of the gateway, used in links and certificates."
    )
    mongo_url: str = "mongodb://127.0.0.1:27017/"
    mongo_db: str = "contest"
    store: Store = Field(
        default="mongodb", description="What ``mongo_url`` points at: ``mongodb`` (the plain path, several replicas "
        "per service) or ``ferretdb`` (1.24, SQLite; every workaround in ``shared.ferretdb``, one process per "
        "service and database). The local runner sets ``ferretdb``.")
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_group: str = "contest"
    jwks_url: str = Field(
        default="http://127.0.0.1:8104/identity/.well-known/jwks.json",
        description="Where the token-signing public keys are published (identity or an external OIDC provider).",
    )
    jwt_issuer: str = "contest-identity"
    jwt_audience: str = "contest-platform"
    signin_url: str = Field(
        default="/identity/signin", description="Where pages send people to sign in (an external IdP's, if configured)."
    )
    jwt_roles_claim: str = Field(default="roles", description="Claim holding the platform roles in an external token.")
    jwt_unit_claim: str = Field(default="unit", description="Claim holding the person's unit (đơn vị công tác).")
    jwt_max_lifetime_minutes: int = Field(
        default=600, description="Tokens whose exp - iat is longer are refused, however well signed.")
    cookie_secure: bool | None = Field(
        default=None, description="Send the sign-in cookie over HTTPS only; unset: on in production, off elsewhere.")
    relay_interval_ms: int = 200
    relay_rescan_s: float = Field(
        default=300.0, description="How often the relay scans for events no write hint announced (safety net)."
    )
    view_fresh_wait_s: float = Field(
        default=0.25, description="How long an organiser's page waits for a summary being recomputed after a "
        "change before it shows the previous one, marked with its time (``shared.view_cache``).")
    view_max_age_s: float = Field(
        default=30.0, description="Summaries are recomputed at least this often (changes by other replicas).")
    consumer_max_attempts: int = Field(
        default=5, description="Tries of an event whose handler fails for a reason other than a dependency being "
        "down, before it is dead-lettered.")

    @property
    def mongo_serialise_writes(self) -> bool:
        """Whether the database needs FerretDB's adapter (what ``shared.mongo.database`` is given)."""
        return self.store == "ferretdb"

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else self.environment == "production"

    @property
    def dev(self) -> bool:
        return self.environment != "production"


class SecretServiceSettings(ServiceSettings):
    """A service that signs things (receipt codes, download links, certificate codes) with its own key."""

    secret_key: str = "change-me"

    deployment_fields: ClassVar[tuple[str, ...]] = (*ServiceSettings.deployment_fields, "secret_key")

    @model_validator(mode="after")
    def _real_secret_in_production(self) -> Self:
        if self.environment == "production" and (self.secret_key == "change-me" or len(self.secret_key) < 16):
            raise ValueError("secret_key must be set to a random value of at least 16 characters in production")
        return self
