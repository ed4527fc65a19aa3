"""What the submission rules report: a code and the values its message needs, never a sentence.

Domain functions return :class:`Issue` values keyed by field so tests assert on stable codes and
the service layer words them in the reader's language (``services/submission/messages.py``,
through the service's gettext catalogue).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Lang = Literal["vi", "en"]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with one field: a message code plus the values its message needs."""

    code: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, code: str, **params: object) -> Issue:
        return cls(code, tuple(sorted(params.items())))


class ValidationError(ValueError):
    """Raised where a function must return a value but the input breaks a rule.

    Carries the same field-keyed issues the validators return, so the service layer can show
    them next to the form fields whichever way they were produced.
    """

    def __init__(self, issues: Mapping[str, Issue]) -> None:
        self.issues: dict[str, Issue] = dict(issues)
        super().__init__("; ".join(f"{k}: {v.code}{dict(v.params) or ''}" for k, v in self.issues.items()))
