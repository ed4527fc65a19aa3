"""In a browser: the organiser reviews the proposed allocation, overrides one prize with a
written reason, approves with an explicit confirmation and announces; then an anonymous
visitor reads the public results page and checks a certificate's verification code."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.conftest import Api, new_participant
from tests.integration.test_awards_scenario import (
    Spec,
    account_id,
    certificate_code,
    close_judging,
    open_contest,
    ready_allocation,
    score_all,
)

pytestmark = pytest.mark.browser


def test_organiser_overrides_approves_announces_and_the_public_verifies(
    gateway: str, organiser: Api, organiser_email: str, new_page: Callable[..., Page]
) -> None:
    winner, _ = new_participant(gateway)
    specs = [
        Spec("Hẹn giờ trả kết quả qua cổng dịch vụ công", {"novelty": 28, "effectiveness": 37, "applicability": 18,
                                                            "presentation": 9}, authors=("Hoàng Thị Lụa",)),
        Spec("Sổ tay điện tử thủ tục đất đai", {"novelty": 25, "effectiveness": 33, "applicability": 16,
                                                 "presentation": 8}, unit="UBND phường Vũ Ninh", minutes=4),
        Spec("Bản đồ số điểm tiếp nhận hồ sơ", {"novelty": 24, "effectiveness": 31, "applicability": 15,
                                                 "presentation": 8}, unit="Sở Tư pháp", minutes=6),
    ]
    name = f"Cuộc thi sáng kiến trình duyệt {uuid.uuid4().hex[:6]}"
    sc = open_contest(organiser, account_id(winner), specs, name=name)
    score_all(organiser, sc, specs)
    close_judging(organiser, sc, [s.title for s in specs])
    ready_allocation(organiser, sc.contest_id)

    org = new_page()
    sign_in(org, gateway, organiser_email, "Organiser#Test2026")
    org.goto(f"{gateway}/awards/organiser?contest_id={sc.contest_id}")
    third = org.locator("#allocation").get_by_role("row", name=re.compile(sc.codes[specs[2].title]))
    expect(third).to_contain_text("Giải Ba")
    first = org.locator("#allocation").get_by_role("row", name=re.compile(sc.codes[specs[0].title]))
    expect(first).to_contain_text("Giải Nhất")

    # An override without a reason is refused on the page, with the reason field named.
    org.get_by_label("Bài dự thi").select_option(sc.entries[specs[2].title])
    org.get_by_label("Giải sau điều chỉnh").select_option("")
    org.get_by_role("button", name="Ghi điều chỉnh").click()
    expect(org.locator("#override-error")).to_contain_text("lý do")
    org.get_by_label(re.compile("^Lý do điều chỉnh")).fill("Sáng kiến trùng với giải pháp đã được khen thưởng năm 2025")
    with org.expect_navigation():
        org.get_by_role("button", name="Ghi điều chỉnh").click()
    third = org.locator("#allocation").get_by_role("row", name=re.compile(sc.codes[specs[2].title]))
    expect(third).to_contain_text("Đã điều chỉnh")
    expect(third).to_contain_text("đã được khen thưởng năm 2025")
    expect(org.locator("#audit")).to_contain_text("đã được khen thưởng năm 2025")
    expect(org.locator("#audit")).to_contain_text("Điều chỉnh")

    # Approval needs the confirmation box; then the announcement, with its own confirmation.
    org.get_by_role("button", name="Phê duyệt kết quả").click()
    expect(org.locator("#approval-error")).to_contain_text("xác nhận")
    org.get_by_label(re.compile("xác nhận phê duyệt")).check()
    with org.expect_navigation():
        org.get_by_role("button", name="Phê duyệt kết quả").click()
    expect(org.locator("#approved")).to_be_visible()
    org.get_by_label(re.compile("xác nhận công bố")).check()
    with org.expect_navigation():
        org.get_by_role("button", name="Công bố kết quả").click()
    expect(org.locator("#state")).to_contain_text("Đã công bố")

    code = certificate_code(winner.get(f"/awards/api/entries/{sc.entries[specs[0].title]}/certificates/0.pdf")
                            .content)

    # An anonymous visitor, on a phone.
    visitor = new_page((390, 844))
    visitor.goto(f"{gateway}/awards/results")
    visitor.get_by_role("link", name=name).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(name)
    expect(visitor.locator("#tier-first")).to_contain_text(specs[0].title)
    expect(visitor.locator("#tier-first")).to_contain_text("Hoàng Thị Lụa")
    expect(visitor.locator("#tier-second")).to_contain_text("UBND phường Vũ Ninh")
    expect(visitor.locator("#tier-third")).not_to_contain_text(specs[2].title)
    expect(visitor.locator("#chart-units .bars")).to_contain_text("UBND phường Vũ Ninh")
    expect(visitor.locator("#stat-total")).to_have_text("3")
    visitor.get_by_label("Mã xác thực in trên giấy chứng nhận").fill(code.lower())
    visitor.get_by_role("button", name="Tra cứu").click()
    expect(visitor.locator("#verify-result")).to_contain_text("Giấy chứng nhận hợp lệ")
    expect(visitor.locator("#verify-result")).to_contain_text("Hoàng Thị Lụa")
    visitor.get_by_label("Mã xác thực in trên giấy chứng nhận").fill("0000-0000-0000")
    visitor.get_by_role("button", name="Tra cứu").click()
    expect(visitor.locator("#verify-result")).to_contain_text("không khớp")
