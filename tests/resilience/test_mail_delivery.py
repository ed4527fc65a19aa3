"""E-mail under faults, against the real Mailpit: an SMTP server that is down delays messages,
never loses them; a sender killed between the server's acceptance and its own record sends that
one message at most once more, with the same Message-ID, and nothing else twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from deploy.local.infra import MAIL_PORTS, ROOT
from tests.conftest import PROFILE, Api, eventually, new_contest, new_participant, sign_in, unique
from tests.integration.mailbox import count, message, received, wait_for_mail
from tests.integration.test_notifications import submit
from tests.resilience.faults import ready, runner
from tests.resilience.smtp_hold import HoldingProxy

pytestmark = pytest.mark.integration


@pytest.fixture()
def mailpit_restored() -> Iterator[None]:
    yield
    runner("start", "mailpit")


def outbox_rows(organiser: Api, email: str) -> list[dict[str, object]]:
    return [m for m in organiser.get("/notifications/api/outbox").json() if m["to_email"] == email]


def test_messages_wait_while_smtp_is_down_and_go_out_once_when_it_returns(
        gateway: str, organiser: Api, mailpit_restored: None) -> None:
    cid = new_contest(organiser)["contest_id"]
    author, email = new_participant(gateway)
    wait_for_mail(email, "Tài khoản của bạn")
    runner("stop", "mailpit")
    eid = submit(author, cid, "Liên thông khai sinh, thường trú, bảo hiểm y tế")

    def waiting() -> list[dict[str, object]]:
        return [m for m in outbox_rows(organiser, email)
                if m["kind"] == "receipt" and m["status"] == "pending" and m.get("last_error")]
    row = eventually(waiting, what="the receipt waiting for the SMTP server, with its error")[0]
    assert int(str(row["attempts"])) >= 1
    eventually(lambda: any(int(str(m["attempts"])) >= 2 for m in waiting()), what="a second try while it is down")
    runner("start", "mailpit")
    code = next(e["code"] for e in author.get("/submission/api/my/entries").json() if e["entry_id"] == eid)
    wait_for_mail(email, f"Đã nhận sáng kiến {code}")
    sent = eventually(lambda: [m for m in outbox_rows(organiser, email) if m["kind"] == "receipt"
                               and m["status"] == "sent"], what="the receipt recorded as sent")
    assert int(str(sent[0]["attempts"])) >= 3
    assert count(email, f"Đã nhận sáng kiến {code}") == 1


def test_a_sender_killed_after_the_server_took_a_message_sends_it_once_more_and_nothing_else(
        gateway: str, organiser: Api) -> None:
    runner("stop", "notifications")
    env = {**os.environ, **PROFILE.service_env("notifications"), "NOTIFICATIONS_SMTP_TIMEOUT_S": "300"}
    with HoldingProxy(MAIL_PORTS[PROFILE.name][0]) as proxy:
        env["NOTIFICATIONS_SMTP_PORT"] = str(proxy.port)
        log = (PROFILE.var / "logs" / "notifications-held.log").open("ab")
        proc = subprocess.Popen([sys.executable, "-m", "services.notifications"], env=env, cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            eventually(lambda: ready("notifications"), timeout=120, what="the held notifications process")
            cid = new_contest(organiser)["contest_id"]
            # Made by the organiser (verified, welcomed, no link to open): its welcome is the first
            # message the held process sends, and no verification mail has to get through first.
            email = f"{unique('tacgia-')}@test.example"
            assert organiser.post("/identity/api/accounts", json={
                "email": email, "password": "TacGia#Test2026", "full_name": "Vũ Thị Dung", "unit": "UBND xã Tân Chi",
                "roles": ["participant"], "invite": False}).status_code == 201
            author = sign_in(gateway, email, "TacGia#Test2026")
            # Mailpit has the welcome, the sender never hears so; the receipt queues behind it.
            eventually(lambda: count(email, "Tài khoản của bạn") == 1, what="the welcome at the SMTP server")
            assert proxy.holding.wait(30)
            submit(author, cid, "Một cửa điện tử cấp xã")
            eventually(lambda: any(m["kind"] == "receipt" for m in outbox_rows(organiser, email)),
                       what="the receipt planned behind the held message")
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
    runner("start", "notifications")
    code = next(e["code"] for e in author.get("/submission/api/my/entries").json())
    wait_for_mail(email, f"Đã nhận sáng kiến {code}")
    eventually(lambda: count(email, "Tài khoản của bạn") == 2, what="the welcome sent again after the lease")
    welcome = eventually(lambda: [m for m in outbox_rows(organiser, email) if m["kind"] == "welcome"
                                  and m["status"] == "sent"], what="the welcome recorded as sent")
    assert welcome[0]["uncertain"] is True and welcome[0]["attempts"] == 2
    copies = [message(m["ID"]) for m in received(email) if "Tài khoản của bạn" in m["Subject"]]
    assert len({c["MessageID"] for c in copies}) == 1  # the same message, twice: clients can tell
    # A later message to the same person is the sentinel: the receipt went once, nothing else again.
    assert count(email, f"Đã nhận sáng kiến {code}") == 1
    assert httpx.get(f"{gateway}/notifications/health", timeout=10).status_code == 200
