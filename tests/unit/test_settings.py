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


def test_production_defaults_are_safe() -> None:
    from shared.settings import ServiceSettings

    assert ServiceSettings(environment="production").secure_cookies is True
    assert ServiceSettings(environment="development").secure_cookies is False
    assert ServiceSettings(environment="production", cookie_secure=False).secure_cookies is False
    assert ServiceSettings().jwt_max_lifetime_minutes <= 12 * 60


def test_no_template_runs_an_inline_script() -> None:
    """The Content-Security-Policy allows scripts from the site's files only."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for page in [*root.glob("services/*/templates/*.html"), *root.glob("shared/web/templates/*.html")]:
        html = page.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, f"{page.name}: {tag}"
        assert not re.search(r"\son[a-z]+=", html), f"{page.name} has an inline event handler"
