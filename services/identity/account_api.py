"""Identity's JSON API for a person's own account: forgotten password, address verification,
change of password or address (``services.identity.account_flows``)."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from typing import Annotated

import structlog
from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from pydantic import BaseModel, EmailStr, Field

from services.identity.account_flows import AccountFlows
from services.identity.schemas import AccountOut
from shared.auth import Auth, Principal
from shared.errors import ERROR_RESPONSES
from shared.schemas import In
from shared.throttle import client_address
from shared.web.i18n import N_
from shared.web.render import Web

log = structlog.get_logger(__name__)


class ResetRequest(In):
    email: str = Field(min_length=3, max_length=254)


class LinkToken(In):
    token: str = Field(min_length=1, max_length=100, description="The token at the end of the mailed link.")


class NewPassword(LinkToken):
    password: str = Field(min_length=10, max_length=200)


class PasswordChange(In):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=10, max_length=200)


class EmailChange(In):
    current_password: str = Field(min_length=1, max_length=200)
    new_email: EmailStr


class Accepted(BaseModel):
    """What a request whose outcome is mailed answers (the same whatever the address)."""

    detail: str


class Verified(BaseModel):
    account: AccountOut
    sessions_ended: bool = Field(description="True when a new address took effect: sign in again.")


class VerificationSent(BaseModel):
    sent: bool = Field(description="False when the address was already verified.")


RESET_ACCEPTED = N_("Nếu địa chỉ này có tài khoản, một liên kết đặt lại mật khẩu đã được gửi tới đó.")


def build_account_router(flows: AccountFlows, auth: Auth, web: Web) -> APIRouter:
    r = APIRouter(prefix="/identity/api", responses=ERROR_RESPONSES, tags=["account"])

    async def send_reset(email: str) -> None:
        try:
            await flows.send_reset(email)
        except Exception:  # after the answer: nobody to tell but the log
            log.exception("identity.reset_failed")

    @r.post("/password-reset", status_code=202)
    async def request_reset(body: ResetRequest, request: Request, later: BackgroundTasks) -> Accepted:
        """Mail a one-time link to set a new password. The same answer, at once, whether or not the
        address has an account; the lookup runs after the answer. Throttled per client."""
        await flows.request_reset(client_address(request))
        later.add_task(send_reset, body.email)
        return Accepted(detail=web.t(request, RESET_ACCEPTED))

    @r.post("/password-reset/confirm", status_code=204)
    async def reset_password(body: NewPassword) -> Response:
        """Set the password with a mailed link (single use, expires); ends every session."""
        await flows.reset_password(body.token, body.password)
        return Response(status_code=204)

    @r.post("/email-verification/confirm")
    async def verify(body: LinkToken) -> Verified:
        """Prove the address with its mailed link; a new address takes effect and ends every session."""
        account, ended = await flows.verify(body.token)
        return Verified(account=AccountOut.of(account), sessions_ended=ended)

    @r.post("/email-verification", status_code=202)
    async def resend(user: Annotated[Principal, Depends(auth.user)]) -> VerificationSent:
        """Mail a new verification link to the signed-in person (throttled)."""
        return VerificationSent(sent=await flows.resend_verification(user))

    @r.post("/me/password", status_code=204)
    async def change_password(body: PasswordChange, request: Request,
                              user: Annotated[Principal, Depends(auth.user)]) -> Response:
        """A new password, given the current one; ends every session, this one too."""
        await flows.change_password(user, body.current_password, body.new_password, client_address(request))
        return Response(status_code=204)

    @r.post("/me/email", status_code=202)
    async def change_email(body: EmailChange, request: Request,
                           user: Annotated[Principal, Depends(auth.user)]) -> Accepted:
        """Mail a link to the new address; it replaces the old one when opened (then every session ends)."""
        await flows.request_email_change(user, body.current_password, str(body.new_email), client_address(request))
        return Accepted(detail=web.t(request, N_("Đã gửi liên kết xác nhận tới địa chỉ mới.")))

    return r
