"""Entry point: ``contest-judging`` or ``python -m services.judging``."""

from __future__ import annotations


def run() -> None:
    from services.judging.app import build
    from services.judging.settings import JudgingSettings
    from shared.serve import serve

    settings = JudgingSettings()
    serve(build(settings), settings)
