"""Identity's pages: sign in, sign up, sign out, and the organisers' account list."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.identity.account_flows import AccountFlows
from services.identity.accounts import Account
from services.identity.domain import EMAIL_RE
from services.identity.service import IdentityService, SignInLocked
from services.identity.units import to_doc
from shared.auth import COOKIE_NAME, Auth, Principal
from shared.errors import Invalid, Refused
from shared.throttle import client_address
from shared.web.i18n import N_
from shared.web.render import Web


def _safe_next(nxt: str | None) -> str | None:
    """Only same-origin relative paths: never an open redirect."""
    if nxt and nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt:
        return nxt
    return None


def home_for(account: Account) -> str:
    if "organiser" in account.roles:
        return "/submission/screening"
    if "judge" in account.roles:
        return "/judging/"
    return "/submission/my"


def build_pages(svc: IdentityService, auth: Auth, web: Web, flows: AccountFlows) -> APIRouter:
    r = APIRouter(prefix="/identity", include_in_schema=False)
    organiser = auth.role("organiser")

    async def names() -> list[str]:
        return (await svc.units_current())[1].names

    def with_cookie(resp: Response, account: Account) -> Response:
        resp.set_cookie(COOKIE_NAME, svc.issue(account), httponly=True, samesite="lax",
                        secure=svc.settings.secure_cookies, max_age=svc.settings.token_ttl_minutes * 60, path="/")
        return resp

    @r.get("/signin")
    async def signin_form(request: Request, next: str | None = None) -> Response:
        await auth.optional_user(request)
        return web.render(request, "signin.html", next=_safe_next(next) or "", errors={}, email="")

    @r.post("/signin")
    async def signin(request: Request, email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                     next: Annotated[str, Form()] = "") -> Response:
        client = client_address(request)
        errors: dict[str, str] = {}
        if not email.strip():
            errors["email"] = web.t(request, N_("Trường này là bắt buộc."))
        if not password:
            errors["password"] = web.t(request, N_("Trường này là bắt buộc."))
        if not errors:
            try:
                account = await svc.sign_in(email, password, client)
            except SignInLocked as exc:
                return web.render(request, "signin.html", status_code=429, next=next, email=email,
                                  errors={"password": web.t(request, exc.message)})
            if account is not None:
                resp = RedirectResponse(_safe_next(next) or home_for(account), status_code=303)
                return with_cookie(resp, account)
            errors["password"] = web.t(request, N_("E-mail hoặc mật khẩu không đúng."))
        return web.render(request, "signin.html", status_code=400 if len(errors) > 0 else 200, next=next,
                          email=email, errors=errors)

    @r.post("/signout")
    async def signout(request: Request) -> Response:
        session = await auth.session(request)
        if session is not None:
            await svc.sign_out(session.principal.account_id, session.jti, session.exp)
        resp = RedirectResponse("/", status_code=303)
        resp.delete_cookie(COOKIE_NAME, path="/")
        return resp

    @r.get("/signup")
    async def signup_form(request: Request) -> Response:
        await auth.optional_user(request)
        return web.render(request, "signup.html", errors={}, form={}, unit_names=await names())

    @r.post("/signup")
    async def signup(request: Request, email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                     full_name: Annotated[str, Form()] = "", unit: Annotated[str, Form()] = "") -> Response:
        form = {"email": email, "full_name": full_name, "unit": unit}
        errors = _account_form_errors(request, web, email, full_name, unit)
        if not errors:
            account, errors = await flows.sign_up(email=email, password=password, full_name=full_name, unit=unit)
            if account is not None:
                return with_cookie(RedirectResponse("/submission/contests", status_code=303), account)
        errors = {k: web.t(request, v) for k, v in errors.items()}
        return web.render(request, "signup.html", status_code=400, errors=errors, form=form,
                          unit_names=await names())

    @r.get("/accounts")
    async def accounts(request: Request, _: Annotated[Principal, Depends(organiser)]) -> Response:
        return web.render(request, "accounts.html", accounts=await svc.accounts(), errors={}, form={},
                          unit_names=await names())

    @r.post("/accounts")
    async def create_judge(request: Request, _: Annotated[Principal, Depends(organiser)],
                           email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                           full_name: Annotated[str, Form()] = "", unit: Annotated[str, Form()] = "",
                           role: Annotated[str, Form()] = "judge", categories: Annotated[str, Form()] = "") -> Response:
        form = {"email": email, "full_name": full_name, "unit": unit, "categories": categories, "role": role}
        errors = _account_form_errors(request, web, email, full_name, unit)
        if role not in ("judge", "organiser", "coordinator"):
            errors["role"] = web.t(request, N_("Giá trị không hợp lệ."))
        if not errors:
            cats = [c.strip() for c in categories.split(",") if c.strip()]
            account, errors = await flows.create_for(email=email, password=password or secrets.token_urlsafe(24),
                                                     full_name=full_name, unit=unit, roles=[role], categories=cats,
                                                     invite=True)
            if account is not None:
                return RedirectResponse("/identity/accounts?created=1", status_code=303)
        errors = {k: web.t(request, v) for k, v in errors.items()}
        return web.render(request, "accounts.html", status_code=400, accounts=await svc.accounts(),
                          unit_names=await names(),
                          errors=errors, form=form)

    def edit_form(a: Account) -> dict[str, Any]:
        return {"full_name": a.full_name, "unit": a.unit, "roles": list(a.roles),
                "categories": ", ".join(a.categories), "active": a.active}

    @r.get("/accounts/{account_id}")
    async def account_page(request: Request, account_id: str, _: Annotated[Principal, Depends(organiser)]) -> Response:
        account = await svc.account(account_id)
        return web.render(request, "account_edit.html", account=account, form=edit_form(account), errors={},
                          unit_names=await names())

    @r.post("/accounts/{account_id}")
    async def account_save(request: Request, account_id: str, user: Annotated[Principal, Depends(organiser)],
                           ) -> Response:
        account = await svc.account(account_id)
        data = await request.form()
        roles = [str(r) for r in data.getlist("roles") if r in ("participant", "judge", "organiser", "coordinator")]
        full_name, unit = str(data.get("full_name", "")), str(data.get("unit", ""))
        categories, active = str(data.get("categories", "")), data.get("active") == "1"
        form = {"full_name": full_name, "unit": unit, "roles": roles, "categories": categories, "active": active}
        errors = _account_form_errors(request, web, account.email, full_name, unit)
        if not roles:
            errors["roles"] = web.t(request, N_("Chọn ít nhất một vai trò."))
        if not errors:
            cats = [c.strip() for c in categories.split(",") if c.strip()][:20]
            try:
                await svc.change_account(account_id, {"full_name": full_name, "unit": unit, "roles": roles,
                                                      "categories": cats, "active": active}, user)
                return RedirectResponse("/identity/accounts?changed=1", status_code=303)
            except Refused as exc:
                errors["active"] = web.t(request, exc.message)
        return web.render(request, "account_edit.html", status_code=400, account=account, form=form, errors=errors,
                          unit_names=await names())

    @r.get("/units")
    async def units(request: Request, _: Annotated[Principal, Depends(organiser)]) -> Response:
        revision, directory = await svc.units_current()
        rows = [to_doc(u) for u in directory.units]
        return web.render(request, "units.html", revision=revision, units=rows, rows=rows + [{}] * 10, errors={})

    @r.post("/units")
    async def save_units(request: Request, user: Annotated[Principal, Depends(organiser)]) -> Response:
        form = await request.form()
        columns = [form.getlist(k) for k in ("code", "name", "kind", "headcount", "aliases")]
        rows: list[dict[str, Any]] = []
        for code, name, kind, headcount, aliases in zip(*columns, strict=False):
            if not any(str(x).strip() for x in (code, name, kind, headcount, aliases)):
                continue
            count = str(headcount).strip()
            rows.append({"code": code, "name": name, "kind": kind,
                         "headcount": int(count) if count.isdigit() and len(count) <= 7 else (count or None),
                         "aliases": [a for a in str(aliases).split(";") if a.strip()]})
        try:
            revision = int(str(form.get("revision", "0")))
            await svc.save_units(rows, revision, user.full_name or user.email)
        except (ValueError, Refused) as exc:
            errors = {"units": "Dữ liệu không hợp lệ."}
            if isinstance(exc, Refused):
                errors = exc.errors if isinstance(exc, Invalid) and exc.errors else {"units": exc.message}
            errors = {k: web.t(request, v) for k, v in errors.items()}
            return web.render(request, "units.html", status_code=422 if isinstance(exc, Invalid) else 409,
                              revision=form.get("revision", 0), units=rows, rows=rows + [{}] * 10, errors=errors)
        return RedirectResponse("/identity/units?saved=1", status_code=303)

    return r


def _account_form_errors(request: Request, web: Web, email: str, full_name: str, unit: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not EMAIL_RE.match(email.strip()):
        errors["email"] = web.t(request, N_("Địa chỉ e-mail không hợp lệ."))
    if not 2 <= len(full_name.strip()) <= 120:
        errors["full_name"] = web.t(request, N_("Họ và tên cần từ 2 đến 120 ký tự."))
    if not 2 <= len(unit.strip()) <= 200:
        errors["unit"] = web.t(request, N_("Đơn vị công tác cần từ 2 đến 200 ký tự."))
    return errors
