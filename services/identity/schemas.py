"""What identity's API answers (``services.identity.api``): accounts, tokens, keys, units."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.identity.accounts import Account


class AccountOut(BaseModel):
    account_id: str
    email: str
    full_name: str
    unit: str
    roles: list[str]
    categories: list[str]
    active: bool = True

    @classmethod
    def of(cls, a: Account) -> AccountOut:
        return cls(account_id=a.account_id, email=a.email, full_name=a.full_name, unit=a.unit,
                   roles=list(a.roles), categories=list(a.categories), active=a.active)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    account: AccountOut


class Jwk(BaseModel):
    """A public signing key (RFC 8037: Ed25519 as an octet key pair)."""

    kty: str
    crv: str
    alg: str
    use: str
    kid: str
    x: str


class Jwks(BaseModel):
    keys: list[Jwk]


class UnitOut(BaseModel):
    code: str
    name: str
    kind: str
    headcount: int | None
    aliases: list[str]


class Directory(BaseModel):
    revision: int = Field(description="Send it back with a change (compare-and-set).")
    units: list[UnitOut]


class DirectorySaved(BaseModel):
    revision: int = Field(description="The directory's new revision.")
    units: int = Field(description="How many units it holds.")
