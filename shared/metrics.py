"""Prometheus metrics of one service process, served at ``/metrics`` on the service's own port
(nginx routes only the ``/<service>/`` prefixes, so the public gateway does not expose them).

- HTTP requests by route template, method and status, and their latency:
  ``prometheus-fastapi-instrumentator``.
- Messages consumed and published, their size and processing time: FastStream's
  ``KafkaPrometheusMiddleware`` on the broker.
- What only this platform knows, read from the process at scrape time (no store query, so a
  scrape costs nothing when the store is slow): events handled, retried after a transient
  failure and dead-lettered; events published by the outbox relay and those known to wait;
  consumer lag per partition; organisers' summaries computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from fastapi import FastAPI
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator

if TYPE_CHECKING:
    from shared.app import Runtime

PATH = "/metrics"


def broker_middleware(registry: CollectorRegistry, service: str) -> KafkaPrometheusMiddleware:
    return KafkaPrometheusMiddleware(registry=registry, app_name=service, metrics_prefix="contest_kafka")


class RuntimeCollector(Collector):
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def collect(self) -> Iterator[Metric]:
        rt, service = self.rt, self.rt.name
        c = rt.consumer
        for name, doc, value in (
            ("contest_events_handled", "Events this process's consumer handled.", c.handled if c else 0),
            ("contest_events_transient_retries",
             "Times a handler waited for a store or broker that was down, busy or slow.",
             c.transient_retries if c else 0),
            ("contest_events_dead_lettered", "Events sent to the dead-letter topic (poison).",
             c.dead_lettered if c else 0),
            ("contest_outbox_published", "Events the outbox relay published.", rt.relay.published if rt.relay else 0),
            ("contest_views_computed", "Organisers' summaries computed (shared.view_cache).", rt.views.computed),
        ):
            family = CounterMetricFamily(name, doc, labels=["service"])
            family.add_metric([service], value)
            yield family
        backlog = GaugeMetricFamily("contest_outbox_backlog",
                                    "Events this process knows are written and not yet published.", labels=["service"])
        backlog.add_metric([service], rt.relay.backlog() + rt.staged.in_flight() if rt.relay else 0)
        yield backlog
        failing = GaugeMetricFamily("contest_outbox_failing", "1 while the relay's last attempt failed.",
                                    labels=["service"])
        failing.add_metric([service], 1 if rt.relay and rt.relay.last_error else 0)
        yield failing
        lag = GaugeMetricFamily("contest_consumer_lag", "Messages on a partition not yet handled by this consumer.",
                                labels=["service", "topic", "partition"])
        for (topic, partition), n in sorted((c.lag() if c else {}).items()):
            lag.add_metric([service, topic, str(partition)], n)
        yield lag
        waiting = GaugeMetricFamily("contest_consumer_waiting",
                                    "1 while the consumer waits for a dependency (transient failure).",
                                    labels=["service"])
        waiting.add_metric([service], 1 if c and c.waiting_since else 0)
        yield waiting


def install(app: FastAPI, rt: Runtime) -> None:
    rt.registry.register(RuntimeCollector(rt))
    Instrumentator(registry=rt.registry, should_group_status_codes=False,
                   excluded_handlers=[r".*/health.*", PATH, r".*/static/.*"]).instrument(
        app, metric_namespace="contest").expose(app, endpoint=PATH, include_in_schema=False)
