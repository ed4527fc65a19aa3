"""What the FerretDB adapter evaluates in Python and what it leaves to the server.

Agreement with the server on the accepted subset is proven against FerretDB in
``tests/integration/test_ferretdb_adapter.py``; here: the refusals, which keep it honest."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.ferretdb.docmatch import Unsupported, check_supported, matches
from shared.ferretdb.gate import _by_id, _positional, _widen


@pytest.mark.parametrize("conditions", [
    {"n": {"$gt": 1}}, {"tags": ["a", "b"]}, {"sub": {"x": 1}}, {"name": re.compile("^a")}, {"$or": []},
    {"items.0": 1}, {"n": {"$in": "ab"}}, {"n": float("nan")}, {"n": {"$exists": 1}},
])
def test_conditions_whose_meaning_differs_in_python_are_left_to_the_server(conditions: dict[str, object]) -> None:
    with pytest.raises(Unsupported):
        check_supported(conditions)
    assert _by_id({"_id": "x", **conditions}) is None


def test_filters_the_server_already_serves_from_its_index_are_not_split() -> None:
    assert _by_id({"_id": "x"}) is None
    assert _by_id({"_id": {"$in": ["x"]}, "rev": 1}) is None
    assert _by_id({"owner_id": "o", "rev": 1}) is None
    assert _by_id({"_id": "x", "rev": 1, "owner_id": "o"}) == ("x", {"rev": 1, "owner_id": "o"})


def test_times_compare_as_stored_utc_milliseconds() -> None:
    t = datetime(2026, 11, 25, 8, 0, 0, 400, tzinfo=UTC)
    hanoi = timezone(timedelta(hours=7))
    assert matches({"at": t.replace(microsecond=0)}, {"at": t})
    assert matches({"at": t}, {"at": t.astimezone(hanoi)})
    assert matches({"at": t}, {"at": t.replace(tzinfo=None)})
    assert not matches({"at": t}, {"at": t + timedelta(milliseconds=1)})


def test_true_is_not_one_and_arrays_hold_their_elements() -> None:
    assert not matches({"flag": True}, {"flag": 1})
    assert matches({"files": ["a", "b"]}, {"files": "b"})
    assert not matches({"files": ["a", "b"]}, {"files": {"$nin": ["b"]}})
    assert matches({}, {"rev": None}) and matches({}, {"rev": {"$exists": False}})
    with pytest.raises(Unsupported):
        matches({"items": [{"x": 1}]}, {"items.x": 1})


def test_projections_are_widened_for_the_check_and_narrowed_again() -> None:
    assert _widen(None, {"rev": 1}) == (None, set())
    assert _widen({"_id": 1}, {"rev": 1}) == ({"_id": 1, "rev": 1}, {"rev"})
    assert _widen({"title": 1}, {"rev": 1, "owner.id": "o"}) == ({"title": 1, "rev": 1, "owner": 1}, {"rev", "owner"})
    assert _widen({"_outbox": 0, "rev": 0}, {"rev": 1}) == ({"_outbox": 0}, {"rev"})
    assert _widen({"items": {"$slice": 2}}, {"rev": 1}) is None


def test_positional_updates_keep_the_filter_on_the_server() -> None:
    assert _positional({"$set": {"items.$.v": 1}})
    assert _positional([{"$set": {"a": 1}}])
    assert not _positional({"$set": {"a": 1}, "$inc": {"rev": 1}})
