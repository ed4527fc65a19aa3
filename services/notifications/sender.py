"""The delivery loop: sends due messages, records each outcome, retries with backoff.

The order, and what it guarantees (``README.md``, *Notifications*):

1. a message is planned once: its id comes from the event that caused it, so a redelivered event
   inserts nothing new (``domain.delivery.message_id``);
2. before talking to the relay the message is claimed: ``pending`` → ``sending`` by a
   compare-and-set that also counts the attempt;
3. after the relay's 250 answer it is recorded ``sent``; a store outage at this moment is waited
   out (the record is retried, the message is not sent again).

A process killed between the relay's answer and step 3 leaves the message ``sending``; after
``send_lease_s`` it is taken as not sent and sent again, with the same Message-ID. So every
message is delivered **at least once**, and a crash costs **at most one extra copy of the one
message in flight**; nothing else is ever sent twice. An SMTP server that is down or answers 4xx
is transient: the message waits (exponential backoff with jitter) and goes out when the relay
is back; after ``send_max_attempts`` tries it is marked ``failed`` for organisers to see and resend.
A 5xx answer (address refused) fails it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import structlog

from services.notifications import smtp
from services.notifications.digests import Digests
from services.notifications.domain.delivery import next_attempt
from services.notifications.settings import NotificationsSettings
from services.notifications.store import NotificationsStore
from shared.failures import is_transient
from shared.mongo import Doc

log = structlog.get_logger(__name__)
BATCH = 20

Send = Callable[[NotificationsSettings, Message], Awaitable[str]]


def now() -> datetime:
    return datetime.now(UTC)


class Sender:
    def __init__(self, store: NotificationsStore, settings: NotificationsSettings, digests: Digests,
                 send: Send = smtp.send) -> None:
        self.store = store
        self.settings = settings
        self.digests = digests
        self._send = send
        self._wake = asyncio.Event()
        self.smtp_down_since: datetime | None = None
        self.sent = 0
        self.failed = 0

    def kick(self) -> None:
        """New messages were planned: look now rather than at the next poll."""
        self._wake.set()

    def status(self) -> dict[str, Any]:
        return {"smtp_down_since": self.smtp_down_since.isoformat() if self.smtp_down_since else None,
                "sent": self.sent, "failed": self.failed}

    async def run(self) -> None:
        """Forever: recover abandoned sends, gather digests, send what is due. A store outage is
        waited out; nothing here ends the loop but cancellation."""
        delay = self.settings.poll_s
        while True:
            try:
                await self.recover_abandoned()
                await self.digests.gather(now())
                busy = await self.send_due()
                delay = self.settings.poll_s
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                busy = False
                if not is_transient(exc):
                    log.error("notifications.sender_error", exc_info=exc)
                else:
                    log.warning("notifications.store_unavailable", error=str(exc)[:200], retry_in=delay)
                delay = min(delay * 2, 30.0)
            if busy:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def recover_abandoned(self) -> int:
        """Messages left ``sending`` by a process that died: back to ``pending`` (marked, so the
        outbox page says a copy may have gone out already)."""
        stale = now() - timedelta(seconds=self.settings.send_lease_s)
        res = await self.store.mails.update_many(
            {"status": "sending", "claimed_at": {"$lt": stale}},
            {"$set": {"status": "pending", "next_at": now(), "uncertain": True}})
        if res.modified_count:
            log.warning("notifications.resending_abandoned", count=res.modified_count)
        return res.modified_count

    async def send_due(self) -> bool:
        """Send up to one batch of due messages; True when there may be more."""
        due = await self.store.mails.find({"status": "pending", "next_at": {"$lte": now()}}).sort(
            "next_at", 1).limit(BATCH).to_list()
        for mail in due:
            await self.deliver(mail)
        return len(due) == BATCH

    async def deliver(self, mail: Doc) -> None:
        claimed = await self.store.mails.update_one(
            {"_id": mail["_id"], "status": "pending", "attempts": mail["attempts"]},
            {"$set": {"status": "sending", "claimed_at": now(), "attempts": mail["attempts"] + 1}})
        if claimed.modified_count != 1:
            return  # another sender took it
        attempts = mail["attempts"] + 1
        msg = smtp.build_message(self.settings, mail_id=mail["_id"], to_name=mail.get("to_name", ""),
                                 to_email=mail["to_email"], subject=mail["subject"], text=mail["text"],
                                 html=mail["html"])
        try:
            answer = await self._send(self.settings, msg)
        except smtp.SendFailure as exc:
            await self._failed(mail, attempts, exc)
            return
        self.smtp_down_since = None
        self.sent += 1
        await self._record({"$set": {"status": "sent", "sent_at": now(), "smtp_answer": answer}}, mail["_id"])
        log.info("notifications.sent", mail_id=mail["_id"], kind=mail["kind"], attempts=attempts)

    async def _failed(self, mail: Doc, attempts: int, exc: smtp.SendFailure) -> None:
        if exc.transient and attempts < self.settings.send_max_attempts:
            if self.smtp_down_since is None:
                self.smtp_down_since = now()
            at = next_attempt(now(), attempts, base_s=self.settings.send_backoff_s,
                              cap_s=self.settings.send_backoff_cap_s)
            await self._record({"$set": {"status": "pending", "next_at": at, "last_error": exc.reason}}, mail["_id"])
            log.warning("notifications.send_deferred", mail_id=mail["_id"], attempts=attempts, error=exc.reason,
                        next_at=at.isoformat())
            return
        self.failed += 1
        await self._record({"$set": {"status": "failed", "failed_at": now(), "last_error": exc.reason}}, mail["_id"])
        log.error("notifications.send_failed", mail_id=mail["_id"], attempts=attempts, error=exc.reason)

    async def _record(self, update: Doc, mail_id: str) -> None:
        """Record an outcome, waiting out a store outage: giving up here would send it again."""
        delay = 0.2
        while True:
            try:
                await self.store.mails.update_one({"_id": mail_id, "status": "sending"}, update)
                return
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("notifications.record_waiting_for_store", mail_id=mail_id, retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
