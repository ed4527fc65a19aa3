"""Entry point: ``contest-identity`` or ``python -m services.identity [create-organiser ...]``."""

from __future__ import annotations

import sys


def run() -> None:
    if len(sys.argv) > 1:
        from services.identity.cli import main

        sys.exit(main(sys.argv[1:]))
    from services.identity.app import build
    from services.identity.settings import IdentitySettings
    from shared.serve import serve

    settings = IdentitySettings()
    serve(build(settings), settings)
