"""One unit is one unit: the province's directory of agencies and localities, and the one
spelling rule every service applies to a unit typed as free text.

Organisers keep the directory in identity (code, name, kind, headcount, other spellings); each
service keeps a copy from ``UnitDirectoryChanged``. A typed unit that matches a directory
unit by name, code or another spelling (ignoring case, spacing and how the diacritics were
encoded) becomes that unit's name; any other is kept as typed, trimmed to single spaces, and
compared by :func:`unit_key`. Statistics, conflicts of interest and results all go through here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MAX_UNITS = 2000  # a province has a few hundred agencies, districts and communes
MAX_ALIASES = 10


def clean_unit(text: str) -> str:
    """As typed, in Unicode NFC, trimmed, with single spaces: how a unit outside the directory is kept."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def unit_key(text: str) -> str:
    """What two spellings of one unit share: NFC, casefolded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str = ""  # e.g. "sở, ban, ngành", "huyện", "xã"
    headcount: int | None = None  # staff, for participation per 100 staff in the season report
    aliases: tuple[str, ...] = ()


class UnitDirectory:
    """Resolves typed units to the directory's names; empty, it only cleans spellings."""

    def __init__(self, units: Iterable[Unit] = ()) -> None:
        self.units = tuple(units)
        self._by_key: dict[str, Unit] = {}
        for u in self.units:
            for spelling in (u.name, u.code, *u.aliases):
                if spelling.strip():
                    self._by_key.setdefault(unit_key(spelling), u)

    def find(self, text: str) -> Unit | None:
        return self._by_key.get(unit_key(text))

    def resolve(self, text: str) -> str:
        """The directory's name for a typed unit, or the typed unit cleaned."""
        found = self.find(text)
        return found.name if found else clean_unit(text)

    def key(self, text: str) -> str:
        """The comparison key of a typed unit after resolving it (aliases and codes included)."""
        return unit_key(self.resolve(text))

    @property
    def names(self) -> list[str]:
        return sorted((u.name for u in self.units), key=unit_key)


def duplicate_spellings(units: Iterable[Unit]) -> list[str]:
    """Spellings (names, codes, aliases) that would point at two different units."""
    owner: dict[str, str] = {}
    clashes: list[str] = []
    for u in units:
        for spelling in {unit_key(s) for s in (u.name, u.code, *u.aliases) if s.strip()}:
            if owner.setdefault(spelling, u.code) != u.code:
                clashes.append(spelling)
    return sorted(set(clashes))
