"""Vietnamese first, English second: one gettext mechanism for pages, APIs and messages.

Message ids are the Vietnamese texts themselves (what most users read, and what reviewers of
the wording check). Each locale directory (``shared/web/locales`` and each service's
``locales``) holds ``en/LC_MESSAGES/messages.po``; a service's entries win over the shared
ones. The ``.po`` files are read with Babel and compiled in memory when a service starts, so
a fresh clone needs no build step and there is no ``.mo`` to fall out of date. A missing
translation falls back to Vietnamese rather than failing (``tests/unit/test_translations.py``
fails instead). Numbers and dates are formatted with Babel for the chosen locale (85,33 in
Vietnamese).

Code marks texts for ``pybabel extract`` (``babel.cfg``) with :func:`N_` where it keeps a
Vietnamese text to translate later, and translates with :meth:`Catalog.gettext`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from fastapi import Request

from shared.errors import Text

Lang = Literal["vi", "en"]
LANGS = ("vi", "en")
LANG_COOKIE = "lang"
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SHARED_LOCALES = Path(__file__).parent / "locales"
DOMAIN = "messages"
#: The languages with a catalogue; Vietnamese is the message ids themselves.
TRANSLATED = ("en",)
_BABEL_LOCALE = {"vi": "vi_VN", "en": "en_GB"}


def N_(text: str) -> str:
    """Mark a Vietnamese text for extraction where it is kept, not yet shown."""
    return text


def po_path(locales: Path, lang: str = "en") -> Path:
    return locales / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _compiled(path: Path) -> Translations:
    """One ``.po`` file compiled in memory (read once per process)."""
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=path.parent.parent.name, domain=DOMAIN)
    buf = BytesIO()
    write_mo(buf, catalog)  # fuzzy entries are left out, as msgfmt does
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def load_translations(dirs: Iterable[Path], lang: str) -> NullTranslations:
    """The catalogues of ``dirs`` merged in order: a later directory's entries win."""
    merged = Translations(domain=DOMAIN)
    for d in dirs:
        path = po_path(d, lang)
        if path.exists():
            merged.merge(_compiled(path))
    return merged


class Catalog:
    """The translations of one service (its own ``locales`` over the shared ones)."""

    def __init__(self, dirs: Iterable[Path]) -> None:
        self.dirs = tuple(dirs)
        self._by_lang: dict[str, NullTranslations] = {
            lang: load_translations(self.dirs, lang) for lang in TRANSLATED
        }
        self._vi = NullTranslations()

    def translations(self, lang: str) -> NullTranslations:
        return self._by_lang.get(lang, self._vi)

    def gettext(self, text: str, lang: str) -> str:
        return self.translations(lang).gettext(text)

    def ngettext(self, singular: str, plural: str, n: int, lang: str) -> str:
        return self.translations(lang).ngettext(singular, plural, n)

    def format(self, text: str, lang: str, params: Mapping[str, object] | None = None) -> str:
        """Translate, then fill ``{name}`` placeholders (unknown ones stay visible); a value that
        is a :class:`~shared.errors.Text` is worded in the same language first."""
        values = {k: self.word(v, lang) if isinstance(v, Text) else v for k, v in (params or {}).items()}
        return self.gettext(text, lang).format_map(_KeepMissing(values))

    def word(self, text: str, lang: str) -> str:
        """A message in ``lang``: a :class:`~shared.errors.Text` with its values filled in, or a
        plain msgid translated."""
        return self.format(text, lang, text.params) if isinstance(text, Text) else self.gettext(text, lang)

    def missing(self, texts: Iterable[str], lang: str = "en") -> list[str]:
        known = getattr(self.translations(lang), "_catalog", {})
        return [t for t in texts if not known.get(t)]


class _KeepMissing(dict[str, object]):
    """Leaves unknown placeholders visible instead of failing to render a message."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


#: Shared texts only, for code that has no service at hand (the edge's own messages).
SHARED = Catalog([SHARED_LOCALES])


def service_catalog(package_dir: Path) -> Catalog:
    """The catalogue a service's pages and APIs use: its own over the shared one."""
    return Catalog([SHARED_LOCALES, package_dir / "locales"])


def gettext(text: str, lang: str, catalog: Catalog = SHARED) -> str:
    """``text`` (a Vietnamese msgid) in ``lang``, through ``catalog`` (default: the shared one)."""
    return catalog.gettext(text, lang)


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
    return format_decimal(value, format=pattern, locale=_BABEL_LOCALE.get(lang, "en_GB"))


def fmt_datetime(value: datetime | None, lang: str) -> str:
    """Always shown in Vietnam time, whatever the server's zone."""
    if value is None:
        return "—"
    local = value.astimezone(VN_TZ)
    return format_datetime(local, "dd/MM/yyyy HH:mm", locale=_BABEL_LOCALE.get(lang, "en_GB"))
