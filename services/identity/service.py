"""Identity's use cases, shared by its JSON API and its pages."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from services.identity.accounts import Account, AccountStore, EmailTaken
from services.identity.domain import SignInPolicy, normalise_email, password_problems
from services.identity.settings import IdentitySettings
from services.identity.tokens import SigningKey
from services.identity.units import StaleDirectory, UnitStore, check_units
from shared.auth import Principal
from shared.envelope import Envelope
from shared.errors import Conflict, Invalid, NotFound, Throttled
from shared.events.accounts import SessionsRevoked
from shared.revocations import Revocations
from shared.throttle import seconds_until_free
from shared.units import UnitDirectory

log = structlog.get_logger(__name__)

class SignInLocked(Throttled):
    def __init__(self, wait: float) -> None:
        minutes = max(1, int(wait // 60) + 1)
        super().__init__(f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
                         retry_after=int(wait) + 1)


class IdentityService:
    def __init__(self, store: AccountStore, settings: IdentitySettings,
                 revocations: Revocations | None = None, units: UnitStore | None = None) -> None:
        self.store = store
        self.units = units
        self.revocations = revocations
        self.settings = settings
        self.key: SigningKey | None = None
        self.policy = SignInPolicy(per_pair=settings.signin_max_failures,
                                   per_client=settings.signin_max_failures_per_ip,
                                   slow_after=settings.signin_slow_after_failures)
        self._pair = parse(f"{self.policy.per_pair}/{settings.signin_window_seconds} seconds")
        self._client = parse(f"{self.policy.per_client}/{settings.signin_window_seconds} seconds")
        self._account = parse(f"1000000/{settings.signin_window_seconds} seconds")  # only counted
        self._failures = MovingWindowRateLimiter(MemoryStorage())

    def issue(self, account: Account) -> str:
        assert self.key is not None, "signing key not loaded"
        return self.key.issue(account.claims(), issuer=self.settings.jwt_issuer,
                              audience=self.settings.jwt_audience,
                              ttl=timedelta(minutes=self.settings.token_ttl_minutes))

    async def _refused_for(self, item: RateLimitItem, *key: str) -> float | None:
        if await self._failures.test(item, *key):
            return None
        return await seconds_until_free(self._failures, item, *key)

    async def sign_in(self, email: str, password: str, client: str) -> Account | None:
        """Checks the password; see ``SignInPolicy`` for who is refused or slowed after failures."""
        who = normalise_email(email)
        for item, key in ((self._pair, ("pair", who, client)), (self._client, ("client", client))):
            wait = await self._refused_for(item, *key)
            if wait is not None:
                raise SignInLocked(wait)
        stats = await self._failures.get_window_stats(self._account, "account", who)
        pause = self.policy.delay(self._account.amount - stats.remaining)
        if pause:
            await asyncio.sleep(pause)
        account = await self.store.authenticate(email, password)
        if account is None:
            await self._failures.hit(self._pair, "pair", who, client)
            await self._failures.hit(self._client, "client", client)
            await self._failures.hit(self._account, "account", who)
            return None
        await self._failures.clear(self._pair, "pair", who, client)
        return account

    async def sign_out(self, account_id: str, jti: str | None, expires_at: float) -> None:
        """Revoke one token everywhere: every service hears ``SessionsRevoked`` and refuses it;
        identity itself at once."""
        event = SessionsRevoked(account_id=account_id, jti=jti,
                                not_before=None if jti else datetime.now(UTC),
                                expires_at=datetime.fromtimestamp(expires_at, UTC))
        env = Envelope.wrap(event, producer=self.settings.service_name)
        await self.store.revoke(account_id, env)
        if self.revocations is not None:
            await self.revocations.apply(event, env.event_id)

    async def change_account(self, account_id: str, changes: dict[str, Any], by: Principal) -> Account:
        """An organiser's edit of an account. A deactivation also ends the person's sessions;
        organisers cannot lock themselves out (deactivate or drop their own organiser role)."""
        current = await self.account(account_id)
        if account_id == by.account_id and (changes.get("active") is False
                                            or ("roles" in changes and "organiser" not in changes["roles"])):
            raise Conflict("Không thể tự khoá tài khoản hay bỏ vai trò ban tổ chức của chính mình.")
        if "unit" in changes and self.units is not None:
            changes["unit"] = (await self.units.current())[1].resolve(changes["unit"])
        if "full_name" in changes:
            changes["full_name"] = " ".join(changes["full_name"].split())
        for key in ("roles", "categories"):
            if key in changes:
                changes[key] = sorted(set(changes[key]))
        updated = await self.store.change(account_id, changes)
        assert updated is not None
        if current.active and changes.get("active") is False:
            await self.sign_out(account_id, None, datetime.now(UTC).timestamp() + self.settings.token_ttl_minutes * 60)
        log.info("identity.account_changed", account_id=account_id, by=by.account_id, fields=sorted(changes))
        return updated

    async def account(self, account_id: str) -> Account:
        account = await self.store.get(account_id)
        if account is None:
            raise NotFound("Không tìm thấy tài khoản.")
        return account

    async def accounts(self, role: str | None = None) -> list[Account]:
        """Every account (holding ``role``, if given), by e-mail."""
        return await self.store.list(role)

    async def pending_email(self, account_id: str) -> str | None:
        """The new address the person asked for, until its link is opened."""
        return await self.store.pending_email(account_id)

    async def units_current(self) -> tuple[int, UnitDirectory]:
        assert self.units is not None
        return await self.units.current()

    async def save_units(self, rows: list[dict[str, Any]], revision: int, by: str) -> int:
        assert self.units is not None
        units, errors = check_units(rows)
        if errors:
            raise Invalid("Danh mục đơn vị chưa hợp lệ.", errors)
        try:
            return await self.units.replace(units, revision, by)
        except StaleDirectory:
            raise Conflict("Danh mục vừa được thay đổi ở nơi khác, vui lòng tải lại.") from None

    async def register(self, *, email: str, password: str, full_name: str, unit: str, roles: list[str],
                       categories: list[str] | None = None, **how: Any) -> tuple[Account | None, dict[str, str]]:
        """``how``: ``AccountStore.create``'s account id, verification and events (``account_flows``)."""
        errors: dict[str, str] = {}
        problem = password_problems(password, email)
        if problem:
            errors["password"] = problem
        if errors:
            return None, errors
        if self.units is not None:  # the directory's name for the unit, however it was typed
            unit = (await self.units.current())[1].resolve(unit)
        try:
            account = await self.store.create(email=email, password=password, full_name=full_name, unit=unit,
                                              roles=roles, categories=categories, **how)
        except EmailTaken:
            return None, {"email": "Địa chỉ e-mail này đã được đăng ký."}
        return account, {}
