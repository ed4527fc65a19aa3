"""Playwright driving Debian's Chromium (never a downloaded browser), headless, without the
background networking that a closed network would refuse."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from deploy.local.infra import ROOT

CHROMIUM = "/usr/bin/chromium"
# Two cores run Kafka, FerretDB, four services, nginx and Chromium at once: be patient, not flaky.
expect.set_options(timeout=20_000)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Per module: Playwright's sync API keeps an event loop running while it is open, which
    would stop the asyncio integration tests that run after the browser modules."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def new_page(browser: Browser) -> Iterator[object]:
    contexts = []

    def make(viewport: tuple[int, int] = (1280, 900)) -> Page:
        ctx = browser.new_context(locale="vi-VN", viewport={"width": viewport[0], "height": viewport[1]},
                                  bypass_csp=True)
        ctx.set_default_timeout(15000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for c in contexts:
        c.close()


def sign_in(page: Page, gateway: str, email: str, password: str) -> None:
    page.goto(f"{gateway}/identity/signin")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state("networkidle")


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # installed by ./contest setup (package.json)


def serious_axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now (rule id: nodes).

    The script is added as a tag; pages forbid inline scripts, so their context must be made
    with ``bypass_csp=True`` (``new_page`` does)."""
    assert AXE.exists(), "axe-core is missing: run ./contest setup"
    page.add_script_tag(path=str(AXE))
    return list(page.evaluate("async () => (await axe.run()).violations"
                              ".filter(v => ['serious', 'critical'].includes(v.impact))"
                              ".map(v => v.id + ': ' + v.nodes.length)"))


SCREENS = Path(os.environ["CONTEST_SCREENS"]) if os.environ.get("CONTEST_SCREENS") else None
"""Where ``look`` saves each page it checks (``CONTEST_SCREENS=<dir>``), to look at."""
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}


def look(page: Page, name: str) -> None:
    """No serious accessibility finding; a screenshot when asked for."""
    assert serious_axe_violations(page) == [], name
    if SCREENS is not None:
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)
