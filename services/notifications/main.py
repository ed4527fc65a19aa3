"""Entry point: ``contest-notifications`` or ``python -m services.notifications``."""

from __future__ import annotations


def run() -> None:
    from services.notifications.app import build
    from services.notifications.settings import NotificationsSettings
    from shared.serve import serve

    settings = NotificationsSettings()
    serve(build(settings), settings)
