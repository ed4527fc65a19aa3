"""Submission's settings (prefix ``SUBMISSION_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import SecretServiceSettings


class SubmissionSettings(SecretServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SUBMISSION_", extra="ignore")

    service_name: str = "submission"
    http_port: int = 8101
    mongo_db: str = "contest_submission"
    kafka_group: str = "submission"
    #: Entries at least this similar (shingle Jaccard) are flagged to screeners as possible copies.
    similarity_threshold: float = 0.5
    #: How long the signed attachment links judging receives stay valid.
    judge_link_days: int = 120
    max_upload_bytes: int = 15 * 1024 * 1024
    #: Quotas a province can set: the most entries one participant may keep open (draft or
    #: submitted) in one contest, whatever a contest allows (each contest sets its own, default 10),
    #: and bytes of files stored for one entry (all its kept versions) and one account.
    max_entries_per_contest: int = 1000
    max_entry_file_bytes: int = 60 * 1024 * 1024
    max_account_file_bytes: int = 200 * 1024 * 1024
