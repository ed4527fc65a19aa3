"""JSON bodies checked at the edge, before any route sees them: bounded in size, and free of
lone UTF-16 surrogates.

JSON may spell a surrogate half on its own (``"x\\ud800y"``); Python decodes it into a ``str``
that cannot be encoded as UTF-8, and the store's encoder then fails half-way through a request.
No real text contains one, so such a body is refused with a field-level 422.
"""

from __future__ import annotations

import json
import re
from typing import Any

from shared.web.i18n import N_

MAX_JSON_BYTES = 10 * 1024 * 1024
# A ``\\u`` escape of a surrogate half: only then can a parsed string hold a lone surrogate.
_HINT = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
MSG = N_("Văn bản chứa ký tự không hợp lệ (ký tự mã hoá hỏng); vui lòng gõ hoặc dán lại.")


def _bad(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def broken_text(value: Any, path: tuple[str, ...] = ()) -> str | None:
    """The dotted path of the first string (or key) that is not proper text, if any."""
    if isinstance(value, str):
        return ".".join(path) or "_" if _bad(value) else None
    if isinstance(value, dict):
        for k, v in value.items():
            if _bad(k):
                return ".".join((*path, "_key")) or "_"
            found = broken_text(v, (*path, k))
            if found:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = broken_text(v, (*path, str(i)))
            if found:
                return found
    return None


def check_body(body: bytes) -> str | None:
    """The field holding broken text, or None (also None for a body that is not JSON at all:
    the route's own validation answers that)."""
    if not _HINT.search(body):
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return broken_text(parsed)
