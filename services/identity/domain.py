"""Identity's rules: who may hold which role, password strength, and sign-in throttling."""

from __future__ import annotations

import re
from dataclasses import dataclass

ROLES = ("participant", "judge", "organiser", "coordinator")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def password_problems(password: str, email: str) -> str | None:
    """A message when the password is too weak, else None (NIST-style: length over composition)."""
    if len(password) < 10:
        return "Mật khẩu cần ít nhất 10 ký tự."
    if len(password) > 200:
        return "Mật khẩu quá dài (tối đa 200 ký tự)."
    if normalise_email(email).split("@")[0] in password.lower():
        return "Mật khẩu không được chứa tên đăng nhập."
    return None


@dataclass(frozen=True)
class SignInPolicy:
    """Who is slowed or refused after wrong passwords: the attacker, never the account's owner.

    Failures are counted per (account, client address), per client address, and per account
    over all clients. One client guessing one account is refused for that account after
    ``per_pair`` failures; a client guessing many accounts after ``per_client``. Failures on an
    account from many clients (a distributed guess) only slow every attempt on it, doubling
    from ``base_delay`` past ``slow_after`` up to ``max_delay``: the owner, who knows the
    password, still signs in, a few seconds later at worst, while guessing becomes slow.
    """

    per_pair: int = 5
    per_client: int = 100
    slow_after: int = 10
    base_delay: float = 0.25
    max_delay: float = 5.0

    def delay(self, account_failures: int) -> float:
        """Seconds to wait before checking a password for an account with these many recent failures."""
        if account_failures < self.slow_after:
            return 0.0
        return min(self.base_delay * float(2 ** min(account_failures - self.slow_after, 32)), self.max_delay)
