"""Vietnamese first, English second.

Message ids are the Vietnamese texts themselves (what most users read, and what reviewers of
the wording check); each service ships an ``en.json`` catalogue mapping them to English, on
top of the shared one. A missing translation falls back to Vietnamese rather than failing.
Numbers and dates are formatted with Babel for the chosen locale (85,33 in Vietnamese).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal
from fastapi import Request

LANGS = ("vi", "en")
LANG_COOKIE = "lang"
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SHARED_LOCALES = Path(__file__).parent / "locales"


class Catalog:
    def __init__(self, dirs: Iterable[Path]) -> None:
        self._en: dict[str, str] = {}
        for d in dirs:
            path = d / "en.json"
            if path.exists():
                self._en.update(json.loads(path.read_text(encoding="utf-8")))

    def gettext(self, text: str, lang: str) -> str:
        if lang == "en":
            return self._en.get(text, text)
        return text

    def missing(self, texts: Iterable[str]) -> list[str]:
        return [t for t in texts if t not in self._en]


def request_lang(request: Request) -> str:
    q = request.query_params.get("lang")
    if q in LANGS:
        return q
    c = request.cookies.get(LANG_COOKIE)
    return c if c in LANGS else "vi"


def fmt_number(value: float | int | None, lang: str, digits: int = 2) -> str:
    if value is None:
        return "—"
    pattern = "#,##0" if digits == 0 else "#,##0." + "0" * digits
    return format_decimal(value, format=pattern, locale="vi_VN" if lang == "vi" else "en_GB")


def fmt_datetime(value: datetime | None, lang: str) -> str:
    """Always shown in Vietnam time, whatever the server's zone."""
    if value is None:
        return "—"
    local = value.astimezone(VN_TZ)
    return format_datetime(local, "dd/MM/yyyy HH:mm", locale="vi_VN" if lang == "vi" else "en_GB")
