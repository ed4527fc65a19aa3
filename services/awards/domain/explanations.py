"""Explanations as data: a message code and its parameters, never a sentence.

The rules decide *what* to say (which tier was missed and why, which key broke a tie); the
service's catalogue decides *how* it reads in Vietnamese or English
(``services/awards/explanations.py``). Parameters say what kind of value they hold, so the
reader's language can format it: a score (85,33 / 85.33), a minimum score (70 / 72,5), an
instant, a name given in both languages by the organiser, a nested message or a sequence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Score:
    """An official score, always shown with 2 decimals."""

    value: float


@dataclass(frozen=True, slots=True)
class Threshold:
    """A minimum score, shown without trailing zeros."""

    value: float


@dataclass(frozen=True, slots=True)
class Moment:
    """An instant, shown in Vietnam time to the second."""

    value: datetime


@dataclass(frozen=True, slots=True)
class Named:
    """A name the organiser gave in both languages (a tier, a criterion)."""

    vi: str
    en: str


@dataclass(frozen=True, slots=True)
class Seq:
    """Parts shown one after the other with ``sep`` (punctuation, not words) between them."""

    items: tuple[Param, ...]
    sep: str


@dataclass(frozen=True, slots=True)
class Msg:
    """One message of the catalogue, by code, with the values its wording needs."""

    code: str
    params: Mapping[str, Param] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(cls, code: str, **params: Param) -> Msg:
        return cls(code, MappingProxyType(params))


Param = str | int | Score | Threshold | Moment | Named | Seq | Msg
