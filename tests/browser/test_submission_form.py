"""A civil servant fills the initiative form on a phone in Vietnamese: saves a draft, attaches a
file (a wrong one first), adds a co-author, submits, and sees the receipt code, which
"my initiatives" then lists."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import FilePayload, Page, expect

from shared.auth import COOKIE_NAME
from tests.browser.conftest import sign_in
from tests.conftest import Api, new_contest, new_participant

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TEXT = {
    "Thực trạng": "Người dân phải đến Bộ phận Một cửa nhiều lần để hỏi tình trạng hồ sơ đất đai; cán bộ mất nhiều "
                  "thời gian trả lời điện thoại.",
    "Nội dung giải pháp": "Gắn mã QR lên giấy biên nhận; người dân quét mã để xem hồ sơ đang ở khâu nào, cán bộ "
                          "cập nhật trạng thái ngay trên phần mềm một cửa điện tử.",
    "Tính mới, tính sáng tạo": "Lần đầu tiên trong tỉnh, trạng thái hồ sơ được công khai theo thời gian thực, không "
                               "cần cài đặt ứng dụng.",
    "Tính hiệu quả và lợi ích đo được": "Sau ba tháng thử nghiệm, số cuộc gọi hỏi tình trạng hồ sơ giảm 62%, thời "
                                        "gian chờ trung bình giảm từ 25 xuống 8 phút.",
    "Khả năng áp dụng, phạm vi nhân rộng": "Áp dụng được cho mọi xã, phường đang dùng phần mềm một cửa điện tử của "
                                           "tỉnh mà không phát sinh chi phí bản quyền.",
}


def test_participant_fills_saves_attaches_and_submits_on_a_phone(
    gateway: str, organiser: Api, new_page: Callable[..., Page]
) -> None:
    contest = new_contest(organiser)
    cid = contest["contest_id"]
    _, email = new_participant(gateway, unit="UBND phường Võ Cường", name="Đỗ Thị Thu Trang")
    page = new_page((390, 844))
    sign_in(page, gateway, email, "TacGia#Test2026")
    page.goto(f"{gateway}/submission/contests/{cid}")
    page.get_by_role("link", name="Nộp sáng kiến").click()

    page.get_by_label("Tên sáng kiến").fill("Tra cứu tình trạng hồ sơ đất đai bằng mã QR")
    page.get_by_label("Lĩnh vực").select_option("tthc")
    expect(page.get_by_label("Đơn vị công tác của tác giả")).to_have_value("UBND phường Võ Cường")
    page.get_by_label("Thực trạng").fill(TEXT["Thực trạng"])
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.locator("#form-status")).to_contain_text("Đã lưu nháp")
    expect(page).to_have_url(re.compile(r"/submission/entries/[0-9a-f]+$"))

    # A renamed file is refused by its content; a real PDF is attached.
    page.get_by_label("Thêm tệp").set_input_files(
        files=[FilePayload(name="bao-cao.pdf", mimeType="application/pdf", buffer=b"MZ this is not a PDF")])
    expect(page.locator("#f-attachments-error")).to_contain_text("không khớp")
    page.get_by_label("Thêm tệp").set_input_files(
        files=[FilePayload(name="Báo cáo kết quả thử nghiệm.pdf", mimeType="application/pdf", buffer=PDF)])
    expect(page.locator("#attachment-list")).to_contain_text("Báo cáo kết quả thử nghiệm.pdf")

    page.get_by_role("button", name="Thêm đồng tác giả").click()
    page.get_by_label("Họ và tên").fill("Nguyễn Văn Bình")
    page.get_by_label("Đơn vị", exact=True).fill("UBND phường Võ Cường")
    page.get_by_label("E-mail").fill("binh.nv@vocuong.example")
    page.get_by_label("Tỷ lệ đóng góp (%)").fill("30")
    for label, text in TEXT.items():
        if label != "Thực trạng":
            page.get_by_label(re.compile("^" + label)).fill(text)
    page.get_by_label(re.compile("Tôi cam đoan")).check()
    page.get_by_role("button", name="Nộp sáng kiến").click()
    expect(page.locator("#receipt-code")).to_have_text(re.compile(contest["code"] + r"-\d{6}-[A-Z0-9]{2}"))
    code = page.locator("#receipt-code").inner_text()

    page.reload()  # what was typed is on the server, not only in this browser
    expect(page.get_by_label("Tên sáng kiến")).to_have_value("Tra cứu tình trạng hồ sơ đất đai bằng mã QR")
    expect(page.get_by_label("Họ và tên")).to_have_value("Nguyễn Văn Bình")
    expect(page.locator("#attachment-list")).to_contain_text("Báo cáo kết quả thử nghiệm.pdf")
    page.goto(f"{gateway}/submission/my")
    expect(page.get_by_role("row", name=re.compile(code))).to_contain_text("Đã nộp")
    page.goto(f"{gateway}/submission/my?lang=en")
    expect(page.get_by_role("row", name=re.compile(code))).to_contain_text("Submitted")


def test_a_shared_computer_never_shows_one_person_s_draft_to_the_next(
    gateway: str, organiser: Api, new_page: Callable[..., Page]
) -> None:
    """Two people use one browser: the first one's text is saved to the server as they type and
    removed from the computer when they sign out; the second sees an empty form."""
    cid = new_contest(organiser)["contest_id"]
    first, first_email = new_participant(gateway, name="Người Thứ Nhất")
    _, second_email = new_participant(gateway, name="Người Thứ Hai")
    page = new_page((1366, 768))  # one browser context: one localStorage for both
    sign_in(page, gateway, first_email, "TacGia#Test2026")
    page.goto(f"{gateway}/submission/contests/{cid}/new")
    page.get_by_label("Tên sáng kiến").fill("Sáng kiến riêng của người thứ nhất")
    page.get_by_label("Thực trạng").fill(TEXT["Thực trạng"])
    expect(page.locator("#form-status")).to_contain_text("Đã tự động lưu nháp", timeout=30_000)
    page.get_by_label("Nội dung giải pháp").fill("Phần đang gõ dở, chưa kịp lưu")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('contest-draft:')).length") >= 1
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('contest-draft:')).length") == 0

    sign_in(page, gateway, second_email, "TacGia#Test2026")
    page.goto(f"{gateway}/submission/contests/{cid}/new")
    expect(page.get_by_label("Tên sáng kiến")).to_have_value("")
    expect(page.get_by_label("Thực trạng")).to_have_value("")
    mine = [e for e in first.get("/submission/api/my/entries").json() if e["contest_id"] == cid]
    assert [e["fields"]["title"] for e in mine] == ["Sáng kiến riêng của người thứ nhất"], "saved while typing"


def test_pressing_submit_on_an_empty_form_creates_nothing(
    gateway: str, organiser: Api, new_page: Callable[..., Page]
) -> None:
    cid = new_contest(organiser)["contest_id"]
    api, email = new_participant(gateway)
    page = new_page((390, 844))
    sign_in(page, gateway, email, "TacGia#Test2026")
    page.goto(f"{gateway}/submission/contests/{cid}/new")
    page.get_by_role("button", name="Nộp sáng kiến").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert [e for e in api.get("/submission/api/my/entries").json() if e["contest_id"] == cid] == []


def test_text_typed_after_the_sign_in_expired_is_saved_once_the_participant_signs_in_again(
    gateway: str, organiser: Api, new_page: Callable[..., Page]
) -> None:
    """The sign-in cookie lives as long as the token: at expiry the browser drops it, which is
    what clearing it does here. Autosave then fails with 401; the text stays on the device, the
    page offers to sign in again and, back on the form, restores the text and saves it."""
    cid = new_contest(organiser)["contest_id"]
    api, email = new_participant(gateway)
    page = new_page((1366, 768))
    sign_in(page, gateway, email, "TacGia#Test2026")
    page.goto(f"{gateway}/submission/contests/{cid}/new")
    page.get_by_label("Tên sáng kiến").fill("Hẹn lịch trả kết quả qua tin nhắn")
    page.get_by_label("Thực trạng").fill(TEXT["Thực trạng"])
    expect(page.locator("#form-status")).to_contain_text("Đã tự động lưu nháp", timeout=30_000)

    page.context.clear_cookies(name=COOKIE_NAME)  # the sign-in expires
    page.get_by_label("Nội dung giải pháp").fill(TEXT["Nội dung giải pháp"])
    expect(page.locator("#form-status")).to_contain_text("Phiên đăng nhập đã hết hạn", timeout=30_000)
    again = page.get_by_role("link", name=re.compile("Đăng nhập lại"))
    expect(again).to_be_visible()
    again.click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mật khẩu").fill("TacGia#Test2026")
    with page.expect_navigation(url=re.compile(r"/submission/entries/[0-9a-f]+$")):
        page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_label("Nội dung giải pháp")).to_have_value(TEXT["Nội dung giải pháp"])
    expect(page.locator("#form-status")).to_contain_text("Đã tự động lưu nháp", timeout=30_000)
    mine = [e for e in api.get("/submission/api/my/entries").json() if e["contest_id"] == cid]
    assert len(mine) == 1 and mine[0]["fields"]["solution"] == TEXT["Nội dung giải pháp"]


def _tab_to(page: Page, name: str, limit: int = 80) -> None:
    """Press Tab until the focused element's label (or text) starts with ``name``: the keyboard only."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        label = page.evaluate("""() => { const el = document.activeElement;
            const own = el.labels && el.labels.length ? el.labels[0].textContent : '';
            return (own || el.getAttribute('aria-label') || el.textContent || '').trim(); }""")
        if label.startswith(name):
            return
    raise AssertionError(f"Tab never reached «{name}»")


def test_a_participant_completes_the_form_with_the_keyboard_and_errors_name_their_fields(
    gateway: str, organiser: Api, new_page: Callable[..., Page]
) -> None:
    contest = new_contest(organiser)
    _, email = new_participant(gateway)
    page = new_page((1366, 768))
    sign_in(page, gateway, email, "TacGia#Test2026")
    page.goto(f"{gateway}/submission/contests/{contest['contest_id']}/new")
    _tab_to(page, "Tên sáng kiến")
    page.keyboard.type("Một cửa không giấy tờ")
    _tab_to(page, "Nộp sáng kiến")
    page.keyboard.press("Enter")

    # Every missing field at once, each named, in one summary that takes the focus.
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(re.compile(
        "Lĩnh vực: .*Thực trạng: .*Nội dung giải pháp: .*Tính mới, tính sáng tạo: .*cam kết", re.S))
    links = summary.get_by_role("link")
    page.keyboard.press("Tab")  # the summary's first link
    page.keyboard.press("Enter")  # moves the focus to that field
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"
    assert links.count() >= 5

    _tab_to(page, "Tên sáng kiến")
    _tab_to(page, "Lĩnh vực")
    page.keyboard.press("ArrowDown")
    for label, text in TEXT.items():
        _tab_to(page, label)
        page.keyboard.type(text)
    _tab_to(page, "Tôi cam đoan")
    page.keyboard.press("Space")
    _tab_to(page, "Nộp sáng kiến")
    page.keyboard.press("Enter")
    expect(page.locator("#receipt-code")).to_have_text(re.compile(contest["code"] + r"-\d{6}-[A-Z0-9]{2}"))
