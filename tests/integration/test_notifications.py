"""People hear from the platform: every mail of a contest's life arrives once, in the person's
language, read back through the real Mailpit that the test command starts.

Absences are proven with a later message on the same Kafka key (so the same partition, handled
after): an event redelivered, a category turned off."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from shared.envelope import Envelope
from tests.conftest import PROFILE, Api, eventually, initiative, new_contest, new_participant
from tests.integration.kafka_util import read_all
from tests.integration.mailbox import count, message, received, subjects, wait_for_mail
from tests.integration.test_awards_scenario import PRIZES
from tests.integration.test_judging_flow import GOOD, contest_with_eligible_entries, queue_of
from tests.resilience.faults import publish

pytestmark = pytest.mark.integration


def codes_of(author: Api, cid: str) -> dict[str, str]:
    return {e["entry_id"]: e["code"] for e in author.get("/submission/api/my/entries").json()
            if e["contest_id"] == cid}


def email_of(api: Api) -> str:
    return str(api.get("/identity/api/me").json()["email"])


def submit(author: Api, cid: str, title: str) -> str:
    r = author.post(f"/submission/api/contests/{cid}/entries", json=initiative(title=title))
    assert r.status_code == 201, r.text
    eid = str(r.json()["entry_id"])
    assert author.post(f"/submission/api/entries/{eid}/submit").status_code == 200
    return eid


def test_a_contest_tells_participants_and_judges_each_thing_once(gateway: str, organiser: Api) -> None:
    s = contest_with_eligible_entries(gateway, organiser, 2, ["Sở Tư pháp", "Sở Y tế"])
    cid, author = s.cid, s.author
    author_email = email_of(author)
    codes = codes_of(author, cid)
    for code in codes.values():
        receipt = wait_for_mail(author_email, f"Đã nhận sáng kiến {code}")
        assert f"Mã hồ sơ (biên nhận): {code}" in receipt["Text"]
        assert receipt["To"][0]["Address"] == author_email
        wait_for_mail(author_email, f"Sáng kiến {code} đã được thẩm định hợp lệ")
    wait_for_mail(author_email, "Tài khoản của bạn")

    # One round, both judges on both entries: each judge gets ONE message listing both.
    r = organiser.put(f"/judging/api/contests/{cid}/rounds", json={"rounds": [{"judges_per_entry": 2}]})
    assert r.status_code == 200, r.text
    eventually(lambda: organiser.put(f"/awards/api/contests/{cid}/prizes", json=PRIZES).status_code == 200,
               what="awards to hear of the contest")
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"seed": 3}).status_code == 200
    for judge in s.judges:
        digest = wait_for_mail(judge.email, "Bạn được phân công chấm 2 sáng kiến")
        for code in codes.values():
            assert code in digest["Text"]
        assert "Phạm Thị Tác Giả" not in digest["Text"] + digest["HTML"]  # judges never see the author
    for code in codes.values():
        wait_for_mail(author_email, f"Sáng kiến {code} đang được chấm điểm")

    points = dict(zip(codes, (30, 20), strict=True))
    for j in s.judges:
        for q in queue_of(j, cid):
            assert j.post(f"/judging/api/reviews/{q['review_id']}/declaration").status_code == 200
            r = j.put(f"/judging/api/reviews/{q['review_id']}/sheet",
                      json={"scores": {**GOOD, "novelty": points[q["entry_id"]]}, "submit": True})
            assert r.status_code == 200, r.text
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/close").status_code == 200
    for judge in s.judges:
        wait_for_mail(judge.email, "vòng chấm 1 đã đóng")

    def allocation() -> Any:
        body = organiser.get(f"/awards/api/contests/{cid}/allocation").json()
        return body.get("ready") and body
    view = eventually(allocation, what="the allocation")
    assert organiser.post(f"/awards/api/contests/{cid}/approve",
                          json={"confirm": True, "result_hash": view["result_hash"]}).status_code == 200
    assert organiser.post(f"/awards/api/contests/{cid}/announce", json={"confirm": True}).status_code == 200
    first, second = codes.values()
    won = wait_for_mail(author_email, f": sáng kiến {first}")
    assert "Giải Nhất" in won["Text"] and "/awards/my" in won["Text"]
    assert "Giải Nhì" in wait_for_mail(author_email, f": sáng kiến {second}")["Text"]

    # The results came last: everything before them has been planned by now, and once each.
    eventually(lambda: not [m for m in organiser.get("/notifications/api/outbox", params={"status": "pending"}).json()
                            if m["to_email"] in {author_email, *(j.email for j in s.judges)}],
               what="nothing left to send")
    mine = subjects(author_email)
    # welcome, address confirmation; receipt, eligible, review, result
    assert len(mine) == len(set(mine)) == 2 + 4 * len(codes), mine
    for judge in s.judges:
        theirs = subjects(judge.email)
        assert len(theirs) == len(set(theirs)) == 3, theirs  # welcome, the digest, the round closed


@pytest.mark.plain_store
def test_a_redelivered_event_sends_nothing_more(gateway: str, organiser: Api) -> None:
    cid = new_contest(organiser)["contest_id"]
    author, email = new_participant(gateway)
    eid = submit(author, cid, "Tra cứu hồ sơ bằng mã QR")
    code = codes_of(author, cid)[eid]
    wait_for_mail(email, f"Đã nhận sáng kiến {code}")

    def submitted(ms: list[Any]) -> list[Any]:
        return [m for m in ms if isinstance(m, dict) and m.get("payload", {}).get("entry_id") == eid
                and m["payload"].get("status") == "submitted"]
    found = submitted(asyncio.run(read_all(PROFILE.kafka_bootstrap, "submission.statuses",
                                           until=lambda ms: bool(submitted(ms)))))
    assert found, "the submission's status event"
    asyncio.run(publish(Envelope.model_validate(found[0]), Envelope.model_validate(found[0])))
    # Sentinel on the same key (same partition, handled after the copies): the withdrawal.
    assert author.post(f"/submission/api/entries/{eid}/withdraw").status_code == 200
    wait_for_mail(email, f"Đã rút sáng kiến {code}")
    assert count(email, f"Đã nhận sáng kiến {code}") == 1


def test_english_for_who_chose_it_and_nothing_for_a_category_turned_off(gateway: str, organiser: Api) -> None:
    cid = new_contest(organiser)["contest_id"]
    author, email = new_participant(gateway, name="Lê Văn Bình")
    eventually(lambda: author.get("/notifications/api/preferences").json().get("email") == email,
               what="notifications to know the new account")
    r = author.put("/notifications/api/preferences", json={"lang": "en", "opted_out": []})
    assert r.status_code == 200 and r.json()["lang"] == "en", r.text
    first = submit(author, cid, "Một cửa liên thông điện tử")
    code = codes_of(author, cid)[first]
    receipt = wait_for_mail(email, f"Initiative {code} received")
    assert "Dear Lê Văn Bình," in receipt["Text"] and "Receipt code: " + code in receipt["Text"]
    assert 'lang="en"' in receipt["HTML"]

    assert author.put("/notifications/api/preferences",
                      json={"lang": "en", "opted_out": ["submission"]}).status_code == 200
    second = submit(author, cid, "Số hoá sổ hộ tịch")
    second_code = codes_of(author, cid)[second]
    # Handled, recorded as not sent (organisers can see why), and never handed to the sender.
    def not_sent() -> list[Any]:
        rows = organiser.get("/notifications/api/outbox", params={"status": "suppressed"}).json()
        return [m for m in rows if m["to_email"] == email and second_code in m["subject"]]
    row = eventually(not_sent, what="the receipt recorded as not sent")
    assert row[0]["kind"] == "receipt" and row[0]["attempts"] == 0
    # Turned back on before the withdrawal of the same entry (same key, handled later): its mail
    # proves the submission's event was handled, and sent nothing.
    assert author.put("/notifications/api/preferences", json={"lang": "en", "opted_out": []}).status_code == 200
    assert author.post(f"/submission/api/entries/{second}/withdraw").status_code == 200
    wait_for_mail(email, f"Initiative {second_code} withdrawn")
    assert count(email, second_code) == 1, subjects(email)


def test_refusals(gateway: str, organiser: Api, anonymous: Api) -> None:
    author, _ = new_participant(gateway)
    assert anonymous.get("/notifications/api/preferences").status_code == 401
    assert anonymous.get("/notifications/api/outbox").status_code == 401
    assert author.get("/notifications/api/outbox").status_code == 403
    assert author.get("/notifications/organiser/outbox", headers={"Accept": "text/html"}).status_code == 403
    assert author.post("/notifications/api/outbox/x/resend", json={"token": "abcdefgh"}).status_code == 403
    r = author.put("/notifications/api/preferences", json={"lang": "fr", "opted_out": ["account"]})
    assert r.status_code == 422 and r.json()["errors"], r.text
    assert all(re.search(r"lang|opted_out", k) for k in r.json()["errors"]), r.text
    assert organiser.get("/notifications/api/outbox/nope").status_code == 404
    assert organiser.get("/notifications/api/outbox", params={"limit": 501}).status_code == 422


def test_organisers_see_the_outbox_and_resend_once(gateway: str, organiser: Api) -> None:
    _, email = new_participant(gateway, name="Đỗ Thị Cúc")
    wait_for_mail(email, "Tài khoản của bạn")
    rows = eventually(lambda: [m for m in organiser.get("/notifications/api/outbox", params={"status": "sent"}).json()
                               if m["to_email"] == email and m["kind"] == "welcome"], what="the welcome in the outbox")
    welcome = rows[0]
    assert welcome["kind"] == "welcome" and welcome["attempts"] == 1
    detail = organiser.get(f"/notifications/api/outbox/{welcome['id']}").json()
    assert "Đỗ Thị Cúc" in detail["text"]
    page = organiser.get("/notifications/organiser/outbox", params={"q": "do thi cuc"},
                         headers={"Accept": "text/html"})
    assert page.status_code == 200 and email in page.text
    for _ in range(2):  # the same request twice (a double click, a retry): one copy
        r = organiser.post(f"/notifications/api/outbox/{welcome['id']}/resend", json={"token": "resend-once-1"})
        assert r.status_code == 202, r.text
    eventually(lambda: count(email, "Tài khoản của bạn") == 2, what="the copy")
    r = organiser.post(f"/notifications/api/outbox/{welcome['id']}/resend", json={"token": "resend-once-2"})
    assert r.status_code == 202, r.text
    eventually(lambda: count(email, "Tài khoản của bạn") == 3, what="a second, deliberate copy")
    copies = [m for m in received(email) if "Tài khoản của bạn" in m["Subject"]]
    assert len({message(m["ID"])["MessageID"] for m in copies}) == 3  # each copy is its own message
