"""Identity's JSON API under /identity/api, and the JWKS other services verify tokens with."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import EmailStr, Field

from services.identity.account_flows import AccountFlows
from services.identity.schemas import AccountOut, Directory, DirectorySaved, Jwks, TokenOut
from services.identity.service import IdentityService
from services.identity.units import to_doc
from shared.auth import Auth, Principal
from shared.errors import ERROR_RESPONSES, Conflict, Invalid, NotSignedIn
from shared.schemas import In
from shared.throttle import client_address


class SignUp(In):
    email: EmailStr
    password: str = Field(min_length=10, max_length=200)
    full_name: str = Field(min_length=2, max_length=120)
    unit: str = Field(min_length=2, max_length=200)


class NewAccount(SignUp):
    roles: list[Literal["participant", "judge", "organiser", "coordinator"]] = Field(min_length=1)
    categories: list[str] = Field(default_factory=list, max_length=20)
    invite: bool = Field(default=True, description="Mail a link to choose their own password (no plain welcome).")


class AccountChange(In):
    """What an organiser may change about a person; absent fields stay as they are."""

    full_name: str | None = Field(default=None, min_length=2, max_length=120)
    unit: str | None = Field(default=None, min_length=2, max_length=200)
    roles: list[Literal["participant", "judge", "organiser", "coordinator"]] | None = Field(
        default=None, min_length=1, max_length=4)
    categories: list[Annotated[str, Field(max_length=60)]] | None = Field(default=None, max_length=20)
    active: bool | None = Field(default=None, description="False: cannot sign in; a judge's open work is rebalanced.")


class Credentials(In):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=200)


class UnitIn(In):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(default="", max_length=60)
    headcount: int | None = Field(default=None, ge=0, le=1_000_000)
    aliases: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=10)


class DirectoryIn(In):
    revision: int = Field(ge=0, le=10**9, description="The revision this change is based on (compare-and-set).")
    units: list[UnitIn] = Field(max_length=2000)


def build_router(svc: IdentityService, auth: Auth, flows: AccountFlows) -> APIRouter:
    r = APIRouter(prefix="/identity", responses=ERROR_RESPONSES)
    organiser = auth.role("organiser")

    @r.get("/.well-known/jwks.json", tags=["keys"])
    async def jwks() -> Jwks:
        assert svc.key is not None
        return Jwks.model_validate({"keys": [svc.key.jwk()]})

    @r.post("/api/token", response_model=TokenOut, tags=["auth"])
    async def token(body: Credentials, request: Request) -> TokenOut:
        client = client_address(request)
        account = await svc.sign_in(body.email, body.password, client)
        if account is None:
            raise NotSignedIn("E-mail hoặc mật khẩu không đúng.")
        return TokenOut(access_token=svc.issue(account), account=AccountOut.of(account))

    @r.post("/api/signout", status_code=204, tags=["auth"])
    async def signout(request: Request) -> Response:
        """Revoke the token this request carries, in every service (within a second or so)."""
        session = await auth.session(request)
        if session is None:
            raise NotSignedIn("Bạn cần đăng nhập.")
        await svc.sign_out(session.principal.account_id, session.jti, session.exp)
        return Response(status_code=204)

    @r.post("/api/signup", response_model=AccountOut, status_code=201, tags=["accounts"])
    async def signup(body: SignUp) -> AccountOut:
        account, errors = await flows.sign_up(email=body.email, password=body.password, full_name=body.full_name,
                                              unit=body.unit)
        if account is None:
            raise (Conflict if "email" in errors else Invalid)("Dữ liệu không hợp lệ.", errors)
        return AccountOut.of(account)

    @r.get("/api/me", response_model=AccountOut, tags=["accounts"])
    async def me(user: Annotated[Principal, Depends(auth.user)]) -> AccountOut:
        return AccountOut.of(await svc.account(user.account_id))

    @r.get("/api/units", tags=["units"])
    async def unit_directory() -> Directory:
        """The province's units (public: the forms offer them to choose from)."""
        revision, directory = await svc.units_current()
        return Directory.model_validate({"revision": revision, "units": [to_doc(u) for u in directory.units]})

    @r.put("/api/units", tags=["units"])
    async def save_units(body: DirectoryIn, user: Annotated[Principal, Depends(organiser)]) -> DirectorySaved:
        """Replace the directory (organisers); every service's copy follows by event."""
        revision = await svc.save_units([u.model_dump() for u in body.units], body.revision,
                                        user.full_name or user.email)
        return DirectorySaved(revision=revision, units=len(body.units))

    @r.get("/api/accounts", response_model=list[AccountOut], tags=["accounts"])
    async def list_accounts(_: Annotated[Principal, Depends(organiser)], role: str | None = None) -> list[AccountOut]:
        return [AccountOut.of(a) for a in await svc.accounts(role)]

    @r.patch("/api/accounts/{account_id}", response_model=AccountOut, tags=["accounts"])
    async def change_account(account_id: str, body: AccountChange,
                             user: Annotated[Principal, Depends(organiser)]) -> AccountOut:
        """Edit a person's name, unit, roles or fields, or deactivate them; every service's copy
        follows by ``AccountUpdated`` (judging rebalances a departing judge's open work)."""
        return AccountOut.of(await svc.change_account(account_id, body.model_dump(exclude_none=True), user))

    @r.post("/api/accounts", response_model=AccountOut, status_code=201, tags=["accounts"])
    async def create_account(body: NewAccount, _: Annotated[Principal, Depends(organiser)]) -> AccountOut:
        account, errors = await flows.create_for(email=body.email, password=body.password, full_name=body.full_name,
                                                 unit=body.unit, roles=list(body.roles), categories=body.categories,
                                                 invite=body.invite)
        if account is None:
            raise (Conflict if "email" in errors else Invalid)("Dữ liệu không hợp lệ.", errors)
        return AccountOut.of(account)

    return r
