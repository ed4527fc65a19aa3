"""Notifications' use cases: keep what is needed to word messages, and plan one message per
person and fact. Sending is the sender's job (``services.notifications.sender``).

Planning is idempotent by construction: a message's id comes from the event, the kind and the
recipient (``domain.delivery.message_id``), and the store refuses a second message with that id,
so an event delivered twice plans nothing more. An event naming a person or entry not seen yet
(topics are not ordered with each other) is parked and planned again when it arrives.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from pymongo.errors import DuplicateKeyError

from services.notifications.composer import Composer
from services.notifications.domain import kinds
from services.notifications.domain.delivery import message_id
from services.notifications.domain.kinds import Kind
from services.notifications.settings import NotificationsSettings
from services.notifications.store import NotificationsStore
from shared.envelope import Envelope
from shared.errors import Conflict, Invalid, NotFound
from shared.events.accounts import AccountRegistered, AccountUpdated
from shared.events.authors import EntryAuthorsRecorded
from shared.events.awards import ResultsAnnounced
from shared.events.contests import ContestSnapshot
from shared.events.judging import EntryReviewStarted, ReviewersChanged, RoundClosed
from shared.events.statuses import EntryStatusChanged
from shared.mongo import Doc
from shared.web.i18n import N_

log = structlog.get_logger(__name__)

MSG_NO_MAIL = N_("Không tìm thấy thư.")
MSG_NO_RESEND = N_("Thư này chứa liên kết dùng một lần; người nhận cần yêu cầu liên kết mới.")
MSG_NOT_SENT_YET = N_("Thư này chưa được gửi xong; hãy chờ kết quả gửi trước khi gửi lại.")
LANGS = ("vi", "en")


def now() -> datetime:
    return datetime.now(UTC)


class Notifications:
    def __init__(self, store: NotificationsStore, settings: NotificationsSettings, composer: Composer,
                 kick: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.settings = settings
        self.composer = composer
        self.kick = kick
        self.base = settings.public_base_url.rstrip("/")
        #: Other modules' handlers of a person's account event, after it is stored (``on_account``).
        self.account_listeners: list[Callable[[Envelope[AccountRegistered | AccountUpdated]], Awaitable[None]]] = []
        self._redo: dict[str, Callable[[Envelope[Any]], Awaitable[None]]] = {
            "EntryStatusChanged": self.on_status, "EntryReviewStarted": self.on_review_started,
            "EntryAuthorsRecorded": self.on_authors, "ResultsAnnounced": self.on_results,
        }

    def redo_when_known(self, event_type: str, handler: Callable[[Envelope[Any]], Awaitable[None]]) -> None:
        """A handler of another module whose parked events are handled again once what they
        waited for arrives (``_unpark``)."""
        self._redo[event_type] = handler

    # --- what the service knows -------------------------------------------------------------

    async def on_account(self, env: Envelope[AccountRegistered | AccountUpdated]) -> None:
        """Addresses come from identity; the person's own choices (language, categories) stay."""
        e = env.payload
        known = await self.store.people.find_one({"_id": e.account_id}, {"_id": 1})
        await self.store.people.update_one({"_id": e.account_id}, {"$set": {
            "email": e.email, "full_name": e.full_name, "unit": e.unit, "roles": list(e.roles), "active": e.active}},
            upsert=True)
        if isinstance(e, AccountRegistered) and known is None and not e.invited:  # invited: the set-password mail
            await self.plan(env, kinds.WELCOME, e.account_id, {"signin_url": f"{self.base}/identity/signin"})
        await self._unpark(f"account:{e.account_id}")
        for listener in self.account_listeners:
            await listener(env)

    async def on_contest(self, env: Envelope[ContestSnapshot]) -> None:
        e = env.payload
        await self.store.contests.update_one({"_id": e.contest_id}, {"$set": {"name": e.name, "code": e.code}},
                                             upsert=True)

    async def _entry(self, entry_id: str, contest_id: str, **fields: str) -> None:
        await self.store.entries.update_one({"_id": entry_id}, {"$set": {
            "contest_id": contest_id, **{k: v for k, v in fields.items() if v}}}, upsert=True)

    # --- participants -------------------------------------------------------------------------

    async def on_status(self, env: Envelope[EntryStatusChanged]) -> None:
        e = env.payload
        await self._entry(e.entry_id, e.contest_id, owner=e.owner_account_id, code=e.code, title=e.title)
        if e.owner_account_id:
            await self._unpark(f"entry:{e.entry_id}")
        if self._too_old(env):
            return  # what it says about the entry is kept; the news is stale
        kind = {"submitted": kinds.RECEIPT, "eligible": kinds.ELIGIBLE, "ineligible": kinds.INELIGIBLE,
                "withdrawn": kinds.WITHDRAWN}[e.status]
        entry = await self._entry_or_park(env, e.entry_id)
        if entry is None:
            return
        await self.plan(env, kind, entry["owner"], {
            **await self._entry_params(entry), "reason": e.reason, "at": e.at,
            "my_url": f"{self.base}/submission/my"})

    async def on_authors(self, env: Envelope[EntryAuthorsRecorded]) -> None:
        e = env.payload
        await self._entry(e.entry_id, e.contest_id, owner=e.owner_account_id, code=e.code, title=e.title)
        await self._unpark(f"entry:{e.entry_id}")

    async def on_review_started(self, env: Envelope[EntryReviewStarted]) -> None:
        """Only the first round: later rounds would tell an author how the judges ranked it."""
        e = env.payload
        if e.round_no != 1 or self._too_old(env):
            return
        entry = await self._entry_or_park(env, e.entry_id)
        if entry is not None:
            await self.plan(env, kinds.UNDER_REVIEW, entry["owner"], {
                **await self._entry_params(entry), "my_url": f"{self.base}/submission/my"})

    async def on_results(self, env: Envelope[ResultsAnnounced]) -> None:
        e = env.payload
        if self._too_old(env):
            return
        contest = await self._contest_name(e.contest_id)
        ids = [o.entry_id for o in e.outcomes]
        entries = {d["_id"]: d for d in await self.store.entries.find({"_id": {"$in": ids}}).to_list()}
        for o in e.outcomes:
            entry = entries.get(o.entry_id)
            if entry is None or not entry.get("owner"):
                log.warning("notifications.result_for_unknown_entry", entry_id=o.entry_id)
                continue
            await self.plan(env, kinds.RESULT, entry["owner"], {
                "code": entry.get("code", ""), "title": entry.get("title", ""), "contest_name": contest,
                "rank": o.rank, "tier_name": o.tier_name or "", "total": o.official_total,
                "certificates_url": f"{self.base}/awards/my", "results_url": f"{self.base}/awards/results",
                "my_url": f"{self.base}/submission/my"}, extra=o.entry_id)

    # --- judges -------------------------------------------------------------------------------

    async def on_reviewers(self, env: Envelope[ReviewersChanged]) -> None:
        """Judges newly on an entry wait to be told in their next digest; one who replaces
        another (a recusal, a judge withdrawn) is told it is a reassignment."""
        e = env.payload
        rid = f"{e.contest_id}:{e.round_no}:{e.entry_id}"
        before = await self.store.reviews.find_one({"_id": rid}) or {"judge_ids": []}
        await self.store.reviews.update_one({"_id": rid}, {"$set": {
            "contest_id": e.contest_id, "round_no": e.round_no, "entry_id": e.entry_id,
            "judge_ids": list(e.judge_ids)}}, upsert=True)
        if self._too_old(env):
            return
        added = [j for j in e.judge_ids if j not in before["judge_ids"]]
        for judge in added:
            person = await self.store.people.find_one({"_id": judge}, {"opted_out": 1})
            if person is not None and not kinds.wanted(kinds.ASSIGNMENTS, set(person.get("opted_out", []))):
                continue
            item = {"_id": message_id(env.event_id, judge), "judge_id": judge, "contest_id": e.contest_id,
                    "round_no": e.round_no, "entry_id": e.entry_id, "reassigned": bool(before["judge_ids"]),
                    "at": now(), "batch": None, "code": ""}
            with contextlib.suppress(DuplicateKeyError):  # a redelivered event
                await self.store.digest_items.insert_one(item)

    async def plan_digest(self, batch: str, judge_id: str, items: list[Doc]) -> None:
        entries = {d["_id"]: d for d in await self.store.entries.find(
            {"_id": {"$in": [i["entry_id"] for i in items]}}, {"code": 1, "title": 1}).to_list()}
        names = {c["_id"]: c.get("name", "") for c in await self.store.contests.find(
            {"_id": {"$in": list({i["contest_id"] for i in items})}}).to_list()}
        lines = [{"code": entries.get(i["entry_id"], {}).get("code", "—"),
                  "title": entries.get(i["entry_id"], {}).get("title", ""),
                  "contest_name": names.get(i["contest_id"], ""), "round_no": i["round_no"],
                  "reassigned": i["reassigned"]} for i in items]
        await self.plan(None, kinds.ASSIGNMENTS, judge_id, {
            "items": lines, "count": len(lines), "queue_url": f"{self.base}/judging/"}, fixed_id=batch)

    async def on_round_closed(self, env: Envelope[RoundClosed]) -> None:
        e = env.payload
        judges: set[str] = set()
        async for r in self.store.reviews.find({"contest_id": e.contest_id, "round_no": e.round_no},
                                               {"judge_ids": 1}):
            judges.update(r["judge_ids"])
        if self._too_old(env):
            return
        contest = await self._contest_name(e.contest_id)
        for judge in sorted(judges):
            await self.plan(env, kinds.ROUND_CLOSED, judge, {
                "contest_name": contest, "round_no": e.round_no, "final_round": e.final_round,
                "queue_url": f"{self.base}/judging/"})

    # --- planning -----------------------------------------------------------------------------

    def _too_old(self, env: Envelope[Any] | None) -> bool:
        return env is not None and env.occurred_at < now() - timedelta(days=self.settings.max_event_age_days)

    async def plan(self, env: Envelope[Any] | None, kind: Kind, person_id: str, params: dict[str, Any], *,
                   extra: str = "", fixed_id: str | None = None, to_email: str | None = None) -> str | None:
        """Plan ``kind`` for ``person_id`` because of ``env``; the message's id, or None when
        nothing is to be sent (too old, unknown or inactive person, category turned off).
        ``to_email``: another address than the person's (a new address to verify, the old one told)."""
        if self._too_old(env):
            return None
        person = await self.store.people.find_one({"_id": person_id})
        if person is None:
            if env is not None:
                await self._park(env, f"account:{person_id}")
            return None
        if not person.get("active", True) and kind.category != "account":
            return None
        # A category the person turned off: recorded as not sent (organisers can tell why someone
        # heard nothing), never handed to the sender.
        wanted = kinds.wanted(kind, set(person.get("opted_out", [])))
        lang = person.get("lang", "vi")
        composed = self.composer.compose(kind.key, lang, {**params, "name": person.get("full_name", "")})
        mid = fixed_id or message_id(env.event_id if env else "", kind.key, person_id, extra)
        doc = {"_id": mid, "kind": kind.key, "category": kind.category, "sensitive": kind.sensitive,
               "to_account": person_id, "to_email": to_email or person["email"], "to_name": person.get("full_name", ""),
               "lang": lang, "subject": composed.subject, "text": composed.text, "html": composed.html,
               "status": "pending" if wanted else "suppressed", "attempts": 0, "next_at": now(),
               "created_at": now(),
               "cause": {"event_id": env.event_id, "event_type": env.event_type} if env else {"digest": mid},
               "contest_id": params.get("contest_id") or getattr(env, "key", "")}
        try:
            await self.store.mails.insert_one(doc)
        except DuplicateKeyError:
            return mid  # planned already: a redelivered event
        log.info("notifications.planned" if wanted else "notifications.not_wanted", mail_id=mid, kind=kind.key,
                 account_id=person_id)
        self.kick()
        return mid

    async def _entry_params(self, entry: Doc) -> dict[str, Any]:
        return {"code": entry.get("code", ""), "title": entry.get("title", ""),
                "contest_name": await self._contest_name(entry["contest_id"])}

    async def _contest_name(self, contest_id: str) -> str:
        c = await self.store.contests.find_one({"_id": contest_id}, {"name": 1})
        return str(c["name"]) if c else ""

    async def _entry_or_park(self, env: Envelope[Any], entry_id: str) -> Doc | None:
        entry = await self.store.entries.find_one({"_id": entry_id})
        if entry is None or not entry.get("owner"):
            await self._park(env, f"entry:{entry_id}")
            return None
        return entry

    async def _park(self, env: Envelope[Any], waits_for: str) -> None:
        doc = {"_id": f"{env.event_id}:{waits_for}", "waits_for": waits_for, "at": now(),
               "envelope": env.model_dump(mode="json")}
        with contextlib.suppress(DuplicateKeyError):
            await self.store.parked.insert_one(doc)
            log.info("notifications.parked", event_id=env.event_id, waits_for=waits_for)

    async def _unpark(self, waits_for: str) -> None:
        for doc in await self.store.parked.find({"waits_for": waits_for}).to_list():
            env = Envelope.model_validate(doc["envelope"]).typed()
            redo = self._redo.get(env.event_type)
            if redo is not None:
                await redo(env)
            await self.store.parked.delete_one({"_id": doc["_id"]})

    # --- people's choices and organisers' controls ----------------------------------------------

    async def preferences(self, account_id: str) -> Doc:
        person = await self.store.people.find_one({"_id": account_id}) or {}
        return {"lang": person.get("lang", "vi"), "opted_out": list(person.get("opted_out", [])),
                "email": person.get("email", "")}

    async def set_preferences(self, account_id: str, lang: str, opted_out: list[str]) -> Doc:
        errors: dict[str, str] = {}
        if lang not in LANGS:
            errors["lang"] = "Ngôn ngữ không hợp lệ."
        unknown = [c for c in opted_out if c not in kinds.OPTIONAL]
        if unknown:
            errors["opted_out"] = "Loại thông báo không hợp lệ."
        if errors:
            raise Invalid("Dữ liệu không hợp lệ.", errors)
        await self.store.people.update_one({"_id": account_id}, {"$set": {
            "lang": lang, "opted_out": sorted(set(opted_out))}}, upsert=True)
        return await self.preferences(account_id)

    async def mails_of(self, account_id: str, limit: int = 20) -> list[Doc]:
        return await self.store.mails.find({"to_account": account_id}, {"html": 0}).sort(
            "created_at", -1).limit(limit).to_list()

    async def outbox(self, status: str | None = None) -> list[Doc]:
        query: Doc = {"status": status} if status else {}
        return await self.store.mails.find(query, {"html": 0}).sort("created_at", -1).to_list()

    async def mail(self, mail_id: str) -> Doc:
        doc = await self.store.mails.find_one({"_id": mail_id})
        if doc is None:
            raise NotFound(MSG_NO_MAIL)
        if doc.get("sensitive"):
            doc["text"] = doc["html"] = ""
        return doc

    async def resend(self, mail_id: str, token: str, by: str) -> str:
        """A copy of a sent or failed message, sent again; ``token`` (one per form shown) makes a
        repeated click or a retried request plan the copy once."""
        original = await self.store.mails.find_one({"_id": mail_id})
        if original is None:
            raise NotFound(MSG_NO_MAIL)
        if original.get("sensitive"):
            raise Conflict(MSG_NO_RESEND)
        if original["status"] in ("pending", "sending", "suppressed"):
            raise Conflict(MSG_NOT_SENT_YET)
        person = await self.store.people.find_one({"_id": original["to_account"]}, {"email": 1}) or {}
        copy_id = message_id(mail_id, "resend", token)
        doc = {**original, "_id": copy_id, "status": "pending", "attempts": 0, "next_at": now(),
               "created_at": now(), "resend_of": mail_id, "resent_by": by,
               "to_email": person.get("email", original["to_email"])}
        for key in ("sent_at", "failed_at", "last_error", "claimed_at", "smtp_answer", "uncertain"):
            doc.pop(key, None)
        with contextlib.suppress(DuplicateKeyError):  # the same form sent twice
            await self.store.mails.insert_one(doc)
            log.info("notifications.resend", mail_id=mail_id, copy_id=copy_id, by=by)
        self.kick()
        return copy_id
