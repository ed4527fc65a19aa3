"""Entry point: ``contest-submission`` or ``python -m services.submission``."""

from __future__ import annotations


def run() -> None:
    from services.submission.app import build
    from services.submission.settings import SubmissionSettings
    from shared.serve import serve

    settings = SubmissionSettings()
    serve(build(settings), settings)
