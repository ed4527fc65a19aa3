"""The organiser's whole path in a browser, led by the set-up checklist: screening with a
corrected decision, releasing the round, closing it by mistake before the prizes are saved and
before every entry is scored, reopening it with a reason, then prizes, closing, approval and
announcement. At each stop the checklist says what is done and what is next."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.conftest import serious_axe_violations, sign_in
from tests.conftest import Api, Judge, eventually, initiative, new_contest, new_judge, new_participant, set_panel

pytestmark = pytest.mark.browser
TITLES = ("Liên thông một cửa hồ sơ đất đai cấp xã", "Chữ ký số cho bản sao trích lục hộ tịch")
SCORES = {"novelty": 25, "effectiveness": 35, "applicability": 17, "presentation": 8}


def _next_step(page: Page, gateway: str, cid: str, expected: str) -> None:
    """The checklist's next step becomes ``expected`` (events travel between services meanwhile)."""
    def shown() -> bool:
        page.goto(f"{gateway}/awards/organiser/checklist?contest_id={cid}")
        return expected in page.locator("#next-step").inner_text()
    eventually(shown, timeout=60, what=f"the checklist to show «{expected}» next")


def _step_done(page: Page, gateway: str, cid: str, step: str) -> None:
    def shown() -> bool:
        page.goto(f"{gateway}/awards/organiser/checklist?contest_id={cid}")
        return "Đã xong" in page.locator(f'[data-step="{step}"]').inner_text()
    eventually(shown, timeout=60, what=f"the checklist to show {step} done")


def _score(judge: Judge, cid: str, entry_id: str) -> None:
    item = next(q for q in judge.get("/judging/api/queue").json()
                if q["contest_id"] == cid and q["entry_id"] == entry_id)
    assert judge.post(f"/judging/api/reviews/{item['review_id']}/declaration").status_code == 200
    r = judge.put(f"/judging/api/reviews/{item['review_id']}/sheet", json={"scores": SCORES, "submit": True})
    assert r.status_code == 200, r.text


def _confirmed_click(page: Page, button: str) -> list[str]:
    asked: list[str] = []

    def answer(d: Dialog) -> None:
        asked.append(d.message)
        d.accept()
    page.once("dialog", answer)
    with page.expect_navigation():  # the page reloads when the action succeeded
        page.get_by_role("button", name=button).click()
    return asked


def test_the_checklist_leads_the_organiser_through_a_mistaken_close_to_the_announcement(
    gateway: str, organiser: Api, organiser_email: str, new_page: Callable[..., Page]
) -> None:
    contest = new_contest(organiser)
    cid = contest["contest_id"]
    judge = new_judge(gateway, organiser, "Sở Tư pháp", "Đỗ Minh Giám Khảo")
    set_panel(organiser, cid, [judge])
    r = organiser.put(f"/judging/api/contests/{cid}/rounds", json={"rounds": [{"judges_per_entry": 1}]})
    assert r.status_code == 200, r.text
    entries: dict[str, dict[str, str]] = {}
    for title, unit in zip(TITLES, ("UBND xã Tân Chi", "UBND phường Vũ Ninh"), strict=True):
        author, _ = new_participant(gateway, unit=unit)
        r = author.post(f"/submission/api/contests/{cid}/entries", json=initiative(title=title, unit=unit))
        assert r.status_code == 201, r.text
        entries[title] = r.json()
        assert author.post(f"/submission/api/entries/{r.json()['entry_id']}/submit").status_code == 200

    org = new_page()
    sign_in(org, gateway, organiser_email, "Organiser#Test2026")
    org.get_by_role("link", name="Các bước").click()  # in the organisers' menu
    expect(org.get_by_role("heading", level=1)).to_have_text("Các bước tổ chức cuộc thi")
    _next_step(org, gateway, cid, "Nhận hồ sơ đến hạn nộp")
    expect(org.locator('[data-step="deadline"]')).to_contain_text("2 hồ sơ đã nộp")
    expect(org.locator('[data-step="panel"]')).to_contain_text("Đã xong")
    assert not serious_axe_violations(org)
    assert organiser.post(f"/submission/api/contests/{cid}/close").status_code == 200

    # Screening, from the checklist's link: one entry wrongly ineligible, then corrected with a reason.
    _next_step(org, gateway, cid, "Thẩm định hồ sơ")
    expect(org.locator('[data-step="screening"]')).to_contain_text("2 chờ thẩm định")
    org.locator("#next-step").get_by_role("link").click()
    # Rows by entry: a row also names the entries its text is similar to (these two are).
    first, second = (org.locator(f'tr[data-entry="{entries[t]["entry_id"]}"]') for t in TITLES)
    with org.expect_navigation():
        first.get_by_role("button", name="Hợp lệ", exact=True).click()
    second.get_by_label(re.compile("Lý do")).fill("Thiếu bản thuyết minh có chữ ký")
    with org.expect_navigation():
        second.get_by_role("button", name="Không hợp lệ").click()
    expect(second).to_contain_text("Thiếu bản thuyết minh")
    second.get_by_label(re.compile("Lý do thay đổi")).fill("Bản thuyết minh có chữ ký nằm trong tệp đính kèm thứ hai")
    with org.expect_navigation():
        second.get_by_role("button", name="Sửa thành hợp lệ").click()
    expect(second).to_contain_text("Hợp lệ")

    # Release round 1 once judging holds both entries; the checklist shows prizes still to save.
    eventually(lambda: len(organiser.post(f"/judging/api/contests/{cid}/rounds/1/preview", json={})
                           .json().get("entries", [])) == 2, timeout=60, what="judging to hold both entries")
    _next_step(org, gateway, cid, "Cơ cấu giải thưởng")
    org.goto(f"{gateway}/judging/organiser?contest_id={cid}")
    assert "giám khảo" in _confirmed_click(org, "Phân công và mở vòng 1")[0].lower()
    eventually(lambda: len([q for q in judge.get("/judging/api/queue").json() if q["contest_id"] == cid]) == 2,
               what="both entries to reach the judge")
    _score(judge, cid, entries[TITLES[0]]["entry_id"])

    # The mistake: round 1 (the final round) closed with one entry unscored and no prizes saved.
    org.goto(f"{gateway}/judging/organiser?contest_id={cid}")
    assert "không chấm" in _confirmed_click(org, "Đóng vòng 1")[0]
    _step_done(org, gateway, cid, "close1")  # awards heard of the close (an event away)
    expect(org.locator("#next-step")).to_contain_text("Cơ cấu giải thưởng")  # not a dead end: prizes still open

    # Recovery: reopen with a reason; the judge scores the second entry.
    org.goto(f"{gateway}/judging/organiser?contest_id={cid}")
    org.get_by_text("Đóng vòng nhầm? Mở lại vòng 1").click()
    org.get_by_label("Lý do mở lại").fill("Đóng nhầm khi còn một hồ sơ chưa chấm")
    with org.expect_navigation():
        org.get_by_role("button", name="Mở lại vòng 1").click()
    expect(org.get_by_role("button", name="Đóng vòng 1")).to_be_visible()
    _score(judge, cid, entries[TITLES[1]]["entry_id"])

    # Prizes, from the checklist; then the round is closed for good.
    _next_step(org, gateway, cid, "Cơ cấu giải thưởng")
    org.locator("#next-step").get_by_role("link").click()
    with org.expect_navigation():  # saved: the page reloads
        org.get_by_role("button", name="Lưu cơ cấu giải").click()
    _next_step(org, gateway, cid, "Đóng vòng 1")
    org.goto(f"{gateway}/judging/organiser?contest_id={cid}")
    _confirmed_click(org, "Đóng vòng 1")

    # Approval and announcement on the awards page; the reopening's reason is in its log.
    _next_step(org, gateway, cid, "Phê duyệt kết quả")
    org.locator("#next-step").get_by_role("link").click()
    expect(org.locator("#audit")).to_contain_text("Đóng nhầm khi còn một hồ sơ chưa chấm")
    org.get_by_label(re.compile("xác nhận phê duyệt")).check()
    with org.expect_navigation():
        org.get_by_role("button", name="Phê duyệt kết quả").click()
    org.get_by_label(re.compile("xác nhận công bố")).check()
    with org.expect_navigation():
        org.get_by_role("button", name="Công bố kết quả").click()
    expect(org.locator("#state")).to_contain_text("Đã công bố")
    org.goto(f"{gateway}/awards/organiser/checklist?contest_id={cid}")
    expect(org.locator("#next-step")).to_contain_text("Đã hoàn thành")
    expect(org.locator(".step.done")).to_have_count(org.locator(".step").count())
    assert not serious_axe_violations(org)
