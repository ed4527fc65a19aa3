"""Shared fixtures. Integration, end-to-end and browser tests run against the test profile's
real Kafka, FerretDB, services and nginx, which ``./contest test`` starts before pytest."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
import pytest

from deploy.local.infra import PROFILES, ROOT, Profile, http_ok

PROFILE: Profile = PROFILES[os.environ.get("CONTEST_PROFILE", "test")]
# The store the services (and tests that open their own database) run on: FerretDB's adapter, or
# with CONTEST_STORE=mongodb the plain path against the same FerretDB (``-m plain_store`` tests only).
STORE: Literal["ferretdb", "mongodb"] = "mongodb" if os.environ.get("CONTEST_STORE") == "mongodb" else "ferretdb"
ORGANISER_PASSWORD = "Organiser#Test2026"


def stack_up() -> bool:
    return http_ok(f"{PROFILE.gateway}/healthz")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "plain_store: meaningful with store=mongodb against FerretDB too (see README)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need the running stack fail loudly (not skip) when it is missing in CI."""
    needs_stack = [i for i in items if {"integration", "browser"} & {m.name for m in i.iter_markers()}]
    if needs_stack and not stack_up():
        reason = f"the test stack is not running on {PROFILE.gateway}: run ./contest test"
        marker = pytest.mark.skip(reason=reason) if not os.environ.get("CI") else None
        for item in needs_stack:
            if marker is not None:
                item.add_marker(marker)


@pytest.fixture(scope="session")
def profile() -> Profile:
    return PROFILE


@pytest.fixture(scope="session")
def gateway() -> str:
    return PROFILE.gateway


class Api:
    """A signed-in (or anonymous) client of the gateway."""

    def __init__(self, base: str, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=base, timeout=30, headers=headers)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.http, name)


def eventually(check: Callable[[], Any], timeout: float = 60, what: str = "") -> Any:
    """Poll ``check`` until it returns something truthy: events cross Kafka asynchronously."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def unique(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex[:8]


def token_for(base: str, email: str, password: str) -> str:
    """A token, asked for from an address of its own (any 127.x.y.z is this machine): the tests that
    guess passwords on purpose must not get every later sign-in refused as coming from the same
    client (identity throttles the guessing client, never the account's owner elsewhere)."""
    address = f"127.{random.randint(10, 250)}.{random.randint(1, 250)}.{random.randint(1, 250)}"
    with httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30) as client:
        r = client.post(f"{base}/identity/api/token", json={"email": email, "password": password})
    r.raise_for_status()
    return str(r.json()["access_token"])


def sign_in(base: str, email: str, password: str) -> Api:
    return Api(base, token_for(base, email, password))


@pytest.fixture(scope="session")
def organiser_email() -> str:
    email = f"organiser-{uuid.uuid4().hex[:6]}@test.example"
    env = {**os.environ, **PROFILE.service_env("identity")}
    subprocess.run([sys.executable, "-m", "services.identity", "create-organiser", "--email", email,
                    "--full-name", "Ban Tổ chức Kiểm thử", "--unit", "Sở Nội vụ", "--password", ORGANISER_PASSWORD],
                   env=env, check=True, cwd=ROOT, capture_output=True)
    return email


@pytest.fixture(scope="session")
def organiser(gateway: str, organiser_email: str) -> Api:
    return sign_in(gateway, organiser_email, ORGANISER_PASSWORD)


@pytest.fixture(autouse=True)
def _organiser_back_to_vietnamese(request: pytest.FixtureRequest) -> Iterator[None]:
    """A page fetched with ``?lang=en`` leaves a language cookie in the shared organiser's client;
    the next test would read English where it expects the default, Vietnamese."""
    yield
    if "organiser" in request.fixturenames:
        request.getfixturevalue("organiser").http.cookies.delete("lang")


@pytest.fixture()
def anonymous(gateway: str) -> Iterator[Api]:
    api = Api(gateway)
    yield api
    api.http.close()


def verify_address(gateway: str, email: str, subject: str = "Xác nhận địa chỉ e-mail") -> httpx.Response:
    """Open the verification link mailed to ``email`` as a person would: read the mail in
    Mailpit, open the link (a page with a button), press the button. The result page."""
    from tests.integration.mailbox import link_in, wait_for_mail

    link = link_in(wait_for_mail(email, subject), "/identity/verify/")
    page = httpx.get(link, timeout=30)
    assert page.status_code == 200 and 'action="/identity/verify/' in page.text, page.text[:500]
    done = httpx.post(link, timeout=30)
    assert done.status_code == 200, done.text[:500]
    return done


def new_participant(gateway: str, unit: str = "UBND xã Tân Chi", name: str = "Trần Văn An", *,
                    verified: bool = True) -> tuple[Api, str]:
    """A participant who signed up and (``verified``) opened the mailed link, so may submit."""
    email = f"{unique('tacgia-')}@test.example"
    r = httpx.post(f"{gateway}/identity/api/signup", json={"email": email, "password": "TacGia#Test2026",
                                                           "full_name": name, "unit": unit}, timeout=30)
    r.raise_for_status()
    if verified:
        verify_address(gateway, email)
    return sign_in(gateway, email, "TacGia#Test2026"), email


class Judge(Api):
    def __init__(self, base: str, token: str, email: str, account_id: str) -> None:
        super().__init__(base, token)
        self.email = email
        self.account_id = account_id


def new_judge(gateway: str, organiser: Api, unit: str, name: str = "Giám khảo") -> Judge:
    email = f"{unique('giamkhao-')}@test.example"
    r = organiser.post("/identity/api/accounts", json={"email": email, "password": "GiamKhao#Test2026",
                                                       "full_name": name, "unit": unit, "roles": ["judge"]})
    r.raise_for_status()
    token = token_for(gateway, email, "GiamKhao#Test2026")
    return Judge(gateway, token, email, r.json()["account_id"])


def set_panel(organiser: Api, contest_id: str, judges: list[Judge], timeout: float = 30) -> None:
    """Put judges on a contest's panel, once judging has heard of the contest and the judges."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        ids = [j.account_id for j in judges]
        r = organiser.put(f"/judging/api/contests/{contest_id}/panel", json={"judge_ids": ids})
        if r.status_code == 200:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"judging never accepted the panel: {r.status_code} {r.text}")
        time.sleep(0.3)


def new_contest(organiser: Api, *, closes_in: timedelta = timedelta(days=30)) -> dict[str, Any]:
    now = datetime.now(UTC)
    r = organiser.post("/submission/api/contests", json={
        "code": unique("T").upper()[:10], "name": "Cuộc thi sáng kiến kiểm thử",
        "issuing_body": "Sở Nội vụ tỉnh Bắc Ninh",
        "categories": [{"key": "tthc", "name": "Thủ tục hành chính"}, {"key": "cds", "name": "Chuyển đổi số"}],
        "opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + closes_in).isoformat()})
    r.raise_for_status()
    return dict(r.json())


LONG = ("Bộ phận Một cửa cấp xã tiếp nhận hồ sơ bằng giấy, cán bộ phải nhập lại dữ liệu nhiều lần nên người dân "
        "phải chờ lâu và đi lại nhiều lượt.")


def initiative(title: str = "Số hoá tiếp nhận hồ sơ đất đai tại Bộ phận Một cửa", unit: str = "UBND xã Tân Chi",
               **extra: Any) -> dict[str, Any]:
    return {"title": title, "category": "tthc", "author_unit": unit, "co_authors": [], "current_situation": LONG,
            "solution": LONG, "novelty": LONG, "effectiveness": LONG, "applicability": LONG, "commitment": True,
            **extra}


def submit_entries(author: Api, cid: str, n: int, unit: Callable[[int], str]) -> list[str]:
    """``n`` initiatives created and submitted by ``author`` ("Sáng kiến số i …", the i-th from
    ``unit(i)``); their ids in order."""
    ids = []
    for i in range(n):
        r = author.post(f"/submission/api/contests/{cid}/entries",
                        json=initiative(title=f"Sáng kiến số {i + 1} về cải cách thủ tục", unit=unit(i)))
        assert r.status_code == 201, r.text
        ids.append(str(r.json()["entry_id"]))
        assert author.post(f"/submission/api/entries/{ids[-1]}/submit").status_code == 200
    return ids
