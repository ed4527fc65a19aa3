"""The SMTP side: one message handed to the relay, its answer told apart (transient or not)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid

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
                  text: str, html: str) -> EmailMessage:
    """Every copy of one planned message carries the same Message-ID (from its id), so a copy sent
    twice after a crash is recognisably the same message (mail clients and Mailpit group it)."""
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = formataddr((to_name, to_email))
    msg["Subject"] = subject
    domain = settings.mail_from.rsplit("@", 1)[-1].strip(" >") or "contest.local"
    msg["Message-ID"] = f"<{mail_id}@{domain}>" if mail_id else make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the platform
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


async def send(settings: NotificationsSettings, msg: EmailMessage) -> str:
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
