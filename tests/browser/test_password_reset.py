"""A person who forgot the password gets back in through the mailed link, in the browser: ask on
the sign-in page, read the mail in Mailpit, open the link, choose a password, sign in. A used
and an expired link each show a page that says why and offers a new one. The account pages
(verification banner, confirming an address, settings) pass axe-core on a desktop and a phone,
in Vietnamese and English.

With ``CONTEST_SCREENS=<dir>`` each page is also saved as a screenshot there, to look at."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import VIEWPORTS, look, sign_in
from tests.conftest import new_participant
from tests.integration.mailbox import link_in, wait_for_mail
from tests.integration.test_account_flows import expire, token_of

pytestmark = pytest.mark.browser

PASSWORD = "TacGia#Test2026"
def ask_for_link(page: Page, gateway: str, email: str) -> None:
    page.goto(f"{gateway}/identity/signin")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    expect(page.get_by_role("heading", name="Quên mật khẩu")).to_be_visible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Gửi liên kết").click()
    expect(page.get_by_role("status")).to_contain_text("Nếu địa chỉ này có tài khoản")


def test_forgot_password_then_sign_in_with_the_new_one_and_the_link_is_spent(
        gateway: str, new_page: Callable[..., Page]) -> None:
    _, email = new_participant(gateway, name="Nguyễn Thị Quên Mật Khẩu")
    page = new_page()
    ask_for_link(page, gateway, email)
    look(page, "forgot-sent-vi-desktop")

    link = link_in(wait_for_mail(email, "Đặt lại mật khẩu"), "/identity/reset/")
    page.goto(link)
    expect(page.get_by_role("heading", name="Đặt mật khẩu mới")).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()
    look(page, "reset-form-vi-desktop")
    page.goto(f"{link}?lang=en")
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    look(page, "reset-form-en-desktop")
    page.goto(f"{link}?lang=vi")
    page.locator("#f-password").fill("MatKhauMoi#2026")
    page.locator("#f-password2").fill("MatKhauKhac#2026")
    page.get_by_role("button", name="Lưu mật khẩu").click()
    expect(page.get_by_text("Hai mật khẩu không giống nhau.").first).to_be_visible()
    page.locator("#f-password").fill("MatKhauMoi#2026")
    page.locator("#f-password2").fill("MatKhauMoi#2026")
    page.get_by_role("button", name="Lưu mật khẩu").click()
    expect(page).to_have_url(f"{gateway}/identity/signin?done=password")
    expect(page.get_by_role("status")).to_contain_text("Đã lưu mật khẩu mới")
    look(page, "signin-after-reset-vi-desktop")

    sign_in(page, gateway, email, PASSWORD)
    expect(page.get_by_text("E-mail hoặc mật khẩu không đúng.").first).to_be_visible()
    sign_in(page, gateway, email, "MatKhauMoi#2026")
    expect(page).to_have_url(f"{gateway}/submission/my")

    # The same link again: spent, said plainly, with the way to a new one.
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("Liên kết này đã được sử dụng")
    expect(page.get_by_role("link", name="Yêu cầu liên kết mới")).to_have_attribute("href", "/identity/forgot")
    look(page, "link-used-vi-desktop")
    page.goto(f"{link}?lang=en")
    expect(page.get_by_role("alert")).to_contain_text("This link has already been used")


def test_an_expired_link_says_so_and_leads_to_a_new_one(gateway: str, new_page: Callable[..., Page]) -> None:
    _, email = new_participant(gateway)
    page = new_page(VIEWPORTS["phone"])
    ask_for_link(page, gateway, email)
    link = link_in(wait_for_mail(email, "Đặt lại mật khẩu"), "/identity/reset/")
    expire(token_of(link))
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("Liên kết này đã hết hạn.")
    look(page, "link-expired-vi-phone")
    page.get_by_role("link", name="Yêu cầu liên kết mới").click()
    expect(page.get_by_role("heading", name="Quên mật khẩu")).to_be_visible()


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_account_pages_in_both_languages(gateway: str, new_page: Callable[..., Page], viewport: str) -> None:
    """An unverified participant sees the banner, confirms the address from the mail and
    continues signed in; the reset pages and the settings page, in Vietnamese and English."""
    _, email = new_participant(gateway, name="Phạm Thị Chưa Xác Nhận", verified=False)
    page = new_page(VIEWPORTS[viewport])
    sign_in(page, gateway, email, PASSWORD)
    expect(page.get_by_role("region", name="Xác nhận địa chỉ e-mail")).to_contain_text("Gửi lại liên kết")
    link = link_in(wait_for_mail(email, "Xác nhận địa chỉ e-mail"), "/identity/verify/")
    for lang in ("vi", "en"):
        page.goto(f"{gateway}/submission/my?lang={lang}")
        look(page, f"banner-{lang}-{viewport}")
        for path in ("/identity/forgot", "/identity/account", "/identity/reset/" + "A" * 43):
            page.goto(f"{gateway}{path}?lang={lang}")
            look(page, f"{path.strip('/').split('/')[1]}-{lang}-{viewport}")
        page.goto(f"{link}?lang={lang}")
        look(page, f"verify-{lang}-{viewport}")
    page.goto(f"{link}?lang=vi")
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("status")).to_contain_text("địa chỉ e-mail đã được xác nhận")
    look(page, f"verified-vi-{viewport}")
    page.get_by_role("link", name="Tiếp tục").click()
    expect(page).to_have_url(f"{gateway}/submission/my")
    expect(page.get_by_role("region", name="Xác nhận địa chỉ e-mail")).to_have_count(0)  # the new cookie says so
    page.goto(f"{link}?lang=en")
    expect(page.get_by_role("status")).to_contain_text("already confirmed")
    look(page, f"verified-en-{viewport}")
