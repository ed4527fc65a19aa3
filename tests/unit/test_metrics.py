"""``/metrics`` of a service process, in process: HTTP by route template and status, and the
platform's own counters and gauges, read from memory (the store is never asked)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.testclient import TestClient

from shared.app import Runtime
from shared.errors import Conflict
from shared.settings import ServiceSettings

AWARDS = Path(__file__).resolve().parents[2] / "services" / "awards"


def test_metrics_name_routes_statuses_and_the_platform_s_own_figures() -> None:
    rt = Runtime(ServiceSettings(service_name="awards", mongo_url="mongodb://127.0.0.1:1/"), AWARDS)
    r = APIRouter()

    @r.get("/awards/x/{thing}")
    async def thing(thing: str) -> dict[str, str]:
        if thing == "closed":
            raise Conflict("Kết quả đã được công bố.")
        return {"thing": thing}

    client = TestClient(rt.create_app(title="t", routers=[r]))
    # Metrics answer even before the store has: they are how an operator sees it is down.
    assert client.get("/metrics").status_code == 200
    rt.prepared.set()
    for thing in ("a", "b", "closed"):
        client.get(f"/awards/x/{thing}", headers={"accept": "application/json"})
    rt.views.changed()
    text = client.get("/metrics").text
    assert 'handler="/awards/x/{thing}"' in text  # the route template, never the ids a client sent
    assert 'status="200"' in text and 'status="409"' in text
    assert 'handler="/awards/x/a"' not in text
    for name in ("contest_events_handled_total", "contest_events_dead_lettered_total",
                 "contest_events_transient_retries_total", "contest_outbox_published_total",
                 "contest_outbox_backlog", "contest_views_computed_total"):
        assert f'{name}{{service="awards"}}' in text, name
    # The gateway never routes it: nginx passes only the /<service>/ prefixes and exact paths.
    routes = (Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "routes.conf").read_text()
    prefixes = re.findall(r"^location (/\S*) ", routes, re.M)
    services = ("/identity/", "/submission/", "/judging/", "/awards/", "/notifications/", "/adoption/")
    assert prefixes and all(p.startswith(services) for p in prefixes)
