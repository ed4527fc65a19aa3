"""What an author is told of the judges' view of their entry: per-criterion means and the
comments, anonymised.

Pure rules. Comments carry no judge and come in an order that says nothing about who wrote
them: sorted by their words first (so the judges' order is gone), then shuffled with a seed of
the entry and round, so the same entry always reads the same.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

__all__ = ["anonymised_comments"]


def anonymised_comments(sheets: Iterable[Mapping[str, object]], seed: str) -> list[tuple[str | None, str]]:
    """``(criterion key or None for the overall comment, text)`` of every non-blank comment of
    ``sheets`` (each with ``comments``: key -> text, and ``overall``), in a deterministic order
    unrelated to the judges'."""
    found: list[tuple[str | None, str]] = []
    for sheet in sheets:
        comments = sheet.get("comments") or {}
        assert isinstance(comments, Mapping)
        found += [(str(k), str(v).strip()) for k, v in comments.items() if str(v).strip()]
        overall = str(sheet.get("overall") or "").strip()
        if overall:
            found.append((None, overall))
    found.sort(key=lambda c: (c[1], c[0] or ""))
    random.Random(seed).shuffle(found)
    return found
