"""One browser journey through the skeleton: a participant fills and submits the form, the
organiser screens and releases judging, a judge scores, the ranking shows the entry."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.conftest import LONG, Api, new_contest, new_judge, new_participant, set_panel

pytestmark = pytest.mark.browser


def test_participant_organiser_and_judge_walk_the_skeleton(
    gateway: str, organiser: Api, organiser_email: str, new_page: Callable[..., Page]
) -> None:
    contest = new_contest(organiser)
    cid = contest["contest_id"]
    _, author_email = new_participant(gateway, unit="UBND phường Đình Bảng", name="Lê Thị Thanh Hương")
    judge_account = new_judge(gateway, organiser, "Sở Tư pháp", "Nguyễn Văn Giám Khảo")
    judge_email = judge_account.email
    set_panel(organiser, cid, [judge_account])

    # Participant: sign in, open the form from the contest page, fill it in Vietnamese, save, submit.
    page = new_page((390, 844))  # a phone
    sign_in(page, gateway, author_email, "TacGia#Test2026")
    page.goto(f"{gateway}/submission/contests/{cid}")
    page.get_by_role("link", name="Nộp sáng kiến").click()
    page.get_by_label("Tên sáng kiến").fill("Rút ngắn thời gian cấp bản sao trích lục hộ tịch")
    page.get_by_label("Lĩnh vực").select_option("tthc")
    for label in ("Thực trạng", "Nội dung giải pháp", "Tính mới, tính sáng tạo", "Tính hiệu quả và lợi ích đo được",
                  "Khả năng áp dụng, phạm vi nhân rộng"):
        page.get_by_label(re.compile("^" + label)).fill(LONG)
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.locator("#form-status")).to_contain_text("Đã lưu nháp")
    page.get_by_role("button", name="Nộp sáng kiến").click()
    expect(page.locator("#error-summary")).to_be_visible()  # the commitment is not ticked yet
    page.get_by_label(re.compile("Tôi cam đoan")).check()
    page.get_by_role("button", name="Nộp sáng kiến").click()
    expect(page.locator("#receipt-code")).to_have_text(re.compile(contest["code"] + r"-\d{6}-[A-Z0-9]{2}"),
                                                        timeout=20000)
    code = page.locator("#receipt-code").inner_text()
    page.goto(f"{gateway}/submission/my")
    expect(page.get_by_role("row", name=re.compile(code))).to_contain_text("Đã nộp")

    # Organiser: close the window, screen the entry eligible, release round 1.
    assert organiser.post(f"/submission/api/contests/{cid}/close").status_code == 200
    org = new_page()
    sign_in(org, gateway, organiser_email, "Organiser#Test2026")
    org.goto(f"{gateway}/submission/screening?contest_id={cid}")
    with org.expect_navigation():  # the queue reloads after the decision
        org.get_by_role("row", name=re.compile(code)).get_by_role("button", name="Hợp lệ", exact=True).click()
    row = org.get_by_role("row", name=re.compile(code))
    expect(row.get_by_role("button", name="Hợp lệ", exact=True)).to_have_count(0)
    expect(row).to_contain_text("Hợp lệ")
    for _ in range(60):  # judging learns about the eligible entry over Kafka; the preview then lists it
        preview = organiser.post(f"/judging/api/contests/{cid}/rounds/1/preview", json={})
        if preview.status_code == 200 and len(preview.json().get("entries", [])) == 1:
            break
        org.wait_for_timeout(500)
    org.goto(f"{gateway}/judging/organiser?contest_id={cid}")
    asked: list[str] = []
    org.once("dialog", lambda d: (asked.append(d.message), d.accept()))  # releasing asks for confirmation
    with org.expect_navigation(), org.expect_response(lambda r: r.url.endswith("/rounds/1/release")) as released:
        org.get_by_role("button", name="Phân công và mở vòng 1").click()  # the page reloads on success
    assert released.value.ok and asked and "giám khảo" in asked[0].lower()
    for _ in range(40):  # the entry reaches judging over Kafka and is assigned on arrival
        org.goto(f"{gateway}/judging/organiser?contest_id={cid}")
        if "/ 1 " in org.locator("main").inner_text():
            break
        org.wait_for_timeout(500)
    expect(org.locator("#scored")).to_have_text("0")

    # Judge: the entry is in the queue without the author's name; score it.
    judge = new_page((1024, 768))  # a tablet
    sign_in(judge, gateway, judge_email, "GiamKhao#Test2026")
    judge.goto(f"{gateway}/judging/")
    judge.get_by_role("link", name="Rút ngắn thời gian cấp bản sao").click()
    with judge.expect_navigation():  # the no-conflict declaration comes before the entry opens
        judge.get_by_role("button", name="Tôi xác nhận không có xung đột lợi ích").click()
    expect(judge.locator("body")).not_to_contain_text("Lê Thị Thanh Hương")
    for criterion, points in (("Tính mới", "25"), ("Tính hiệu quả", "35"), ("Khả năng áp dụng", "17"),
                              ("Hình thức trình bày", "8")):
        judge.get_by_role("spinbutton", name=re.compile("^" + criterion)).fill(points)
    expect(judge.locator("#total")).to_have_text("85")
    judge.get_by_role("button", name="Nộp điểm").click()
    expect(judge.locator("#sheet-status")).to_have_text("Đã nộp điểm.")

    # Organiser: the ranking shows it (provisional), with its score.
    for _ in range(40):
        org.goto(f"{gateway}/awards/organiser?contest_id={cid}")
        if org.get_by_role("row", name=re.compile(code)).count():
            break
        org.wait_for_timeout(500)
    expect(org.get_by_role("row", name=re.compile(code))).to_contain_text("85,00")
    expect(org.locator("#provisional")).to_be_visible()
