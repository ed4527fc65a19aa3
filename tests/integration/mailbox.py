"""Reading the test profile's Mailpit through its REST API: what each address received."""

from __future__ import annotations

import re
from typing import Any

import httpx

from deploy.local.infra import MAIL_PORTS
from tests.conftest import PROFILE, eventually

MAILPIT = f"http://127.0.0.1:{MAIL_PORTS[PROFILE.name][1]}"


def received(email: str) -> list[dict[str, Any]]:
    """Every message to ``email``, oldest first (summaries: Subject, MessageID, ID…)."""
    r = httpx.get(f"{MAILPIT}/api/v1/search", params={"query": f'to:"{email}"', "limit": 200}, timeout=10)
    r.raise_for_status()
    return list(reversed(r.json()["messages"]))


def message(mid: str) -> dict[str, Any]:
    """One message in full: Text, HTML, headers' values."""
    r = httpx.get(f"{MAILPIT}/api/v1/message/{mid}", timeout=10)
    r.raise_for_status()
    return dict(r.json())


def subjects(email: str) -> list[str]:
    return [m["Subject"] for m in received(email)]


def wait_for_mail(email: str, contains: str, timeout: float = 120) -> dict[str, Any]:
    """The first message to ``email`` whose subject contains ``contains``, in full."""
    def find() -> dict[str, Any] | None:
        return next((m for m in received(email) if contains in m["Subject"]), None)
    return message(eventually(find, timeout=timeout, what=f"a mail to {email} about {contains!r}")["ID"])


def link_in(mail: dict[str, Any], path: str) -> str:
    """The one link in ``mail``'s plain text whose path starts with ``path`` (e.g. ``/identity/verify/``)."""
    links = set(re.findall(r"https?://\S+" + re.escape(path) + r"[A-Za-z0-9_-]+", mail["Text"]))
    assert len(links) == 1, f"expected one {path} link in {mail['Subject']!r}, found {links}"
    return str(links.pop())


def count(email: str, contains: str) -> int:
    return sum(contains in s for s in subjects(email))
