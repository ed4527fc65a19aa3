"""A person's own account: sign-up with a verified address, a forgotten password, and changes of
password or address when signed in. Identity never sends mail: each flow queues an event in the
account's document (outbox) and the notifications service words and sends it.

Guarantees: a link is single use and expires (``links``); a reset request answers the same
whether or not the address has an account, and looks the address up only after the answer is
sent (``request_reset`` then ``send_reset``); a new password (by link or when signed in) and a
new address end every session (``SessionsRevoked`` with ``not_before``). A new address takes
effect only once its link is opened; the old one is then told (``EmailChanged``).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import structlog

from services.identity.accounts import Account, EmailTaken
from services.identity.domain import EMAIL_RE, normalise_email, password_problems
from services.identity.links import LinkStore
from services.identity.one_time import LinkState, Purpose, well_formed
from services.identity.service import IdentityService
from shared.auth import Principal
from shared.envelope import Envelope
from shared.errors import Conflict, Gone, Invalid, NotFound, Throttled
from shared.events.accounts import EmailChanged, EmailVerificationRequested, PasswordResetRequested, SessionsRevoked
from shared.throttle import Throttle
from shared.web.i18n import N_

log = structlog.get_logger(__name__)

PASSWORD_LINKS: tuple[Purpose, ...] = ("reset", "set")
ADDRESS_LINKS: tuple[Purpose, ...] = ("signup", "change")
MSG_INVALID = N_("Dữ liệu không hợp lệ.")
MSG_WRONG_PASSWORD = N_("Mật khẩu hiện tại không đúng.")
MSG_TOO_MANY_RESETS = N_("Bạn đã yêu cầu quá nhiều lần. Vui lòng thử lại sau ít phút.")
MSG_TOO_MANY_RESENDS = N_("Liên kết xác nhận vừa được gửi. Vui lòng kiểm tra hộp thư hoặc thử lại sau ít phút.")
MSG_SAME_EMAIL = N_("Đây là địa chỉ e-mail hiện tại của bạn.")
MSG_EMAIL_TAKEN = N_("Địa chỉ e-mail này đã được đăng ký.")
MSG_BAD_EMAIL = N_("Địa chỉ e-mail không hợp lệ.")
LINK_MESSAGES = {
    LinkState.USED: N_("Liên kết này đã được sử dụng. Mỗi liên kết chỉ dùng được một lần."),
    LinkState.EXPIRED: N_("Liên kết này đã hết hạn."),
    LinkState.UNKNOWN: N_("Liên kết không hợp lệ. Hãy kiểm tra lại địa chỉ trong thư."),
}


class LinkRefused(Gone):
    """A one-time link that cannot be used: why (``state``) and what it was for."""

    def __init__(self, state: LinkState, purposes: tuple[Purpose, ...]) -> None:
        super().__init__(LINK_MESSAGES[state], extra={"link_state": state.value})
        self.state = state
        self.purposes = purposes


class AccountFlows:
    def __init__(self, svc: IdentityService, links: LinkStore) -> None:
        self.svc = svc
        self.store = svc.store
        self.links = links
        s = svc.settings
        self._per_client = Throttle(s.reset_requests_per_client)
        self._per_address = Throttle(s.reset_mails_per_address)
        self._resends = Throttle(s.verification_resends_per_account)

    def _env(self, payload: PasswordResetRequested | EmailVerificationRequested | EmailChanged | SessionsRevoked,
             ) -> Envelope:
        return self.store.envelope(payload)

    # --- new accounts -------------------------------------------------------------------------

    async def sign_up(self, *, email: str, password: str, full_name: str, unit: str,
                      ) -> tuple[Account | None, dict[str, str]]:
        """A participant, unverified, with the link to verify the address in the same insert."""
        account_id = uuid.uuid4().hex
        link = await self.links.issue(account_id, "signup")
        ask = EmailVerificationRequested(account_id=account_id, email=normalise_email(email),
                                         full_name=" ".join(full_name.split()), link=link.url,
                                         expires_at=link.expires_at)
        return await self.svc.register(email=email, password=password, full_name=full_name, unit=unit,
                                       roles=["participant"], account_id=account_id, email_verified=False,
                                       events=[self._env(ask)])

    async def create_for(self, *, email: str, password: str, full_name: str, unit: str, roles: list[str],
                         categories: list[str] | None, invite: bool) -> tuple[Account | None, dict[str, str]]:
        """An account an organiser makes: verified (the organiser vouches for the address); with
        ``invite``, a link to choose one's own password is mailed instead of the plain welcome."""
        account_id = uuid.uuid4().hex
        events: list[Envelope] = []
        if invite:
            link = await self.links.issue(account_id, "set")
            events.append(self._env(PasswordResetRequested(
                account_id=account_id, email=normalise_email(email), full_name=" ".join(full_name.split()),
                link=link.url, expires_at=link.expires_at, purpose="set")))
        return await self.svc.register(email=email, password=password, full_name=full_name, unit=unit, roles=roles,
                                       categories=categories, account_id=account_id, email_verified=True,
                                       invited=invite, events=events)

    # --- a forgotten password -----------------------------------------------------------------

    async def request_reset(self, client: str) -> None:
        """Refuse a client asking too often (429, whatever the address); the caller answers the
        same for every address and runs ``send_reset`` after answering."""
        wait = await self._per_client.hit("reset", client)
        if wait is not None:
            raise Throttled(MSG_TOO_MANY_RESETS, retry_after=math.ceil(wait))

    async def send_reset(self, email: str) -> None:
        """Queue a reset link for the address's account, if there is an active one and the
        address has not had too many already (whoever asked: throttles a flood, not the owner,
        whose earlier links stay good until they expire)."""
        who = normalise_email(email)
        if not EMAIL_RE.match(who) or await self._per_address.hit("reset", who) is not None:
            log.info("identity.reset_not_sent", reason="malformed or too many")
            return
        account = await self.store.by_email(who)
        if account is None or not account.active:
            log.info("identity.reset_not_sent", reason="no active account")
            return
        link = await self.links.issue(account.account_id, "reset")
        await self.store.change(account.account_id, {"reset_requested_at": datetime.now(UTC)}, self._env(
            PasswordResetRequested(account_id=account.account_id, email=account.email, full_name=account.full_name,
                                   link=link.url, expires_at=link.expires_at)), announce=False)
        log.info("identity.reset_link_queued", account_id=account.account_id)

    async def check_link(self, token: str, purposes: tuple[Purpose, ...]) -> Account:
        """The account a still usable link is for (a page showing its form); refused otherwise."""
        state, link = await self.links.peek(token, purposes) if well_formed(token) else (LinkState.UNKNOWN, None)
        account = await self.store.get(link.account_id) if link is not None else None
        if state is not LinkState.VALID or account is None:
            raise LinkRefused(state if state is not LinkState.VALID else LinkState.UNKNOWN, purposes)
        return account

    async def check_address_link(self, token: str) -> tuple[Account, str | None]:
        """The account a still usable address link is for, and the new address it would set."""
        account = await self.check_link(token, ADDRESS_LINKS)
        _, link = await self.links.peek(token, ADDRESS_LINKS)
        return account, link.new_email if link is not None else None

    async def reset_password(self, token: str, password: str) -> Account:
        """Set the password through a mailed link: the link is used, the account's other
        password links retired, every session ended, and the address counts as verified (the
        link reached it)."""
        account = await self.check_link(token, PASSWORD_LINKS)
        problem = password_problems(password, account.email)
        if problem:
            raise Invalid(MSG_INVALID, {"password": problem})
        state, _ = await self.links.use(token, PASSWORD_LINKS)
        if state is not LinkState.VALID:
            raise LinkRefused(state, PASSWORD_LINKS)
        await self.links.retire(account.account_id, PASSWORD_LINKS)
        changes = {} if account.email_verified else {"email_verified": True}
        updated = await self._end_sessions(account, changes, password=password)
        log.info("identity.password_reset", account_id=account.account_id)
        return updated

    # --- proving an address -------------------------------------------------------------------

    async def verify(self, token: str) -> tuple[Account, bool]:
        """Use an address link; the account and whether its sessions ended (a new address).
        A link used again after it took effect is answered as done, not refused."""
        state, link = await self.links.use(token, ADDRESS_LINKS) if well_formed(token) else (LinkState.UNKNOWN, None)
        account = await self.store.get(link.account_id) if link is not None else None
        if link is None or account is None:
            raise LinkRefused(LinkState.UNKNOWN, ADDRESS_LINKS)
        if state is LinkState.USED and (account.email_verified if link.purpose == "signup"
                                        else account.email == link.new_email):
            return account, False
        if state is not LinkState.VALID:
            raise LinkRefused(state, ADDRESS_LINKS)
        if link.purpose == "signup":
            updated = await self.store.change(account.account_id, {"email_verified": True})
            assert updated is not None
            log.info("identity.email_verified", account_id=account.account_id)
            return updated, False
        assert link.new_email is not None
        told = self._env(EmailChanged(account_id=account.account_id, old_email=account.email,
                                      new_email=link.new_email, full_name=account.full_name))
        try:
            updated = await self._end_sessions(account, {"email": link.new_email, "email_verified": True,
                                                         "pending_email": None}, told)
        except EmailTaken:
            raise Conflict(MSG_EMAIL_TAKEN, field="email") from None
        log.info("identity.email_changed", account_id=account.account_id)
        return updated, True

    async def resend_verification(self, user: Principal) -> bool:
        """Mail a new sign-up link (throttled per account); False when already verified."""
        account = await self.store.get(user.account_id)
        if account is None:
            raise NotFound(N_("Không tìm thấy tài khoản."))
        if account.email_verified:
            return False
        wait = await self._resends.hit("verify", account.account_id)
        if wait is not None:
            raise Throttled(MSG_TOO_MANY_RESENDS, retry_after=math.ceil(wait))
        link = await self.links.issue(account.account_id, "signup")
        await self.store.change(account.account_id, {"verification_sent_at": datetime.now(UTC)}, self._env(
            EmailVerificationRequested(account_id=account.account_id, email=account.email,
                                       full_name=account.full_name, link=link.url, expires_at=link.expires_at)),
                                announce=False)
        return True

    # --- changes when signed in ---------------------------------------------------------------

    async def _signed_in_account(self, user: Principal, current_password: str, client: str) -> Account:
        """The account, once its current password is given; wrong guesses count like sign-in's."""
        account = await self.store.get(user.account_id)
        if account is None:
            raise NotFound(N_("Không tìm thấy tài khoản."))
        if not current_password or await self.svc.sign_in(account.email, current_password, client) is None:
            raise Invalid(MSG_WRONG_PASSWORD, field="current_password")
        return account

    async def change_password(self, user: Principal, current_password: str, new_password: str, client: str) -> None:
        account = await self._signed_in_account(user, current_password, client)
        problem = password_problems(new_password, account.email)
        if problem:
            raise Invalid(MSG_INVALID, {"new_password": problem})
        await self.links.retire(account.account_id, PASSWORD_LINKS)
        await self._end_sessions(account, {}, password=new_password)
        log.info("identity.password_changed", account_id=account.account_id)

    async def request_email_change(self, user: Principal, current_password: str, new_email: str, client: str) -> str:
        """Mail a link to the new address; the address changes when it is opened. The new address."""
        account = await self._signed_in_account(user, current_password, client)
        new = normalise_email(new_email)
        if not EMAIL_RE.match(new) or len(new) > 254:
            raise Invalid(MSG_INVALID, {"new_email": MSG_BAD_EMAIL})
        if new == account.email:
            raise Invalid(MSG_INVALID, {"new_email": MSG_SAME_EMAIL})
        if await self.store.by_email(new) is not None:
            raise Conflict(MSG_EMAIL_TAKEN, field="new_email")
        link = await self.links.issue(account.account_id, "change", new_email=new)
        await self.store.change(account.account_id, {"pending_email": new}, self._env(EmailVerificationRequested(
            account_id=account.account_id, email=new, full_name=account.full_name, link=link.url,
            expires_at=link.expires_at, purpose="change")), announce=False)
        log.info("identity.email_change_requested", account_id=account.account_id)
        return new

    async def _end_sessions(self, account: Account, changes: Mapping[str, object], *events: Envelope,
                            password: str | None = None) -> Account:
        """Apply ``changes`` (and a new password) and revoke every token issued before now, in
        one write; identity refuses those tokens at once, the others within a Kafka round."""
        # To the moment: tokens carry their ``iat`` to the millisecond (``tokens.SigningKey.issue``).
        now = datetime.now(UTC)
        revoked = SessionsRevoked(account_id=account.account_id, not_before=now,
                                  expires_at=now + timedelta(minutes=self.svc.settings.token_ttl_minutes))
        env = self._env(revoked)
        updated = await self.store.change(account.account_id, {**changes, "sessions_revoked_at": now},
                                          *events, env, password=password, announce=bool(changes))
        assert updated is not None
        if self.svc.revocations is not None:
            await self.svc.revocations.apply(revoked, env.event_id)
        return updated
