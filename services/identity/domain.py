"""Identity's rules: who may hold which role, password strength, and sign-in throttling."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

ROLES = ("participant", "judge", "organiser")
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
class Throttle:
    """Sign-in failures inside a fixed window; past the limit the key is locked until it ends."""

    max_failures: int
    window: timedelta

    def locked_for(self, failures: int, window_start: datetime | None, now: datetime) -> timedelta | None:
        if window_start is None or now - window_start >= self.window:
            return None
        if failures < self.max_failures:
            return None
        return self.window - (now - window_start)
