"""A small, exact subset of MongoDB's query matching, evaluated in Python.

FerretDB 1.24 (SQLite) pushes a filter down to SQLite only when it is exactly ``{"_id": <string
or ObjectId>}``; a filter such as ``{"_id": x, "rev": 3}`` parses every document of the
collection (measured: an update of one entry took 280 ms with 1,300 entries stored). The
FerretDB adapter (``shared.ferretdb.gate``) therefore fetches the document by ``_id`` alone and checks
the rest of the filter here. Only conditions whose MongoDB meaning is reproduced exactly are
accepted; anything else raises ``Unsupported`` and the caller lets the server evaluate it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

_MISSING = object()
OPERATORS = frozenset({"$eq", "$ne", "$in", "$nin", "$exists"})


class Unsupported(Exception):
    """The filter uses something this module does not reproduce exactly."""


def _scalar_ok(value: Any) -> bool:
    # Regexes, binaries, decimals, min/max keys... compare differently on the server: leave those to it.
    if isinstance(value, float):
        return value == value  # NaN equals NaN on the server, never in Python
    return value is None or isinstance(value, str | int | bool | datetime | ObjectId)


def _bson_time(value: datetime) -> datetime:
    """What the server compares: UTC (naive means UTC), truncated to the millisecond."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def check_supported(conditions: Mapping[str, Any]) -> None:
    """Raise ``Unsupported`` unless every condition is one ``matches`` evaluates exactly."""
    for path, cond in conditions.items():
        if path.startswith("$") or any(not part or part.isdigit() for part in path.split(".")):
            raise Unsupported(path)
        if isinstance(cond, Mapping) and any(str(k).startswith("$") for k in cond):
            for op, arg in cond.items():
                if op not in OPERATORS:
                    raise Unsupported(op)
                if op in ("$in", "$nin"):
                    if not isinstance(arg, list | tuple) or not all(_scalar_ok(a) for a in arg):
                        raise Unsupported(op)
                elif op == "$exists":
                    if not isinstance(arg, bool):
                        raise Unsupported(op)
                elif not _scalar_ok(arg):
                    raise Unsupported(op)
        elif not _scalar_ok(cond):
            raise Unsupported(path)  # whole-document or array equality: field order rules differ


def _resolve(doc: Mapping[str, Any], path: str) -> Any:
    cur: Any = doc
    for part in path.split("."):
        if isinstance(cur, list):
            raise Unsupported(path)  # a path through an array fans out on the server
        if not isinstance(cur, Mapping) or part not in cur:
            return _MISSING
        cur = cur[part]
    return cur


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False  # True == 1 in Python, never in MongoDB
    if (a is None) != (b is None):
        return False
    if isinstance(a, datetime) or isinstance(b, datetime):
        return isinstance(a, datetime) and isinstance(b, datetime) and _bson_time(a) == _bson_time(b)
    return bool(a == b)


def _equals(value: Any, target: Any) -> bool:
    """``{field: target}``: equal, or an array holding it; null also matches a missing field."""
    if value is _MISSING:
        return target is None
    if isinstance(value, list):
        return any(_same(v, target) for v in value)
    return _same(value, target)


def matches(doc: Mapping[str, Any], conditions: Mapping[str, Any]) -> bool:
    """Whether ``doc`` satisfies ``conditions`` (already accepted by ``check_supported``)."""
    for path, cond in conditions.items():
        value = _resolve(doc, path)
        if isinstance(cond, Mapping) and any(str(k).startswith("$") for k in cond):
            for op, arg in cond.items():
                if op == "$eq" and not _equals(value, arg):
                    return False
                if op == "$ne" and _equals(value, arg):
                    return False
                if op == "$in" and not any(_equals(value, a) for a in arg):
                    return False
                if op == "$nin" and any(_equals(value, a) for a in arg):
                    return False
                if op == "$exists" and (value is not _MISSING) != arg:
                    return False
        elif not _equals(value, cond):
            return False
    return True
