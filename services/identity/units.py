"""The province's unit directory, kept by organisers: one record, replaced as a whole with a
compare-and-set on its revision, its event in the same write (``repositories.UnitDirectoryRepository``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.identity.repositories import UnitDirectoryRepository
from shared.envelope import Envelope
from shared.events.accounts import UnitDirectoryChanged, UnitEntry
from shared.mongo import Doc
from shared.units import MAX_ALIASES, MAX_UNITS, Unit, UnitDirectory, clean_unit, duplicate_spellings


class StaleDirectory(Exception):
    """Someone else saved the directory meanwhile."""


def check_units(rows: list[dict[str, Any]]) -> tuple[list[Unit], dict[str, str]]:
    """Clean and validate the organiser's rows; errors are keyed ``units.<i>.<field>``."""
    units: list[Unit] = []
    errors: dict[str, str] = {}
    if len(rows) > MAX_UNITS:
        return [], {"units": f"Tối đa {MAX_UNITS} đơn vị."}
    seen_codes: dict[str, int] = {}
    for i, row in enumerate(rows):
        code, name = clean_unit(str(row.get("code", ""))), clean_unit(str(row.get("name", "")))
        if not code:
            errors[f"units.{i}.code"] = "Cần mã đơn vị."
        elif code.casefold() in seen_codes:
            errors[f"units.{i}.code"] = f"Mã «{code}» trùng với dòng {seen_codes[code.casefold()] + 1}."
        seen_codes.setdefault(code.casefold(), i)
        if not name:
            errors[f"units.{i}.name"] = "Cần tên đơn vị."
        headcount = row.get("headcount")
        if headcount is not None and (isinstance(headcount, bool) or not isinstance(headcount, int)
                                      or not 0 <= headcount <= 1_000_000):
            errors[f"units.{i}.headcount"] = "Số biên chế là số nguyên từ 0 đến 1.000.000."
        aliases = tuple(a for a in (clean_unit(str(x)) for x in row.get("aliases") or []) if a)
        if len(aliases) > MAX_ALIASES:
            errors[f"units.{i}.aliases"] = f"Tối đa {MAX_ALIASES} cách viết khác."
        units.append(Unit(code=code, name=name, kind=clean_unit(str(row.get("kind", ""))),
                          headcount=headcount if isinstance(headcount, int) else None, aliases=aliases))
    if not errors:
        clashes = duplicate_spellings(units)
        if clashes:
            errors["units"] = "Một cách viết chỉ trỏ tới một đơn vị; trùng: " + ", ".join(clashes[:5])
    return units, errors


def to_doc(u: Unit) -> Doc:
    return {"code": u.code, "name": u.name, "kind": u.kind, "headcount": u.headcount, "aliases": list(u.aliases)}


class UnitStore:
    def __init__(self, units: UnitDirectoryRepository, producer: str) -> None:
        self.units = units
        self._producer = producer
        self._cache: tuple[int, UnitDirectory] | None = None

    async def current(self) -> tuple[int, UnitDirectory]:
        """The directory and its revision (kept in memory: this process is the only writer)."""
        if self._cache is None:
            doc = await self.units.load() or {}
            units = [Unit(d["code"], d["name"], d.get("kind", ""), d.get("headcount"), tuple(d.get("aliases", [])))
                     for d in doc.get("units", [])]
            self._cache = (int(doc.get("revision", 0)), UnitDirectory(units))
        return self._cache

    async def replace(self, units: list[Unit], revision: int, by: str) -> int:
        """Save the whole directory if ``revision`` is still the stored one; returns the new one."""
        new = revision + 1
        event = Envelope.wrap(UnitDirectoryChanged(revision=new, units=[UnitEntry(**to_doc(u)) for u in units]),
                              producer=self._producer)
        directory = {"units": [to_doc(u) for u in units], "revision": new, "updated_at": datetime.now(UTC),
                     "updated_by": by}
        if not await self.units.replace(revision, directory, [event]):
            raise StaleDirectory
        self._cache = (new, UnitDirectory(units))
        return new
