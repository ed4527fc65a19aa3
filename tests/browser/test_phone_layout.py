"""Every main page fits a 360 px phone without horizontal scrolling, in Vietnamese and English,
for each role, with long names where real contests have them; axe-core finds no serious or
critical violation on them."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import serious_axe_violations, sign_in
from tests.conftest import Api, initiative, new_judge, new_participant

pytestmark = pytest.mark.browser
LONG_NAME = ("Hội thi sáng kiến cải cách hành chính và chuyển đổi số trong các cơ quan hành chính nhà nước "
             "tỉnh Bắc Ninh năm 2026 lần thứ nhất")


def _overflow(page: Page) -> list[str]:
    return list(page.evaluate("""() => {
        const w = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= w) return [];
        return Array.from(document.querySelectorAll('body *'))
          .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-wrap'))
          .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
    }"""))


def test_every_main_page_fits_a_360_px_phone(gateway: str, organiser: Api, organiser_email: str,
                                             browser: Browser) -> None:
    contest = organiser.post("/submission/api/contests", json={**new_contest_body(), "name": LONG_NAME}).json()
    cid = contest["contest_id"]
    author, author_email = new_participant(gateway, unit="Trung tâm Phục vụ hành chính công tỉnh Bắc Ninh")
    author.post(f"/submission/api/contests/{cid}/entries", params={"submit": "true"},
                json=initiative(co_authors=[{"full_name": "Nguyễn Thị Phương Thảo", "position": "Phó Giám đốc",
                                             "unit": "Trung tâm Phục vụ hành chính công tỉnh Bắc Ninh",
                                             "email": "thao.ntp@hanhchinhcong.example", "contribution_pct": 40}],
                                main_author_share=60))
    judge = new_judge(gateway, organiser, "Sở Thông tin và Truyền thông")
    pages = {
        None: ["/submission/contests", f"/submission/contests/{cid}", "/awards/results", "/identity/signin",
               "/identity/signup", "/awards/verify"],
        (author_email, "TacGia#Test2026"): ["/submission/my", f"/submission/contests/{cid}/new", "/awards/my"],
        (judge.email, "GiamKhao#Test2026"): ["/judging/"],
        (organiser_email, "Organiser#Test2026"): [
            f"/submission/screening?contest_id={cid}", f"/judging/organiser?contest_id={cid}",
            f"/judging/organiser/setup?contest_id={cid}", f"/judging/organiser/calibration?contest_id={cid}",
            f"/judging/organiser/audit?contest_id={cid}", f"/awards/organiser?contest_id={cid}",
            f"/awards/organiser/checklist?contest_id={cid}",
            "/identity/accounts", "/submission/manage/contests/new", f"/submission/manage/contests/{cid}"],
    }
    problems: list[str] = []
    for who, urls in pages.items():
        # bypass_csp: axe is injected as an inline script, which the pages' own policy forbids.
        ctx = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 800}, bypass_csp=True)
        page = ctx.new_page()
        if who:
            sign_in(page, gateway, *who)
        for url in urls:
            for lang in ("vi", "en"):
                page.goto(f"{gateway}{url}{'&' if '?' in url else '?'}lang={lang}")
                wide = _overflow(page)
                if wide:
                    problems.append(f"{url} ({lang}): {wide}")
                if lang == "vi":
                    found = serious_axe_violations(page)
                    if found:
                        problems.append(f"{url}: axe {json.dumps(found)}")
        ctx.close()
    assert not problems, "\n".join(problems)


def new_contest_body() -> dict[str, object]:
    from tests.integration.test_submission_flow import contest_body

    return contest_body()
