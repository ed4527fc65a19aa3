"""What a use case says when it refuses: a kind of refusal, a message and the fields it is about.

Use cases raise these and know nothing of HTTP; ``shared.app`` maps each kind to its status
once, translates the message and the field messages into the user's language and answers
``{"detail": ..., "errors": {field: message}}`` (or the error page). Consumers catch them too:
a refusal inside an event handler is a rule, not a failure to retry.

Messages are the Vietnamese text, which is also the key of the English catalogue; their
``{placeholders}`` are filled at the edge from ``params`` (a value may itself be a :class:`Text`,
worded in the same language), and a field's message may be a :class:`Text` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Text(str):
    """A message worded later, in the reader's language: its Vietnamese msgid (extracted for the
    catalogue: ``Text`` is a keyword of ``tools/messages.py``) and the values of its placeholders.

    It *is* the msgid as a ``str`` (so every ``field -> message`` mapping holds it unchanged and
    equality is the msgid's); the edge fills ``params`` in after translating.
    """

    params: Mapping[str, object]

    def __new__(cls, msgid: str, params: Mapping[str, object] | None = None) -> Text:
        self = super().__new__(cls, msgid)
        self.params = MappingProxyType(dict(params or {}))
        return self

    def __repr__(self) -> str:
        return f"Text({str.__repr__(self)}, {dict(self.params)!r})"


class Refused(Exception):
    """A request the rules refuse. ``errors``: field -> message; ``extra``: more keys of the body
    a client acts on (e.g. ``declaration_required``); ``params``: the values of the message's
    ``{placeholders}``."""

    def __init__(self, message: str, errors: Mapping[str, str] | None = None, *, field: str | None = None,
                 extra: Mapping[str, Any] | None = None, retry_after: int | None = None,
                 params: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.params = dict(params or {})
        said = Text(message, {**getattr(message, "params", {}), **self.params})
        self.errors = dict(errors or ({field: said} if field else {}))
        self.extra = dict(extra or {})
        self.retry_after = retry_after  # seconds, when trying again later can succeed


class NotSignedIn(Refused):
    """No valid token (none, expired, revoked) or wrong credentials; pages send a browser to sign in."""


class NotFound(Refused):
    """No such thing, or not one this person may see (the same answer, so ids cannot be probed)."""


class Forbidden(Refused):
    """Known, but not for this person or not yet (e.g. before the conflict declaration)."""


class Conflict(Refused):
    """The thing's state does not allow it now (closed, already done, changed meanwhile)."""


class Gone(Refused):
    """It was there and was withdrawn."""


class Invalid(Refused):
    """The input breaks a rule: the fields and what is wrong with each."""


class TooLarge(Refused):
    """Over a size limit."""


class Unsupported(Refused):
    """A kind of file or content the rules do not take."""


class Throttled(Refused):
    """Too many attempts by this person or address: wait ``retry_after`` seconds."""


class Busy(Refused):
    """Too much at once for now: try again shortly (the edge adds ``Retry-After``)."""


#: The edge's one mapping from a kind of refusal to its HTTP status.
STATUS: dict[type[Refused], int] = {NotSignedIn: 401, NotFound: 404, Forbidden: 403, Conflict: 409, Gone: 410,
                                    Invalid: 422, TooLarge: 413, Unsupported: 415, Throttled: 429, Busy: 503}


def status_of(exc: Refused) -> int:
    for kind in type(exc).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


class ErrorBody(BaseModel):
    """What every refusal answers (``shared.app``): the message and each field's message, in the
    user's language; some refusals add keys a client acts on (e.g. ``declaration_required``)."""

    model_config = ConfigDict(extra="allow")
    detail: str = Field(description="What went wrong, in the user's language (Vietnamese unless ?lang=en).")
    errors: dict[str, str] = Field(default_factory=dict, description="Field name -> what is wrong with it.")


_MEANING = {400: "Bad request.", 401: "Not signed in, or the token is invalid or revoked.",
            403: "Not allowed for this account, or a cross-site write.", 404: "Not found (or not yours).",
            409: "The current state does not allow it.", 410: "Withdrawn.", 413: "Too large.",
            415: "A kind of file the contest does not accept.", 422: "Invalid input: see ``errors``.",
            429: "Too many attempts: see ``Retry-After``.",
            503: "A dependency is down or busy: see ``Retry-After``."}

#: Declared on every API router: each error status with the body it really has (FastAPI would
#: otherwise document its own 422 shape, which the edge never sends).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text} for status, text in _MEANING.items()}
