"""A judge on a tablet declares no conflict and scores two entries (one via a draft, one with a
score out of bounds first) while an organiser watches the progress page update by itself."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.conftest import Api
from tests.integration.test_judging_flow import contest_with_eligible_entries

pytestmark = pytest.mark.browser


def score(page: Page, novelty: str, effectiveness: str, applicability: str, presentation: str) -> None:
    page.get_by_label(re.compile("^Tính mới")).fill(novelty)
    page.get_by_label(re.compile("^Tính hiệu quả")).fill(effectiveness)
    page.get_by_label(re.compile("^Khả năng áp dụng")).fill(applicability)
    page.get_by_label(re.compile("^Hình thức trình bày")).fill(presentation)


def test_judge_scores_two_entries_while_the_organiser_watches(
    gateway: str, organiser: Api, organiser_email: str, new_page: Callable[..., Page]
) -> None:
    s = contest_with_eligible_entries(gateway, organiser, 2, ["Sở Tư pháp"])
    cid = s.cid
    r = organiser.put(f"/judging/api/contests/{cid}/rounds", json={"rounds": [{"judges_per_entry": 1}]})
    assert r.status_code == 200, r.text

    # The organiser sees the assignment before releasing it, then releases it.
    org = new_page()
    sign_in(org, gateway, organiser_email, "Organiser#Test2026")
    org.goto(f"{gateway}/judging/organiser?contest_id={cid}")
    preview = org.locator("#preview")
    expect(preview).to_contain_text("2 hồ sơ")
    expect(preview.get_by_role("row", name=re.compile("Giám khảo A"))).to_contain_text("2")
    asked: list[str] = []
    org.once("dialog", lambda d: (asked.append(d.message), d.accept()))  # releasing asks for confirmation
    with org.expect_navigation(), org.expect_response(lambda r: r.url.endswith("/rounds/1/release")) as released:
        org.get_by_role("button", name="Phân công và mở vòng 1").click()
    assert released.value.ok and asked and "giám khảo" in asked[0].lower()
    expect(org.locator("#preview")).to_have_count(0)
    expect(org.locator("#scored")).to_have_text("0")
    expect(org.locator("#entries")).to_have_text("2")

    judge = new_page((1024, 768))  # a tablet
    sign_in(judge, gateway, s.judges[0].email, "GiamKhao#Test2026")
    judge.goto(f"{gateway}/judging/")
    expect(judge.locator("#done")).to_have_text("0")

    # First entry: the declaration gate, a score out of bounds, then a valid submission.
    judge.get_by_role("link", name="Sáng kiến số 1 về cải cách thủ tục").click()
    expect(judge.locator("#declaration")).to_be_visible()
    expect(judge.locator("body")).not_to_contain_text("Thực trạng")  # the text stays closed until declared
    judge.get_by_role("button", name="Tôi xác nhận không có xung đột lợi ích").click()
    expect(judge.get_by_role("heading", name="Phiếu chấm")).to_be_visible()
    expect(judge.locator("body")).not_to_contain_text("Phạm Thị Tác Giả")
    score(judge, "35", "30", "15", "8")
    expect(judge.locator("#total")).to_have_text("53")  # 35 is out of range: never counted in the live total
    judge.get_by_role("button", name="Nộp điểm").click()
    expect(judge.locator("#f-novelty-error")).to_have_text("Điểm phải từ 0 đến 30")
    expect(judge.locator("#f-novelty")).to_have_attribute("aria-invalid", "true")
    expect(judge.locator("#f-novelty")).to_be_focused()
    judge.keyboard.press("Control+A")
    judge.keyboard.type("25")  # fixed from the keyboard, where the focus already is
    expect(judge.locator("#total")).to_have_text("78")
    judge.get_by_role("button", name="Nộp điểm").click()
    expect(judge.locator("#sheet-status")).to_have_text("Đã nộp điểm.")
    expect(judge.get_by_role("link", name=re.compile("Chấm bài tiếp theo"))).to_be_visible()

    expect(org.locator("#scored")).to_have_text("1", timeout=15000)  # polled, no reload

    # Second entry: a draft first, then the submission.
    judge.goto(f"{gateway}/judging/")
    expect(judge.locator("#done")).to_have_text("1")
    judge.get_by_role("link", name="Sáng kiến số 2 về cải cách thủ tục").click()
    judge.get_by_role("button", name="Tôi xác nhận không có xung đột lợi ích").click()
    judge.get_by_label(re.compile("^Tính mới")).fill("20")
    judge.get_by_role("button", name="Lưu nháp").click()
    expect(judge.locator("#sheet-status")).to_have_text("Đã lưu nháp.")
    judge.reload()
    expect(judge.get_by_label(re.compile("^Tính mới"))).to_have_value("20.0")
    score(judge, "20", "36", "18", "9")
    judge.get_by_role("button", name="Nộp điểm").click()
    expect(judge.locator("#sheet-status")).to_have_text("Đã nộp điểm.")

    expect(org.locator("#scored")).to_have_text("2", timeout=15000)
    row = org.locator("#entries-table tr", has_text="Sáng kiến số 2")
    expect(row.locator("[data-col=total]")).to_have_text("83,00")
    expect(row.locator("[data-col=submitted]")).to_have_text("1 / 1")

    # The organiser reminds the judge; the judge sees the notice in their queue.
    org.get_by_role("button", name=re.compile("^Nhắc")).first.click()
    expect(org.locator("#judges-table")).to_contain_text("Đã gửi nhắc nhở")
    judge.goto(f"{gateway}/judging/")
    expect(judge.locator(".reminder").first).to_contain_text("Nhắc nhở từ Ban tổ chức")
    expect(judge.locator("#done")).to_have_text("2")
