"""Entry point: ``contest-awards`` or ``python -m services.awards``."""

from __future__ import annotations


def run() -> None:
    from services.awards.app import build
    from services.awards.settings import AwardsSettings
    from shared.serve import serve

    settings = AwardsSettings()
    serve(build(settings), settings)
