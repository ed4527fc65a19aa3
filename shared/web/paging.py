"""One page of a long list, for the organisers' pages: a contest has thousands of entries, and a
table of all of them is megabytes of HTML a phone cannot scroll."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

T = TypeVar("T")

PER_PAGE = 50
MAX_PAGE = 100_000  # a page number a stranger sends is bounded like every other integer


@dataclass(frozen=True)
class Paged(Generic[T]):
    items: Sequence[T]
    page: int
    pages: int
    total: int
    per_page: int
    params: tuple[tuple[str, str], ...] = ()  # the list's other query parameters (filters)

    @property
    def first(self) -> int:
        """1-based position of the first item shown (0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)

    def url(self, page: int) -> str:
        """The query string for another page of the same list (same filters)."""
        return "?" + urlencode([*self.params, ("page", str(page))])

    def nearby(self) -> list[int]:
        """The page numbers to offer: the first, the last and two either side of this one."""
        keep = {1, self.pages, *range(self.page - 2, self.page + 3)}
        return [p for p in sorted(keep) if 1 <= p <= self.pages]


def paginate(items: Sequence[T], page: int, per_page: int = PER_PAGE,
             params: dict[str, str | None] | None = None) -> Paged[T]:
    """``page`` is clamped into range: a stale link after the list shrank still shows something."""
    pages = max(1, -(-len(items) // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    kept = tuple((k, v) for k, v in (params or {}).items() if v)
    return Paged(items[start:start + per_page], page, pages, len(items), per_page, kept)


def search_key(text: str) -> str:
    """What a search compares: casefolded, without Vietnamese marks (``"Sở Tư pháp"`` and ``"so tu
    phap"`` match), single spaces, so one finds an entry however one types its name."""
    text = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())
