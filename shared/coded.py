"""What a domain rule says when something is wrong: a message code and the values it needs.

The rules (``services/*/domain``) never write sentences: which language, which wording and how
numbers read are the service layer's (each service's ``messages.py`` maps codes to Vietnamese
msgids translated through its gettext catalogue, ``shared.web.i18n``). ``str()`` of an error is
the code and its values, for logs and tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Code:
    """One problem, e.g. with one field of a form: its code and the values of its message."""

    code: str
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(cls, code: str, /, **params: object) -> Code:
        return cls(code, MappingProxyType(params))

    def __str__(self) -> str:
        values = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.code} ({values})" if values else self.code


class CodedError(ValueError):
    """A broken rule, as a :class:`Code`; subclasses name the domain it comes from."""

    def __init__(self, code: str, /, **params: object) -> None:
        self.issue = Code.of(code, **params)
        super().__init__(str(self.issue))

    @property
    def code(self) -> str:
        return self.issue.code

    @property
    def params(self) -> Mapping[str, object]:
        return self.issue.params
