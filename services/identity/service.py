"""Identity's use cases, shared by its JSON API and its pages."""

from __future__ import annotations

from datetime import timedelta

from fastapi import HTTPException

from services.identity.accounts import Account, AccountStore, EmailTaken
from services.identity.domain import Throttle, normalise_email, password_problems
from services.identity.settings import IdentitySettings
from services.identity.tokens import SigningKey


class SignInLocked(HTTPException):
    def __init__(self, wait: timedelta) -> None:
        minutes = max(1, int(wait.total_seconds() // 60) + 1)
        super().__init__(
            429,
            detail=f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
            headers={"Retry-After": str(int(wait.total_seconds()) + 1)},
        )


class IdentityService:
    def __init__(self, store: AccountStore, settings: IdentitySettings) -> None:
        self.store = store
        self.settings = settings
        self.key: SigningKey | None = None
        window = timedelta(seconds=settings.signin_window_seconds)
        self.throttle = Throttle(settings.signin_max_failures, window)
        self.ip_throttle = Throttle(settings.signin_max_failures_per_ip, window)

    def issue(self, account: Account) -> str:
        assert self.key is not None, "signing key not loaded"
        return self.key.issue(account.claims(), issuer=self.settings.jwt_issuer,
                              audience=self.settings.jwt_audience,
                              ttl=timedelta(minutes=self.settings.token_ttl_minutes))

    async def sign_in(self, email: str, password: str, client: str) -> Account | None:
        """Checks the password; failures are counted per e-mail and per client address."""
        keys = [(f"email:{normalise_email(email)}", self.throttle), (f"ip:{client}", self.ip_throttle)]
        for key, throttle in keys:
            wait = await self.store.locked_for(key, throttle)
            if wait is not None:
                raise SignInLocked(wait)
        account = await self.store.authenticate(email, password)
        if account is None:
            for key, throttle in keys:
                await self.store.record_failure(key, throttle)
            return None
        await self.store.clear_failures(keys[0][0])
        return account

    async def register(self, *, email: str, password: str, full_name: str, unit: str, roles: list[str],
                       categories: list[str] | None = None) -> tuple[Account | None, dict[str, str]]:
        errors: dict[str, str] = {}
        problem = password_problems(password, email)
        if problem:
            errors["password"] = problem
        if errors:
            return None, errors
        try:
            account = await self.store.create(email=email, password=password, full_name=full_name, unit=unit,
                                              roles=roles, categories=categories)
        except EmailTaken:
            return None, {"email": "Địa chỉ e-mail này đã được đăng ký."}
        return account, {}
