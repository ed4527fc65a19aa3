"""The SMTP side: one message handed to the relay, its answer told apart (transient or not)."""

from __future__ import annotations

from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr

import aiosmtplib

from services.notifications.domain.delivery import smtp_transient
from services.notifications.settings import NotificationsSettings


class SendFailure(Exception):
    """The relay did not take the message; ``transient``: it may later (4xx, no answer)."""

    def __init__(self, transient: bool, reason: str) -> None:
        super().__init__(reason)
        self.transient = transient
        self.reason = reason


def build_message(settings: NotificationsSettings, *, mail_id: str, to_name: str, to_email: str, subject: str,
                  text: str, html: str) -> Message:
    """Every copy of one planned message carries the same Message-ID (from its id), so a copy sent
    twice after a crash is recognisably the same message (mail clients and Mailpit group it).

    Built with the classic MIME classes and ``Header``: the newer ``EmailMessage`` folds a long
    Vietnamese subject into encoded words that lose the space at each fold ("kiểmthử") when the
    relay does not take UTF-8 headers (tests/unit/notifications/test_smtp_message.py).
    """
    msg = MIMEMultipart("alternative")
    from_name, from_addr = parseaddr(settings.mail_from)
    msg["From"] = formataddr((from_name, from_addr), charset="utf-8")
    msg["To"] = formataddr((to_name, to_email), charset="utf-8")
    msg["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]  # compat32 takes a Header
    domain = from_addr.rsplit("@", 1)[-1] or "contest.local"
    msg["Message-ID"] = f"<{mail_id}@{domain}>" if mail_id else make_msgid(domain=domain)
    msg["Date"] = formatdate(localtime=False)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the platform
    msg.attach(MIMEText(text, "plain", "utf-8"))
    msg.attach(MIMEText(html, "html", "utf-8"))
    return msg


async def send(settings: NotificationsSettings, msg: Message) -> str:
    """Hand ``msg`` to the relay; its answer on success, :class:`SendFailure` otherwise."""
    try:
        _, answer = await aiosmtplib.send(
            msg, hostname=settings.smtp_host, port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password.get_secret_value() or None,
            use_tls=settings.smtp_security == "tls", start_tls=settings.smtp_security == "starttls",
            timeout=settings.smtp_timeout_s)
        return answer[:200]
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        raise SendFailure(all(smtp_transient(c) for c in codes), f"recipient refused: {exc.recipients}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise SendFailure(smtp_transient(exc.code), f"SMTP {exc.code}: {exc.message[:200]}") from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise SendFailure(True, f"{type(exc).__name__}: {str(exc)[:200]}") from exc
