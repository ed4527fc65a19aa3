"""What operators watch of the e-mail sender on ``/notifications/metrics`` (beside the figures
every service exports, ``shared.metrics``): messages sent and failed, and whether the SMTP relay
is answering."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.notifications.sender import Sender


class SenderCollector(Collector):
    def __init__(self, sender: Sender) -> None:
        self.sender = sender

    def collect(self) -> Iterator[Metric]:
        sent = CounterMetricFamily("contest_mail_sent", "Messages the SMTP relay accepted (this process).")
        sent.add_metric([], self.sender.sent)
        yield sent
        failed = CounterMetricFamily("contest_mail_failed", "Messages given up on (this process): 5xx, too many tries.")
        failed.add_metric([], self.sender.failed)
        yield failed
        down = GaugeMetricFamily("contest_mail_relay_down", "1 while the SMTP relay refuses or does not answer.")
        down.add_metric([], 1 if self.sender.smtp_down_since else 0)
        yield down
