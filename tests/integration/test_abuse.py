"""What a stranger or a participant can try against others: each must be a clear 4xx, never a
500, and never succeed (issue: abuse-proof)."""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import Api, initiative, new_contest, new_participant, unique

pytestmark = pytest.mark.integration
EVIL = "https://evil.example"


@contextlib.contextmanager
def _cookie_client(gateway: str, email: str, password: str) -> Iterator[httpx.Client]:
    """A browser signed in with the cookie; its own pages' requests carry its Origin."""
    with httpx.Client(base_url=gateway, timeout=30, headers={"Origin": gateway}) as c:
        assert c.post("/identity/signin", data={"email": email, "password": password}).status_code == 303
        yield c


def test_cookie_writes_from_another_site_are_refused(gateway: str, organiser: Api, organiser_email: str) -> None:
    with _cookie_client(gateway, organiser_email, "Organiser#Test2026") as browser:
        victim_email = f"{unique('csrf-')}@test.example"
        body = {"email": victim_email, "password": "GiamKhao#Test2026", "full_name": "Kẻ Giả Mạo",
                "unit": "Sở Nội vụ", "roles": "organiser"}
        r = browser.post("/identity/accounts", data=body, headers={"Origin": EVIL}, follow_redirects=False)
        assert r.status_code == 403 and "trang khác" in r.json()["detail"]
        r = browser.post("/identity/api/accounts", json={**body, "roles": ["organiser"]},
                         headers={"Origin": "null", "Referer": f"{EVIL}/page"})
        assert r.status_code == 403
        names = [a["email"] for a in organiser.get("/identity/api/accounts").json()]
        assert victim_email not in names, "nothing was created"
        r = browser.post("/identity/api/accounts", json={**body, "roles": ["judge"]})  # the site itself: fine
        assert r.status_code == 201

    author, email = new_participant(gateway)
    cid = new_contest(organiser)["contest_id"]
    eid = author.post(f"/submission/api/contests/{cid}/entries", params={"submit": "true"},
                      json=initiative()).json()["entry_id"]
    with _cookie_client(gateway, email, "TacGia#Test2026") as browser:
        r = browser.post(f"/submission/api/entries/{eid}/withdraw", headers={"Origin": EVIL})
        assert r.status_code == 403
        assert author.get(f"/submission/api/entries/{eid}").json()["status"] == "submitted"
    # Login CSRF: a foreign page cannot sign a visitor in to the attacker's account.
    r = httpx.post(f"{gateway}/identity/signin", data={"email": email, "password": "TacGia#Test2026"},
                   headers={"Origin": EVIL})
    assert r.status_code == 403 and "set-cookie" not in r.headers
    # A Bearer token is never sent by a browser on its own: API clients are unaffected.
    r = author.post(f"/submission/api/entries/{eid}/withdraw", headers={"Origin": EVIL})
    assert r.status_code == 200


def test_broken_text_is_refused_at_the_edge_with_the_field_named(gateway: str, organiser: Api) -> None:
    author, _ = new_participant(gateway)
    cid = new_contest(organiser)["contest_id"]
    eid = author.post(f"/submission/api/contests/{cid}/entries", json=initiative()).json()["entry_id"]
    raw = json.dumps({**initiative(), "title": "x\ud800y"})  # a lone surrogate, as JSON spells it
    r = author.put(f"/submission/api/entries/{eid}", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "title" in r.json()["errors"]
    ok = json.dumps({**initiative(), "title": "Sáng kiến có biểu tượng 😀 hợp lệ"})
    assert author.put(f"/submission/api/entries/{eid}", content=ok,
                      headers={"Content-Type": "application/json"}).status_code == 200
    huge = b'{"title": "' + b"a" * (11 * 1024 * 1024) + b'"}'
    r = author.put(f"/submission/api/entries/{eid}", content=huge, headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_integers_a_stranger_controls_are_bounded(gateway: str, organiser: Api) -> None:
    cid = new_contest(organiser)["contest_id"]
    for path in (f"/judging/api/contests/{cid}/progress?round_no={10**30}",
                 f"/judging/api/contests/{cid}/rounds/{10**30}/calibration",
                 f"/judging/organiser/calibration?contest_id={cid}&round_no={10**30}",
                 f"/awards/api/entries/x/certificates/{10**30}.pdf"):
        r = organiser.get(path)
        assert r.status_code == 422, (path, r.status_code)


def test_a_scheduled_contest_can_be_closed(organiser: Api) -> None:
    now = datetime.now(UTC)
    r = organiser.post("/submission/api/contests", json={
        "code": unique("S").upper()[:10], "name": "Cuộc thi mở trong tương lai", "issuing_body": "Sở Nội vụ",
        "categories": [{"key": "tthc", "name": "Thủ tục hành chính"}],
        "opens_at": (now + timedelta(days=5)).isoformat(), "closes_at": (now + timedelta(days=30)).isoformat()})
    assert r.status_code == 201, r.text
    r = organiser.post(f"/submission/api/contests/{r.json()['contest_id']}/close")
    assert r.status_code == 200 and r.json()["status"] == "closed"


def test_the_public_result_check_is_bounded_and_rate_limited(gateway: str) -> None:
    digest = "0" * 64
    me, other = (f"127.{random.randint(10, 250)}.{random.randint(1, 250)}.{n}" for n in (7, 8))
    with httpx.Client(base_url=gateway, timeout=60, transport=httpx.HTTPTransport(local_address=me)) as c:
        r = c.post(f"/awards/api/public/verify-result?result_hash={digest}", content=b"[" * 5000 + b"]" * 5000,
                   headers={"Content-Type": "application/json"})
        assert r.status_code == 422, r.text
        r = c.post(f"/awards/api/public/verify-result?result_hash={digest}", content=b" " * (9 * 1024 * 1024))
        assert r.status_code == 413
        codes = [c.post(f"/awards/api/public/verify-result?result_hash={digest}", content=b"{}").status_code
                 for _ in range(12)]
        assert 429 in codes and codes[0] == 422, codes
        refused = c.post(f"/awards/api/public/verify-result?result_hash={digest}", content=b"{}")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    with httpx.Client(base_url=gateway, timeout=60, transport=httpx.HTTPTransport(local_address=other)) as c:
        r = c.post(f"/awards/api/public/verify-result?result_hash={digest}", content=b"{}")
        assert r.status_code == 422, "another client is not affected"


def test_health_tells_strangers_nothing_about_internals(gateway: str) -> None:
    for service in ("identity", "submission", "judging", "awards"):
        body = httpx.get(f"{gateway}/{service}/health").json()
        assert "relay_error" not in body and "error" not in json.dumps(body).lower()
        assert "waiting_for" not in json.dumps(body)


def test_signing_out_needs_a_session(gateway: str) -> None:
    assert httpx.post(f"{gateway}/identity/api/signout").status_code == 401
