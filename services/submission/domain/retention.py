"""How much of an entry's history is kept, so a participant saving the same long draft again and
again cannot grow it without bound (each version keeps its own copy of the text).

Kept: the first version, the first version saved while submitted (the text as first handed in)
and the latest ``KEEP_LATEST``. Saves are accepted only while the contest is open, so the
version that stood at the deadline is always among the latest. Files that no kept version and
not the current list reference are deleted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

KEEP_LATEST = 8
MAX_KEPT = KEEP_LATEST + 2
#: An entry document past this is refused before the store's 16 MB limit is ever near.
MAX_ENTRY_BYTES = 6 * 1024 * 1024


def kept_versions(versions: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The versions to store, oldest first (a subset of ``versions``, in their order)."""
    if len(versions) <= MAX_KEPT:
        return list(versions)
    ordered = sorted(versions, key=lambda v: v["number"])
    keep = {ordered[0]["number"]}
    first_submitted = next((v for v in ordered if v.get("submitted")), None)
    if first_submitted is not None:
        keep.add(first_submitted["number"])
    keep.update(v["number"] for v in ordered[-KEEP_LATEST:])
    return [v for v in ordered if v["number"] in keep]


def referenced_files(versions: Sequence[Mapping[str, Any]], current: Sequence[Mapping[str, Any]]) -> set[str]:
    return {a["file_id"] for v in versions for a in v.get("attachments", [])} | {a["file_id"] for a in current}
