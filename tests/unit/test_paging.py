"""Pages of the organisers' long lists, and the search that finds an entry however it is typed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.web.paging import paginate, search_key


@given(st.integers(0, 400), st.integers(1, 60), st.integers(-5, 50))
def test_pages_cover_every_item_once_in_order(n: int, per_page: int, asked: int) -> None:
    items = list(range(n))
    first = paginate(items, 1, per_page)
    seen = [x for p in range(1, first.pages + 1) for x in paginate(items, p, per_page).items]
    assert seen == items
    page = paginate(items, asked, per_page)
    assert 1 <= page.page <= page.pages  # a stale page number still shows a page
    assert page.first == (0 if n == 0 else (page.page - 1) * per_page + 1) and page.last == min(n, page.page * per_page)
    offered = page.nearby()
    assert offered[0] == 1 and offered[-1] == page.pages and page.page in offered and offered == sorted(set(offered))


def test_page_links_keep_the_filters_and_drop_empty_ones() -> None:
    p = paginate(list(range(120)), 2, 50, params={"contest_id": "c1", "status": None, "q": "Sở Tư pháp"})
    assert p.url(3) == "?contest_id=c1&q=S%E1%BB%9F+T%C6%B0+ph%C3%A1p&page=3"


def test_search_ignores_case_marks_and_spacing() -> None:
    assert search_key("  SỞ   Tư pháp ") == search_key("so tu phap") == "so tu phap"
    assert search_key("Đăng ký đất đai") == "dang ky dat dai"
    assert "phap" in search_key("Sở Tư Pháp tỉnh")
