"""Pages and errors speak the user's language, whatever produced them."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import Api, eventually, new_contest, new_participant

pytestmark = pytest.mark.integration


def test_the_framework_s_own_errors_are_translated(gateway: str) -> None:
    page = httpx.get(f"{gateway}/submission/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "Không tìm thấy trang." in page.text and "Not Found" not in page.text
    page = httpx.get(f"{gateway}/submission/no-such-page?lang=en", headers={"Accept": "text/html"})
    assert "Page not found." in page.text
    api = httpx.get(f"{gateway}/submission/api/no-such-thing")
    assert api.status_code == 404 and api.json()["detail"] == "Không tìm thấy trang."


def test_field_errors_with_their_own_shape_are_translated_too(gateway: str, organiser: Api) -> None:
    cid = new_contest(organiser)["contest_id"]
    eventually(lambda: organiser.get(f"/judging/api/contests/{cid}/setup").status_code == 200, timeout=60,
               what="judging to hear of the contest")
    r = organiser.put(f"/judging/api/contests/{cid}/rounds?lang=en", json={"rounds": [{"judges_per_entry": 2}, {
        "judges_per_entry": 3}]})
    assert r.status_code == 422 and r.json()["detail"] == "Invalid data.", r.text
    assert not re.search(r"[ạ-ỹ]", r.json()["errors"]["rounds.0.advance_top_n"]), "English, not Vietnamese"


def test_switching_language_keeps_the_page_s_query(gateway: str, organiser: Api) -> None:
    cid = new_contest(organiser)["contest_id"]
    _, email = new_participant(gateway)
    with httpx.Client(base_url=gateway, headers={"Origin": gateway}) as c:
        c.post("/identity/signin", data={"email": email, "password": "TacGia#Test2026"})
        html = c.get(f"/submission/contests/{cid}?x=1").text
    assert f'href="/submission/contests/{cid}?x=1&amp;lang=en"' in html
