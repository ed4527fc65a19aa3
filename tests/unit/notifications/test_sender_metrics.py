"""The sender's figures on /metrics: sent, failed, relay down."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import cast

from prometheus_client import CollectorRegistry, generate_latest

from services.notifications.metrics import SenderCollector
from services.notifications.sender import Sender


def test_the_sender_reports_what_it_sent_failed_and_whether_the_relay_answers() -> None:
    state = SimpleNamespace(sent=3, failed=1, smtp_down_since=datetime.now(UTC))
    registry = CollectorRegistry()
    registry.register(SenderCollector(cast(Sender, state)))
    text = generate_latest(registry).decode()
    assert "contest_mail_sent_total 3.0" in text and "contest_mail_failed_total 1.0" in text
    assert "contest_mail_relay_down 1.0" in text
    state.smtp_down_since = None
    assert "contest_mail_relay_down 0.0" in generate_latest(registry).decode()
