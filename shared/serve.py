"""Run one service's app with uvicorn; logs go through structlog, not uvicorn's own format.

Idle keep-alive connections are kept longer (75 s) than the gateway keeps them (nginx's upstream
``keepalive_timeout 60s``): the gateway always closes first. The other way round, uvicorn closing
an idle connection just as nginx sends the next request on it answers that request with a 502.
"""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from shared.settings import ServiceSettings

KEEP_ALIVE_S = 75  # longer than the gateway's upstream keepalive_timeout (60 s)


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        timeout_graceful_shutdown=5,
        timeout_keep_alive=KEEP_ALIVE_S,
    )
