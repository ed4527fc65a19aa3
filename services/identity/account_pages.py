"""Identity's pages for a person's own account: forgotten password, setting a password from a
mailed link, confirming an address, resending that link, and the account settings page."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.identity.account_api import RESET_ACCEPTED
from services.identity.account_flows import PASSWORD_LINKS, AccountFlows, LinkRefused
from services.identity.accounts import Account
from services.identity.one_time import LinkState
from services.identity.pages import home_for
from shared.auth import COOKIE_NAME, Auth, Principal
from shared.errors import Invalid, Refused, Throttled
from shared.throttle import client_address
from shared.web.i18n import N_
from shared.web.render import Web

MSG_REQUIRED = N_("Trường này là bắt buộc.")
MSG_MISMATCH = N_("Hai mật khẩu không giống nhau.")


def build_account_pages(flows: AccountFlows, auth: Auth, web: Web) -> APIRouter:
    r = APIRouter(prefix="/identity", include_in_schema=False)
    svc = flows.svc

    def link_problem(request: Request, exc: LinkRefused) -> Response:
        return web.render(request, "link_problem.html", status_code=410, state=exc.state.value,
                          message=web.t(request, exc.message), password=exc.purposes == PASSWORD_LINKS)

    def signed_out(to: str) -> Response:
        resp = RedirectResponse(to, status_code=303)
        resp.delete_cookie(COOKIE_NAME, path="/")
        return resp

    def tr(request: Request, errors: dict[str, str]) -> dict[str, str]:
        return {k: web.t(request, v) for k, v in errors.items()}

    # --- a forgotten password -----------------------------------------------------------------

    @r.get("/forgot")
    async def forgot_form(request: Request) -> Response:
        await auth.optional_user(request)
        return web.render(request, "forgot.html", errors={}, email="", sent=False)

    @r.post("/forgot")
    async def forgot(request: Request, later: BackgroundTasks, email: Annotated[str, Form()] = "") -> Response:
        await auth.optional_user(request)
        if not email.strip():
            return web.render(request, "forgot.html", status_code=400, email=email, sent=False,
                              errors={"email": web.t(request, MSG_REQUIRED)})
        try:
            await flows.request_reset(client_address(request))
        except Throttled as exc:
            return web.render(request, "forgot.html", status_code=429, email=email, sent=False,
                              errors={"email": web.t(request, exc.message)})
        later.add_task(flows.send_reset, email)
        return web.render(request, "forgot.html", errors={}, email=email, sent=True,
                          notice=web.t(request, RESET_ACCEPTED))

    @r.get("/reset/{token}")
    async def reset_form(request: Request, token: str) -> Response:
        await auth.optional_user(request)
        try:
            account = await flows.check_link(token, PASSWORD_LINKS)
        except LinkRefused as exc:
            return link_problem(request, exc)
        return web.render(request, "reset.html", token=token, email=account.email, errors={})

    @r.post("/reset/{token}")
    async def reset(request: Request, token: str, password: Annotated[str, Form()] = "",
                    password2: Annotated[str, Form()] = "") -> Response:
        await auth.optional_user(request)
        errors: dict[str, str] = {}
        try:
            account = await flows.check_link(token, PASSWORD_LINKS)
            if not password:
                errors["password"] = MSG_REQUIRED
            elif password != password2:
                errors["password2"] = MSG_MISMATCH
            else:
                await flows.reset_password(token, password)
                return signed_out("/identity/signin?done=password")
        except LinkRefused as exc:
            return link_problem(request, exc)
        except Invalid as exc:
            errors = exc.errors
        return web.render(request, "reset.html", status_code=400, token=token, email=account.email,
                          errors=tr(request, errors))

    # --- proving an address -------------------------------------------------------------------

    async def verified_page(request: Request, account: Account, ended: bool, done_before: bool) -> Response:
        user = await auth.optional_user(request)
        resp = web.render(request, "verified.html", account=account, ended=ended, done_before=done_before,
                          next=home_for(account))
        if ended:
            resp.delete_cookie(COOKIE_NAME, path="/")
        elif user is not None and user.account_id == account.account_id and not user.email_verified:
            # The signed-in person continues with a token that says the address is verified.
            resp.set_cookie(COOKIE_NAME, svc.issue(account), httponly=True, samesite="lax",
                            secure=svc.settings.secure_cookies, max_age=svc.settings.token_ttl_minutes * 60,
                            path="/")
        return resp

    async def verify_and_show(request: Request, token: str, done_before: bool) -> Response:
        try:
            account, ended = await flows.verify(token)
        except LinkRefused as exc:
            return link_problem(request, exc)
        return await verified_page(request, account, ended, done_before)

    @r.get("/verify/{token}")
    async def verify_form(request: Request, token: str) -> Response:
        """Show a button rather than act on GET: mail scanners open links too."""
        await auth.optional_user(request)
        try:
            account, new_email = await flows.check_address_link(token)
        except LinkRefused as exc:
            if exc.state is LinkState.USED:  # a used link whose change holds is answered as done
                return await verify_and_show(request, token, True)
            return link_problem(request, exc)
        return web.render(request, "verify.html", token=token, email=new_email or account.email)

    @r.post("/verify/{token}")
    async def verify(request: Request, token: str) -> Response:
        await auth.optional_user(request)
        return await verify_and_show(request, token, False)

    @r.post("/verify-resend")
    async def resend(request: Request, user: Annotated[Principal, Depends(auth.user)]) -> Response:
        try:
            sent = await flows.resend_verification(user)
        except Throttled as exc:
            return web.render(request, "account.html", status_code=429, **await settings_ctx(request, user),
                              notice=web.t(request, exc.message))
        return RedirectResponse(f"/identity/account?verification={'sent' if sent else 'done'}", status_code=303)

    # --- account settings ---------------------------------------------------------------------

    async def settings_ctx(request: Request, user: Principal) -> dict[str, Any]:
        account = await svc.account(user.account_id)
        return {"account": account, "pending_email": await svc.pending_email(user.account_id), "errors": {},
                "form": {}}

    @r.get("/account")
    async def account_page(request: Request, user: Annotated[Principal, Depends(auth.user)]) -> Response:
        return web.render(request, "account.html", **await settings_ctx(request, user))

    @r.post("/account/password")
    async def change_password(request: Request, user: Annotated[Principal, Depends(auth.user)],
                              current_password: Annotated[str, Form()] = "", new_password: Annotated[str, Form()] = "",
                              new_password2: Annotated[str, Form()] = "") -> Response:
        errors: dict[str, str] = {}
        if new_password != new_password2:
            errors["new_password2"] = MSG_MISMATCH
        else:
            try:
                await flows.change_password(user, current_password, new_password, client_address(request))
                return signed_out("/identity/signin?done=password")
            except Refused as exc:
                errors = exc.errors or {"current_password": exc.message}
        ctx = await settings_ctx(request, user)
        return web.render(request, "account.html", status_code=400, **{**ctx, "errors": tr(request, errors)})

    @r.post("/account/email")
    async def change_email(request: Request, user: Annotated[Principal, Depends(auth.user)],
                           email_current_password: Annotated[str, Form()] = "",
                           email_new_email: Annotated[str, Form()] = "") -> Response:
        """The form's fields are prefixed ``email_`` so its errors are told apart from the password form's."""
        new_email = email_new_email
        try:
            await flows.request_email_change(user, email_current_password, new_email, client_address(request))
        except Refused as exc:
            ctx = await settings_ctx(request, user)
            errors = {f"email_{k}": v for k, v in (exc.errors or {"current_password": exc.message}).items()}
            return web.render(request, "account.html", status_code=400, **{
                **ctx, "errors": tr(request, errors), "form": {"new_email": new_email}})
        return RedirectResponse("/identity/account?email=sent", status_code=303)

    return r
