"""Replicating a winner, in the browser (issue 15): an organiser plans it for three units and
publishes; one unit's coordinator accepts, reports it applied with measured indicators and an
evidence file; another declines with a reason; the organiser's plan page and dashboard, and the
public page "Sáng kiến đi vào thực tiễn", show it; the season report of the winner's contest counts
it and its PDF opens with correct Vietnamese text. Every adoption page passes axe-core on a
desktop and a phone, in Vietnamese and English.

With ``CONTEST_SCREENS=<dir>`` each page is also saved as a screenshot there, to look at."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from shared.envelope import Envelope
from shared.events.contests import Category, ContestOpened
from shared.events.statuses import EntryStatusChanged
from tests.browser.conftest import VIEWPORTS, look
from tests.conftest import ORGANISER_PASSWORD, Api, eventually, unique
from tests.integration.test_adoption import PASSWORD, PDF, announced_winner
from tests.resilience.faults import publish

pytestmark = pytest.mark.browser

def sign_in(page: Page, gateway: str, email: str, password: str, to: str = "/adoption/in-practice") -> None:
    """Signed in and sent straight to ``to`` (``next``): an organiser's usual landing, the screening
    list, is slow on a profile holding benchmark data and is no part of this journey."""
    page.goto(f"{gateway}/identity/signin?next={to}")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{gateway}{to}")


def look_everywhere(make: Callable[..., Page], gateway: str, email: str | None, password: str, path: str,
                    name: str) -> None:
    """The page at ``path`` on a desktop and a phone, in both languages."""
    for device, size in VIEWPORTS.items():
        page = make(size)
        if email is not None:
            sign_in(page, gateway, email, password)
        for lang in ("vi", "en"):
            page.goto(f"{gateway}{path}{'&' if '?' in path else '?'}lang={lang}")
            look(page, f"adoption-{name}-{lang}-{device}")


def contest_of_winner(contest_id: str, entry_id: str) -> None:
    """The winner's contest and its screening decision, as submission publishes them: what awards
    needs besides the announcement to report on the contest."""
    now = datetime.now(UTC)
    contest = ContestOpened(contest_id=contest_id, code=unique("SR").upper()[:10], name=f"Cuộc thi {contest_id}",
                            issuing_body="Sở Nội vụ tỉnh Bắc Ninh", categories=[Category(key="cchc", name="CCHC")],
                            opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=10), status="closed",
                            max_coauthors=5, revision=1)
    status = EntryStatusChanged(entry_id=entry_id, contest_id=contest_id, category="cchc", unit="UBND huyện Đông Anh",
                                status="eligible", at=now - timedelta(days=8), author_group="Cán bộ, công chức")
    asyncio.run(publish(Envelope.wrap(contest, producer="submission"), Envelope.wrap(status, producer="submission")))


def new_coordinator(organiser: Api, unit: str) -> str:
    email = f"{unique('daumoi-')}@test.example"
    r = organiser.post("/identity/api/accounts", json={"email": email, "password": PASSWORD,
                                                       "full_name": f"Đầu mối {unit}", "unit": unit,
                                                       "roles": ["coordinator"]})
    assert r.status_code == 201, r.text
    return email


def test_a_winner_is_replicated_reported_and_shown_to_the_public(
        gateway: str, organiser: Api, organiser_email: str, new_page: Callable[..., Page],
        tmp_path: Path) -> None:
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API keeps an event loop running in this thread
        eid = pool.submit(announced_winner).result()
    eventually(lambda: any(i["_id"] == eid for i in organiser.get("/adoption/api/initiatives").json()),
               what="adoption to learn the winner")
    title = f"Một cửa liên thông {eid}"
    units = [unique("Sở Tư pháp "), unique("UBND huyện Mê Linh "), unique("Sở Y tế ")]
    applying, declining = new_coordinator(organiser, units[0]), new_coordinator(organiser, units[1])

    # The organiser plans the replication to three units and publishes it.
    page = new_page()
    sign_in(page, gateway, organiser_email, ORGANISER_PASSWORD)
    page.goto(f"{gateway}/adoption/organiser/plans/new?initiative_id={eid}")
    look(page, "plan-form-vi-desktop")
    page.get_by_label("Đơn vị áp dụng (mỗi dòng một đơn vị)").fill("\n".join(units))
    page.get_by_label("Đơn vị chủ trì hỗ trợ").fill("Sở Nội vụ")
    page.get_by_label("Thời hạn áp dụng").fill((date.today() + timedelta(days=90)).isoformat())
    page.locator("#f-ind0_name").fill("Thời gian xử lý hồ sơ")
    page.locator("#f-ind0_measure").fill("ngày/hồ sơ")
    page.locator("#f-ind0_type").select_option("days")
    page.locator("#f-ind0_baseline").fill("10")
    page.locator("#f-ind1_name").fill("Hồ sơ giải quyết mỗi tháng")
    page.locator("#f-ind1_measure").fill("hồ sơ/tháng")
    page.locator("#f-ind1_type").select_option("count")
    page.locator("#f-ind1_baseline").fill("120")
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.get_by_role("status")).to_contain_text("Đã lưu bản nháp kế hoạch")
    plan_path = page.url.split(gateway, 1)[1].split("?", 1)[0]
    page.get_by_role("button", name="Công bố tới các đơn vị").click()
    expect(page.get_by_role("status")).to_contain_text("Đã công bố kế hoạch")
    expect(page.locator("#units")).to_contain_text(units[2])

    # One coordinator accepts, reports it applied with two measured values and a file.
    unit_page = new_page()
    sign_in(unit_page, gateway, applying, PASSWORD)
    unit_page.goto(f"{gateway}/adoption/unit")
    look(unit_page, "unit-vi-desktop")
    unit_page.get_by_role("link", name=title).click()
    look(unit_page, "assignment-new-vi-desktop")
    unit_page.get_by_role("button", name="Nhận áp dụng").click()
    expect(unit_page.locator("#answer")).to_contain_text("Đã nhận áp dụng")
    unit_page.locator("#f-stage").select_option("applied")
    unit_page.get_by_label("Thời gian xử lý hồ sơ (ngày/hồ sơ)").fill("4")
    unit_page.locator("#f-on_i1").fill(date.today().isoformat())
    unit_page.get_by_label("Hồ sơ giải quyết mỗi tháng (hồ sơ/tháng)").fill("150")
    unit_page.locator("#f-on_i2").fill(date.today().isoformat())
    unit_page.get_by_role("button", name="Gửi báo cáo").click()
    expect(unit_page.locator("#stage")).to_contain_text("Đã áp dụng")
    wrong = tmp_path / "ảnh chụp.png"
    wrong.write_bytes(PDF)
    unit_page.get_by_label("Thêm tệp minh chứng").set_input_files(str(wrong))
    unit_page.get_by_role("button", name="Tải lên").click()
    expect(unit_page.locator("#f-file-error")).to_contain_text("không khớp với phần mở rộng .png")
    look(unit_page, "assignment-file-refused-vi-desktop")
    evidence = tmp_path / "Quyết định áp dụng.pdf"
    evidence.write_bytes(PDF)
    unit_page.get_by_label("Thêm tệp minh chứng").set_input_files(str(evidence))
    unit_page.get_by_role("button", name="Tải lên").click()
    expect(unit_page.locator("#evidence-list")).to_contain_text("Quyết định áp dụng.pdf")
    expect(unit_page.locator("#history")).to_contain_text("Báo cáo lần 1")
    with unit_page.expect_download() as download:
        unit_page.get_by_role("link", name="Quyết định áp dụng.pdf").click()
    assert Path(download.value.path()).read_bytes() == PDF
    aid = unit_page.url.split("/adoption/unit/", 1)[1].split("?", 1)[0]

    # Another declines, with its reason.
    other = new_page()
    sign_in(other, gateway, declining, PASSWORD)
    other.goto(f"{gateway}/adoption/unit")
    other.get_by_role("link", name=title).click()
    other.get_by_role("button", name="Không áp dụng").click()
    expect(other.locator("#f-reason-error")).to_be_visible()
    other.get_by_label("Lý do (bắt buộc nếu không áp dụng)").fill("Đơn vị không tiếp nhận loại hồ sơ này")
    other.get_by_role("button", name="Không áp dụng").click()
    expect(other.locator("#answer")).to_contain_text("Không áp dụng: Đơn vị không tiếp nhận loại hồ sơ này")

    # The organiser sees both, the measured change and the file; the dashboard counts them.
    page.goto(f"{gateway}{plan_path}")
    expect(page.locator("#units")).to_contain_text("Đơn vị không tiếp nhận loại hồ sơ này")
    expect(page.locator("#units")).to_contain_text("Quyết định áp dụng.pdf")
    expect(page.locator("table.totals")).to_contain_text("-6")
    page.goto(f"{gateway}/adoption/organiser/dashboard")
    row = page.locator("#by-initiative tr", has_text=title)
    expect(row).to_contain_text("3")
    expect(page.locator("#by-unit")).to_contain_text(units[0])

    # The public, signed out, sees where it is applied and what it changed.
    public = new_page()
    public.goto(f"{gateway}/")
    public.get_by_role("link", name="Sáng kiến đi vào thực tiễn").first.click()
    card = public.locator("article", has_text=title)
    expect(card).to_contain_text(units[0])
    expect(card).to_contain_text("Đã áp dụng")
    expect(card).to_contain_text("+30")
    expect(card).not_to_contain_text(units[1])
    expect(card).not_to_contain_text("Đơn vị không tiếp nhận")

    # The season report of the winner's contest counts the units; its PDF reads correctly.
    cid = next(i["contest_id"] for i in organiser.get("/adoption/api/initiatives").json() if i["_id"] == eid)
    with ThreadPoolExecutor(1) as pool:
        pool.submit(contest_of_winner, cid, eid).result()
    eventually(lambda: organiser.get(f"/awards/api/contests/{cid}/season-report").status_code == 200
               and organiser.get(f"/awards/api/contests/{cid}/season-report").json()["adoption"]["applied"] == 1,
               what="awards to hear the contest and the plan's reports")
    page.goto(f"{gateway}/awards/organiser/season-report?contest_id={cid}")
    expect(page.locator("#season-adoption")).to_contain_text(title)
    expect(page.locator("#season-by_group")).to_contain_text("Cán bộ, công chức")
    look(page, "season-report-vi-desktop")
    with page.expect_download() as download:
        page.locator("#season-pdf").click()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages)
    assert "Báo cáo tổng kết" in text and "Số sáng kiến" in text and "Nhân rộng đến nay" in text, text
    for device, size in VIEWPORTS.items():
        report = new_page(size)
        sign_in(report, gateway, organiser_email, ORGANISER_PASSWORD)
        for lang in ("vi", "en"):
            report.goto(f"{gateway}/awards/organiser/season-report?contest_id={cid}&lang={lang}")
            look(report, f"season-report-{lang}-{device}")

    # Every adoption page, on a desktop and a phone, in both languages.
    look_everywhere(new_page, gateway, organiser_email, ORGANISER_PASSWORD, plan_path, "plan")
    look_everywhere(new_page, gateway, organiser_email, ORGANISER_PASSWORD, "/adoption/organiser/dashboard",
                    "dashboard")
    look_everywhere(new_page, gateway, organiser_email, ORGANISER_PASSWORD, "/adoption/organiser", "plans")
    look_everywhere(new_page, gateway, organiser_email, ORGANISER_PASSWORD,
                    f"/adoption/organiser/plans/new?initiative_id={eid}", "plan-form")
    look_everywhere(new_page, gateway, applying, PASSWORD, f"/adoption/unit/{aid}", "assignment")
    look_everywhere(new_page, gateway, applying, PASSWORD, "/adoption/unit", "unit")
    look_everywhere(new_page, gateway, None, "", "/adoption/in-practice", "in-practice")
