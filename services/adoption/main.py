"""Entry point: ``contest-adoption`` or ``python -m services.adoption``."""

from __future__ import annotations


def run() -> None:
    from services.adoption.app import build
    from services.adoption.settings import AdoptionSettings
    from shared.serve import serve

    settings = AdoptionSettings()
    serve(build(settings), settings)
