"""Settings read only their own prefix, and signing services refuse to run on the default key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.awards.settings import AwardsSettings
from services.judging.settings import JudgingSettings
from services.submission.settings import SubmissionSettings


def test_each_service_reads_only_its_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGING_MONGO_DB", "judging_here")
    monkeypatch.setenv("SUBMISSION_MONGO_DB", "submission_here")
    assert JudgingSettings().mongo_db == "judging_here"
    assert SubmissionSettings().mongo_db == "submission_here"
    assert AwardsSettings().mongo_db == "contest_awards"


@pytest.mark.parametrize("cls", [SubmissionSettings, AwardsSettings])
def test_signing_services_refuse_the_default_or_a_short_key_in_production(cls: type[AwardsSettings]) -> None:
    with pytest.raises(ValidationError):
        cls(environment="production")
    with pytest.raises(ValidationError):
        cls(environment="production", secret_key="short")
    assert cls(environment="production", secret_key="x" * 32).secret_key == "x" * 32
    assert cls(environment="development").secret_key == "change-me"
