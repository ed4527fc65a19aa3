"""One unit is one unit: spellings, codes and other names of a directory unit resolve to it."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.awards.domain.participation import tally
from services.identity.units import check_units
from shared.units import Unit, UnitDirectory, clean_unit, duplicate_spellings, unit_key

STP = Unit("STP", "Sở Tư pháp", "Sở, ban, ngành", 120, ("Sở TP",))
DIRECTORY = UnitDirectory([STP, Unit("STC", "Sở Tài chính")])


def test_case_spacing_codes_and_aliases_resolve_to_the_directory_name() -> None:
    for typed in ("SỞ TƯ PHÁP", "  sở   tư pháp ", "stp", "Sở TP", "So\u031b\u0309 Tư pháp"):
        assert DIRECTORY.resolve(typed) == "Sở Tư pháp", typed
    assert DIRECTORY.resolve("Sở  Tài   chính") == "Sở Tài chính"
    assert DIRECTORY.resolve("  UBND  xã Tân Chi ") == "UBND xã Tân Chi", "outside the directory: only cleaned"


@given(st.text(min_size=1, max_size=30))
def test_a_key_ignores_case_and_spacing_and_cleaning_keeps_the_key(text: str) -> None:
    assert unit_key(f"  {text.upper()}  ") == unit_key(text.upper())
    assert unit_key(clean_unit(text)) == unit_key(text)


def test_the_directory_refuses_a_spelling_that_points_at_two_units() -> None:
    assert duplicate_spellings([STP, Unit("STP2", "Sở Tài chính", aliases=("sở tư pháp",))]) == ["sở tư pháp"]
    _, errors = check_units([{"code": "A", "name": "Sở Y tế"}, {"code": "a", "name": "Sở Xây dựng"},
                             {"code": "", "name": ""}, {"code": "C", "name": "C", "headcount": -1}])
    assert set(errors) == {"units.1.code", "units.2.code", "units.2.name", "units.3.headcount"}


def test_statistics_count_spellings_of_one_unit_once() -> None:
    facts = [{"_id": str(i), "entry_id": f"e{i}", "status": "eligible", "category": "tthc", "unit": u,
              "at": datetime(2026, 11, 1, tzinfo=UTC)}
             for i, u in enumerate(["SỞ TƯ PHÁP", "Sở Tư pháp", "Sở  Tài   chính", "sở tài chính", "Sở Tài chính"])]
    # Without a directory: one unit per key, shown as its most used spelling (the first on a tie).
    assert tally(facts)["by_unit"] == [("Sở Tài chính", 3), ("SỞ TƯ PHÁP", 2)]
    assert tally(facts, units=DIRECTORY)["by_unit"] == [("Sở Tài chính", 3), ("Sở Tư pháp", 2)]
