"""A person's own account against the real stack and Mailpit: a forgotten password by a one-time
link (arrives once, works once, expires, ends sessions, never tells whether an address exists),
a verified address before submitting, and changes of password or address when signed in."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pymongo import MongoClient

from tests.conftest import (
    PROFILE,
    Api,
    eventually,
    initiative,
    new_contest,
    new_participant,
    sign_in,
    unique,
    verify_address,
)
from tests.integration.mailbox import count, link_in, received, wait_for_mail

pytestmark = pytest.mark.integration

PASSWORD = "TacGia#Test2026"
RESET_SUBJECT = "Đặt lại mật khẩu"


def reset_link(email: str, nth: int = 1) -> str:
    def mails() -> list[dict[str, str]] | None:
        found = [m for m in received(email) if RESET_SUBJECT in m["Subject"]]
        return found if len(found) >= nth else None
    from tests.integration.mailbox import message
    return link_in(message(eventually(mails, timeout=120, what="a reset mail")[nth - 1]["ID"]), "/identity/reset/")


def ask_reset(gateway: str, email: str) -> httpx.Response:
    return httpx.post(f"{gateway}/identity/api/password-reset", json={"email": email}, timeout=30)


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def test_reset_end_to_end_mail_once_link_once_sessions_end(gateway: str) -> None:
    api, email = new_participant(gateway)
    other_session = sign_in(gateway, email, PASSWORD)
    assert other_session.get("/identity/api/me").status_code == 200

    r = ask_reset(gateway, email)
    assert r.status_code == 202, r.text
    link = reset_link(email)
    mail = wait_for_mail(email, RESET_SUBJECT)
    assert mail["To"][0]["Address"] == email and "một lần" in mail["Text"]

    new = "MatKhauMoi#2026x"
    assert httpx.get(link, timeout=30).status_code == 200  # the form; opening it uses nothing
    r = httpx.post(f"{gateway}/identity/api/password-reset/confirm", json={"token": token_of(link), "password": new},
                   timeout=30)
    assert r.status_code == 204, r.text
    # Every earlier session ended, in identity at once and in submission within a Kafka round.
    assert api.get("/identity/api/me").status_code == 401
    eventually(lambda: other_session.get("/submission/api/my/entries").status_code == 401,
               what="submission to hear of the revocation")
    assert httpx.post(f"{gateway}/identity/api/token", json={"email": email, "password": PASSWORD},
                      timeout=30).status_code == 401
    assert sign_in(gateway, email, new).get("/identity/api/me").json()["email"] == email

    # Used: refused with a clear reason; the page offers a new link.
    again = httpx.post(f"{gateway}/identity/api/password-reset/confirm",
                       json={"token": token_of(link), "password": "ThuLaiLanNua#2026"}, timeout=30)
    assert again.status_code == 410 and again.json()["link_state"] == "used"
    page = httpx.get(link, timeout=30)
    assert page.status_code == 410 and "đã được sử dụng" in page.text and 'href="/identity/forgot"' in page.text
    en = httpx.get(f"{link}?lang=en", timeout=30)
    assert "already been used" in en.text

    time.sleep(3)  # the mail went once: no copy arrives later
    assert count(email, RESET_SUBJECT) == 1


def test_unknown_address_gets_the_same_answer_and_no_mail(gateway: str) -> None:
    _, known = new_participant(gateway)
    nobody = f"{unique('khongco-')}@test.example"
    a, b = ask_reset(gateway, known), ask_reset(gateway, nobody)
    assert (a.status_code, a.json()) == (b.status_code, b.json()) == (202, a.json())
    assert set(a.headers) - {"date", "x-request-id", "x-correlation-id"} == \
        set(b.headers) - {"date", "x-request-id", "x-correlation-id"}
    reset_link(known)  # the known address's mail arrived; the unknown one had none meanwhile
    assert received(nobody) == []
    # The page answers the same text too.
    pa = httpx.post(f"{gateway}/identity/forgot", data={"email": known}, timeout=30)
    pb = httpx.post(f"{gateway}/identity/forgot", data={"email": nobody}, timeout=30)
    assert pa.status_code == pb.status_code == 200
    assert pa.text.replace(known, "X") == pb.text.replace(nobody, "X")


def test_an_expired_link_is_refused_and_offers_a_new_one(gateway: str) -> None:
    _, email = new_participant(gateway)
    ask_reset(gateway, email)
    link = reset_link(email)
    expire(token_of(link))
    r = httpx.post(f"{gateway}/identity/api/password-reset/confirm",
                   json={"token": token_of(link), "password": "MatKhauMoi#2026x"}, timeout=30)
    assert r.status_code == 410 and r.json()["link_state"] == "expired"
    page = httpx.get(link, timeout=30)
    assert page.status_code == 410 and "đã hết hạn" in page.text and "Yêu cầu liên kết mới" in page.text
    assert sign_in(gateway, email, PASSWORD)  # the old password still works


def expire(token: str) -> None:
    """Move a link's expiry into the past (the test cannot wait an hour)."""
    import hashlib

    client: MongoClient[dict[str, object]] = MongoClient(PROFILE.mongo_url)
    try:
        res = client[f"contest_{PROFILE.name}_identity"]["links"].update_one(
            {"_id": hashlib.sha256(token.encode()).hexdigest()},
            {"$set": {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}})
        assert res.modified_count == 1
    finally:
        client.close()


def test_submit_is_refused_before_the_address_is_verified_and_allowed_after(gateway: str, organiser: Api) -> None:
    contest = new_contest(organiser)
    author, email = new_participant(gateway, verified=False)
    r = author.post(f"/submission/api/contests/{contest['contest_id']}/entries", json=initiative())
    assert r.status_code == 201, r.text  # drafting needs no verification
    eid = r.json()["entry_id"]
    refused = author.post(f"/submission/api/entries/{eid}/submit")
    assert refused.status_code == 403 and refused.json()["email_verification_required"] is True
    assert "xác nhận địa chỉ e-mail" in refused.json()["detail"]
    en = author.post(f"/submission/api/entries/{eid}/submit?lang=en")
    assert "confirm your e-mail address" in en.json()["detail"]
    created = author.post(f"/submission/api/contests/{contest['contest_id']}/entries?submit=true", json=initiative())
    assert created.status_code == 403

    # A resend asks for a second link (throttled per account); either link works.
    assert author.post("/identity/api/email-verification").json() == {"sent": True}
    eventually(lambda: count(email, "Xác nhận địa chỉ e-mail") == 2, what="the second verification mail")
    verify_address(gateway, email)
    assert author.post(f"/submission/api/entries/{eid}/submit").status_code == 403  # the old token still says no
    fresh = sign_in(gateway, email, PASSWORD)
    assert fresh.post(f"/submission/api/entries/{eid}/submit").status_code == 200
    assert fresh.post("/identity/api/email-verification").json() == {"sent": False}


def test_change_of_password_ends_sessions_and_needs_the_current_one(gateway: str) -> None:
    api, email = new_participant(gateway)
    wrong = api.post("/identity/api/me/password", json={"current_password": "sai-mat-khau", "new_password": "x" * 12})
    assert wrong.status_code == 422 and "current_password" in wrong.json()["errors"]
    weak = api.post("/identity/api/me/password", json={"current_password": PASSWORD,
                                                          "new_password": email.split("@")[0] + "12"})
    assert weak.status_code == 422
    ok = api.post("/identity/api/me/password", json={"current_password": PASSWORD, "new_password": "DoiMatKhau#2026"})
    assert ok.status_code == 204, ok.text
    assert api.get("/identity/api/me").status_code == 401
    assert sign_in(gateway, email, "DoiMatKhau#2026")


def test_change_of_address_takes_effect_when_verified_and_tells_the_old_one(gateway: str) -> None:
    api, old = new_participant(gateway)
    new = f"{unique('moi-')}@test.example"
    r = api.post("/identity/api/me/email", json={"current_password": PASSWORD, "new_email": new})
    assert r.status_code == 202, r.text
    assert api.get("/identity/api/me").json()["email"] == old  # not before the new address is proved
    taken = api.post("/identity/api/me/email", json={"current_password": PASSWORD, "new_email": old})
    assert taken.status_code == 422
    done = verify_address(gateway, new, "Xác nhận địa chỉ e-mail mới")
    assert "đăng nhập bằng địa chỉ mới" in done.text.lower()
    notice = wait_for_mail(old, "Địa chỉ e-mail của tài khoản đã thay đổi")
    assert new in notice["Text"] and notice["To"][0]["Address"] == old
    assert api.get("/identity/api/me").status_code == 401  # sessions ended
    assert httpx.post(f"{gateway}/identity/api/token", json={"email": old, "password": PASSWORD},
                      timeout=30).status_code == 401
    me = sign_in(gateway, new, PASSWORD).get("/identity/api/me").json()
    assert me["email"] == new


def test_an_organisers_new_judge_gets_one_mail_to_set_a_password(gateway: str, organiser: Api) -> None:
    email = f"{unique('giamkhao-')}@test.example"
    r = organiser.post("/identity/api/accounts", json={"email": email, "password": "TamThoi#Test2026",
                                                       "full_name": "Giám khảo Mời", "unit": "Sở Tư pháp",
                                                       "roles": ["judge"]})
    assert r.status_code == 201, r.text
    mail = wait_for_mail(email, "hãy đặt mật khẩu")
    link = link_in(mail, "/identity/reset/")
    r = httpx.post(f"{gateway}/identity/api/password-reset/confirm",
                   json={"token": token_of(link), "password": "GiamKhaoRieng#2026"}, timeout=30)
    assert r.status_code == 204
    assert sign_in(gateway, email, "GiamKhaoRieng#2026")
    time.sleep(2)
    assert [m["Subject"] for m in received(email)] == [mail["Subject"]]  # no second, plain welcome


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/identity/api/email-verification", None),
    ("POST", "/identity/api/me/password", {"current_password": "a", "new_password": "b" * 10}),
    ("POST", "/identity/api/me/email", {"current_password": "a", "new_email": "a@b.vn"}),
])
def test_own_account_routes_need_a_signed_in_person(gateway: str, method: str, path: str,
                                                    body: dict[str, str] | None) -> None:
    assert httpx.request(method, f"{gateway}{path}", json=body, timeout=30).status_code == 401


def test_own_account_pages_need_a_signed_in_person_and_a_same_origin_form(gateway: str) -> None:
    page = httpx.get(f"{gateway}/identity/account", timeout=30, headers={"Accept": "text/html"})
    assert page.status_code in (302, 303) and "/identity/signin" in page.headers["location"]
    api, _ = new_participant(gateway)
    cookie = {"contest_token": api.http.headers["Authorization"].split()[1]}
    r = httpx.post(f"{gateway}/identity/account/password", cookies=cookie, timeout=30,
                   data={"current_password": PASSWORD, "new_password": "x" * 12, "new_password2": "x" * 12},
                   headers={"Origin": "https://evil.example"})
    assert r.status_code == 403  # cross-site: refused before reaching the form
    mine = httpx.get(f"{gateway}/identity/account", cookies=cookie, timeout=30)
    assert mine.status_code == 200 and "Đổi mật khẩu" in mine.text


def test_malformed_and_unknown_tokens_are_refused_plainly(gateway: str) -> None:
    for token in ("x", "A" * 43):
        r = httpx.post(f"{gateway}/identity/api/password-reset/confirm", json={"token": token, "password": "a" * 12},
                       timeout=30)
        assert r.status_code == 410 and r.json()["link_state"] == "unknown"
        v = httpx.post(f"{gateway}/identity/api/email-verification/confirm", json={"token": token}, timeout=30)
        assert v.status_code == 410
