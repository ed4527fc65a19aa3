"""Identity's account mails: a link to set or reset a password, a link to confirm an address,
and word to the old address that it was replaced. Identity decides and makes the link; this
only words it and plans it like every other message (once per event and person).

A link's mail goes to the address in the event (a new address is not the person's yet); the
address-change notice to the old one. These kinds are sensitive: organisers see that they were
sent, never their text, and cannot resend them (the link may have been used).
"""

from __future__ import annotations

from services.notifications.domain import kinds
from services.notifications.service import Notifications
from shared.envelope import Envelope
from shared.events.accounts import EmailChanged, EmailVerificationRequested, PasswordResetRequested
from shared.handlers import Route, on


class AccountMessages:
    def __init__(self, svc: Notifications) -> None:
        self.svc = svc

    async def on_password_link(self, env: Envelope[PasswordResetRequested]) -> None:
        e = env.payload
        kind = kinds.SET_PASSWORD if e.purpose == "set" else kinds.PASSWORD_RESET
        await self.svc.plan(env, kind, e.account_id, {
            "link": e.link, "expires_at": e.expires_at, "signin_url": f"{self.svc.base}/identity/signin"},
            to_email=e.email)

    async def on_verification(self, env: Envelope[EmailVerificationRequested]) -> None:
        e = env.payload
        await self.svc.plan(env, kinds.VERIFY_EMAIL, e.account_id, {
            "link": e.link, "expires_at": e.expires_at, "purpose": e.purpose}, to_email=e.email)

    async def on_email_changed(self, env: Envelope[EmailChanged]) -> None:
        e = env.payload
        await self.svc.plan(env, kinds.EMAIL_CHANGED, e.account_id, {
            "old_email": e.old_email, "new_email": e.new_email}, to_email=e.old_email)


def routes(svc: Notifications) -> list[Route]:
    m = AccountMessages(svc)
    return [
        on(PasswordResetRequested)(m.on_password_link),
        on(EmailVerificationRequested)(m.on_verification),
        on(EmailChanged)(m.on_email_changed),
    ]
