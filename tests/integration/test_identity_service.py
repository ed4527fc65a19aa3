"""Identity over the gateway: sign-up, sign-in (API and page), throttling, roles, account events."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Api, eventually, new_contest, new_judge, new_participant, set_panel, unique

pytestmark = pytest.mark.integration


def test_jwks_is_published_and_tokens_carry_the_profile(gateway: str) -> None:
    keys = httpx.get(f"{gateway}/identity/.well-known/jwks.json").json()["keys"]
    assert keys and keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519" and "d" not in keys[0]
    api, email = new_participant(gateway, unit="Sở Tài chính", name="Phạm Thị Hồng")
    me = api.get("/identity/api/me").json()
    assert (me["email"], me["unit"], me["roles"]) == (email, "Sở Tài chính", ["participant"])


def test_sign_up_refuses_duplicates_and_bad_input_field_by_field(gateway: str) -> None:
    _, email = new_participant(gateway)
    r = httpx.post(f"{gateway}/identity/api/signup", json={"email": email.upper(), "password": "MotMatKhau#2026",
                                                           "full_name": "Ai Đó", "unit": "Sở Y tế"})
    assert r.status_code == 409 and r.json()["errors"]["email"] == "Địa chỉ e-mail này đã được đăng ký."
    r = httpx.post(f"{gateway}/identity/api/signup", json={"email": "không-phải-email", "password": "ngắn",
                                                           "full_name": "", "unit": "x"})
    assert r.status_code == 422
    assert {"email", "password", "full_name", "unit"} <= set(r.json()["errors"])
    r = httpx.post(f"{gateway}/identity/api/signup?lang=en", json={"email": "a@b.vn", "password": "ngắn",
                                                                   "full_name": "Ai Đó", "unit": "Sở Y tế"})
    assert r.json()["errors"]["password"].startswith("Too short")


def _from(address: str) -> httpx.Client:
    """A client whose connections come from another loopback address, as another computer would."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


def test_wrong_passwords_lock_out_the_guessing_client_not_the_account(gateway: str, organiser_email: str) -> None:
    _, email = new_participant(gateway)
    with _from("127.0.0.2") as attacker:
        codes = [attacker.post(f"{gateway}/identity/api/token", json={"email": email, "password": f"sai-{i}"},
                               headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code for i in range(7)]
        assert codes == [401] * 5 + [429, 429], "a forged X-Forwarded-For does not make a new client"
        r = attacker.post(f"{gateway}/identity/api/token", json={"email": email, "password": "TacGia#Test2026"})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0, "the guessing client waits"
        # An organiser's account is no easier to lock than anyone's.
        for i in range(6):
            attacker.post(f"{gateway}/identity/api/token", json={"email": organiser_email, "password": f"x{i}"})
    with _from("127.0.0.3") as owner:
        r = owner.post(f"{gateway}/identity/api/token", json={"email": email, "password": "TacGia#Test2026"})
        assert r.status_code == 200, "the owner, elsewhere, signs in at once"
        r = owner.post(f"{gateway}/identity/api/token", json={"email": organiser_email,
                                                              "password": "Organiser#Test2026"})
        assert r.status_code == 200, "and so does the organiser"


def test_guesses_from_many_clients_slow_an_account_but_never_lock_its_owner_out(gateway: str) -> None:
    _, email = new_participant(gateway)
    for n in range(4, 16):  # 12 clients, 1 failure each: past the point where attempts are slowed
        with _from(f"127.0.1.{n}") as c:
            assert c.post(f"{gateway}/identity/api/token", json={"email": email, "password": "sai"}).status_code == 401
    with _from("127.0.2.1") as owner:
        r = owner.post(f"{gateway}/identity/api/token", json={"email": email, "password": "TacGia#Test2026"})
        assert r.status_code == 200


def test_only_organisers_create_accounts(gateway: str, organiser: Api, anonymous: Api) -> None:
    body = {"email": f"{unique()}@test.example", "password": "GiamKhao#Test2026", "full_name": "Giám khảo Mới",
            "unit": "Sở Nội vụ", "roles": ["judge"]}
    assert anonymous.post("/identity/api/accounts", json=body).status_code == 401
    participant, _ = new_participant(gateway)
    assert participant.post("/identity/api/accounts", json=body).status_code == 403
    assert participant.get("/identity/api/accounts").status_code == 403
    judge = new_judge(gateway, organiser, "Sở Y tế")
    assert judge.post("/identity/api/accounts", json=body).status_code == 403
    assert organiser.post("/identity/api/accounts", json=body).status_code == 201
    forged = Api(gateway, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZXMiOlsib3JnYW5pc2VyIl19.")
    assert forged.post("/identity/api/accounts", json=body).status_code == 401


def test_page_sign_in_sets_an_httponly_samesite_cookie_and_sign_out_clears_it(gateway: str) -> None:
    _, email = new_participant(gateway)
    with httpx.Client(base_url=gateway) as browser:
        r = browser.post("/identity/signin", data={"email": email, "password": "TacGia#Test2026",
                                                  "next": "https://evil.example/"})
        assert r.status_code == 303 and r.headers["location"] == "/submission/my", "no open redirect"
        cookie = r.headers["set-cookie"].lower()
        assert "contest_token=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert browser.get("/submission/my").status_code == 200
        browser.post("/identity/signout")
        assert browser.get("/submission/my", headers={"accept": "text/html"}).status_code == 303
    r = httpx.post(f"{gateway}/identity/signin", data={"email": email, "password": "sai mật khẩu"})
    assert r.status_code == 400 and "E-mail hoặc mật khẩu không đúng." in r.text


def test_judging_learns_judges_from_account_events(gateway: str, organiser: Api) -> None:
    contest = new_contest(organiser)
    judge = new_judge(gateway, organiser, "UBND huyện Quế Võ")
    set_panel(organiser, contest["contest_id"], [judge])  # only succeeds once judging has the judge's copy


def test_sign_out_revokes_the_token_in_every_service(gateway: str) -> None:
    api, _ = new_participant(gateway)
    assert api.get("/identity/api/me").status_code == 200
    assert api.get("/submission/api/my/entries").status_code == 200  # verified (and remembered) there too
    assert api.post("/identity/api/signout").status_code == 204
    assert api.get("/identity/api/me").status_code == 401, "identity refuses it at once"
    eventually(lambda: api.get("/submission/api/my/entries").status_code == 401, timeout=30,
               what="submission to hear of the sign-out")
    eventually(lambda: api.get("/judging/api/queue").status_code == 401, timeout=30, what="judging too")
    eventually(lambda: api.get("/awards/api/my/certificates").status_code == 401, timeout=30, what="awards too")


def test_a_page_sign_out_revokes_the_cookie_s_token(gateway: str) -> None:
    _, email = new_participant(gateway)
    with httpx.Client(base_url=gateway, timeout=30) as browser:
        r = browser.post("/identity/signin", data={"email": email, "password": "TacGia#Test2026"})
        assert r.status_code == 303
        stolen = browser.cookies.get("contest_token")
        assert stolen and browser.get("/identity/api/me").status_code == 200
        assert browser.post("/identity/signout").status_code == 303
    thief = Api(gateway, stolen)
    assert thief.get("/identity/api/me").status_code == 401, "a copied cookie dies with the sign-out"


def test_a_well_signed_token_that_lives_too_long_is_refused(gateway: str) -> None:
    from datetime import UTC, datetime, timedelta

    import jwt
    from cryptography.hazmat.primitives import serialization
    from pymongo import MongoClient

    from tests.conftest import PROFILE

    api, _ = new_participant(gateway)
    me = api.get("/identity/api/me").json()
    db = PROFILE.service_env("identity")["IDENTITY_MONGO_DB"]
    key = MongoClient(PROFILE.mongo_url)[db]["signing_keys"].find_one({"_id": "active"})
    assert key is not None
    private = serialization.load_pem_private_key(key["pem"].encode(), password=None)
    now = datetime.now(UTC)
    forged = jwt.encode({"sub": me["account_id"], "email": me["email"], "name": me["full_name"], "roles": ["organiser"],
                         "iss": "contest-identity", "aud": "contest-platform", "iat": now, "nbf": now,
                         "exp": now + timedelta(days=3650), "jti": "ten-years"}, private,  # type: ignore[arg-type]
                        algorithm="EdDSA", headers={"kid": key["kid"]})
    for path in ("/identity/api/me", "/submission/api/my/entries", "/identity/api/accounts"):
        assert Api(gateway, forged).get(path).status_code == 401, path
