"""Judges hear of their deadline, authors hear what the judges thought: against the real stack,
read back through Mailpit.

A scheduled reminder reaches each judge with unsubmitted sheets once, and not again after
judging restarts: the absence is proven by a later message on the same Kafka key (the
organiser's reminder to the same judge, written after the restart's ticks, on the contest's
partition). Feedback reaches the entry's owner only, and only when the contest publishes it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Api, eventually, new_participant
from tests.integration.mailbox import count, message, received, subjects, wait_for_mail
from tests.integration.test_awards_scenario import PRIZES, ready_allocation
from tests.integration.test_judging_flow import GOOD, contest_with_eligible_entries, queue_of
from tests.resilience.faults import ready, runner

pytestmark = pytest.mark.integration


def score(judge: Any, cid: str, comments: dict[str, str] | None = None, overall: str = "") -> None:
    for q in queue_of(judge, cid):
        assert judge.post(f"/judging/api/reviews/{q['review_id']}/declaration").status_code == 200
        r = judge.put(f"/judging/api/reviews/{q['review_id']}/sheet",
                      json={"scores": GOOD, "comments": comments or {}, "overall": overall, "submit": True})
        assert r.status_code == 200, r.text


def test_a_scheduled_reminder_reaches_each_judge_with_pending_sheets_once_across_a_restart(
        gateway: str, organiser: Api) -> None:
    s = contest_with_eligible_entries(gateway, organiser, 2, ["Sở Tư pháp", "Sở Y tế"])
    cid, (done, late) = s.cid, s.judges
    assert organiser.put(f"/judging/api/contests/{cid}/rounds",
                         json={"rounds": [{"judges_per_entry": 2}]}).status_code == 200
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"seed": 3}).status_code == 200
    score(done, cid)  # one judge submits both sheets; the other has two pending
    name = s.contest["name"]
    # The deadline is a day away: within the default two days, so the reminder is due at once.
    deadline = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    r = organiser.put(f"/judging/api/contests/{cid}/rounds/1/deadline", json={"deadline": deadline.isoformat()})
    assert r.status_code == 200 and r.json()["remind_days_before"] == 2, r.text
    # Subjects are matched up to the contest's name: Python's header folding may drop the space
    # at a fold between two encoded words (Mailpit shows "sángkiến"); the body is checked whole.
    mail = wait_for_mail(late.email, "Nhắc hạn chấm: còn 2 bài chưa nộp điểm – ")
    local = deadline.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f"Hạn chấm: {local:%d/%m/%Y %H:%M} (giờ Việt Nam)." in mail["Text"]
    assert f"Bạn còn 2 trong 2 bài của vòng chấm 1 ({name}) chưa nộp điểm." in mail["Text"]
    assert "/judging/" in mail["Text"]

    runner("stop", "judging")
    runner("start", "judging")
    eventually(lambda: ready("judging"), timeout=120, what="judging back")
    time.sleep(4)  # several ticks of the restarted schedule (1 s apart on test stacks)
    # Sentinels on the same key (the contest), written after those ticks: the organiser's reminders.
    for judge in (late, done):
        for _ in range(2):  # a double click: the same key, one reminder
            r = organiser.post(f"/judging/api/contests/{cid}/judges/{judge.account_id}/reminders",
                               json={"message": "Hạn chót sắp đến"},
                               headers={"Idempotency-Key": f"k-{judge.account_id}"})
            assert r.status_code == 200 and r.json()["round_no"] == 1, r.text
    r = organiser.post(f"/judging/api/contests/{cid}/judges/{late.account_id}/reminders",
                       json={"message": "Nhắc lần hai"}, headers={"Idempotency-Key": f"k2-{late.account_id}"})
    assert r.status_code == 200, r.text
    eventually(lambda: any("Nhắc lần hai" in message(m["ID"])["Text"] for m in received(late.email)
                           if "Ban tổ chức nhắc" in m["Subject"]),
               timeout=120, what="the second reminder's mail (the sentinel: the retry sent nothing)")
    assert count(late.email, "Ban tổ chức nhắc") == 2, subjects(late.email)
    manual = wait_for_mail(late.email, "Ban tổ chức nhắc: còn 2 bài chưa nộp điểm – ")
    assert "Ban tổ chức " + name + " nhắc bạn: Hạn chót sắp đến" in manual["Text"]
    assert "Bạn đã nộp điểm đủ 2 bài" in wait_for_mail(done.email, "Ban tổ chức nhắc – ")["Text"]
    assert count(late.email, "Nhắc hạn chấm") == 1, subjects(late.email)
    assert count(done.email, "Nhắc hạn chấm") == 0, "nothing pending: no scheduled reminder"
    # The judge's queue page still shows the organiser's reminder.
    assert [m["message"] for m in late.get("/judging/api/reminders").json()] == ["Nhắc lần hai", "Hạn chót sắp đến"]


def announce(organiser: Api, cid: str) -> None:
    view = ready_allocation(organiser, cid)
    assert organiser.post(f"/awards/api/contests/{cid}/approve",
                          json={"confirm": True, "result_hash": view["result_hash"]}).status_code == 200
    assert organiser.post(f"/awards/api/contests/{cid}/announce", json={"confirm": True}).status_code == 200


def test_feedback_reaches_the_author_only_anonymised_and_by_mail(gateway: str, organiser: Api) -> None:
    s = contest_with_eligible_entries(gateway, organiser, 1, ["Sở Tư pháp", "Sở Y tế"])
    cid, author, [eid] = s.cid, s.author, s.entries
    r = organiser.put(f"/judging/api/contests/{cid}/feedback", json={"publish": True})
    assert r.status_code == 200 and r.json()["publish"] is True, r.text
    assert organiser.get(f"/judging/api/contests/{cid}/setup").json()["publish_feedback"] is True
    assert organiser.put(f"/judging/api/contests/{cid}/rounds",
                         json={"rounds": [{"judges_per_entry": 2}]}).status_code == 200
    eventually(lambda: organiser.put(f"/awards/api/contests/{cid}/prizes", json=PRIZES).status_code == 200,
               what="awards to hear of the contest")
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"seed": 3}).status_code == 200
    assert organiser.put(f"/judging/api/contests/{cid}/feedback", json={"publish": False}).status_code == 409

    first, second = s.judges
    [q] = queue_of(first, cid)
    assert first.post(f"/judging/api/reviews/{q['review_id']}/declaration").status_code == 200
    sheet = first.get(f"/judging/api/reviews/{q['review_id']}").json()
    assert sheet["comments_to_authors"] is True  # the judge is told before scoring
    assert "Nhận xét của bạn sẽ được gửi tới tác giả" in first.get(f"/judging/reviews/{q['review_id']}").text
    score(first, cid, {"novelty": "Cách tiếp cận mới, rõ ràng"}, "Nên nhân rộng")
    score(second, cid, {"effectiveness": "Cần số liệu đo hiệu quả"})
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/close").status_code == 200
    announce(organiser, cid)

    def feedback() -> Any:
        mine = [e for e in author.get("/submission/api/my/entries").json() if e["entry_id"] == eid]
        return mine and mine[0]["feedback"]
    fb = eventually(feedback, what="the feedback in the author's entries")
    assert fb["round_no"] == 1
    assert {c["key"]: c["mean"] for c in fb["criteria"]} == {k: float(v) for k, v in GOOD.items()}
    assert sorted(c["text"] for c in fb["comments"]) == ["Cách tiếp cận mới, rõ ràng", "Cần số liệu đo hiệu quả",
                                                         "Nên nhân rộng"]
    shown = str(fb)
    for judge in s.judges:
        assert judge.account_id not in shown and judge.email not in shown
    assert "Giám khảo" not in shown, "never a judge's name"
    page = author.get("/submission/my").text
    assert "Cần số liệu đo hiệu quả" in page and "Giám khảo A" not in page

    code = next(e["code"] for e in author.get("/submission/api/my/entries").json() if e["entry_id"] == eid)
    mail = wait_for_mail(author.get("/identity/api/me").json()["email"], f"Nhận xét của giám khảo về sáng kiến {code}")
    assert "Cách tiếp cận mới, rõ ràng" in mail["Text"] and "Giám khảo A" not in mail["Text"] + mail["HTML"]

    # Nobody else reads it: another participant, and the organisers' screening view.
    other, _ = new_participant(gateway)
    assert other.get(f"/submission/api/entries/{eid}").status_code == 404
    assert all(e["entry_id"] != eid for e in other.get("/submission/api/my/entries").json())
    assert "Cần số liệu đo hiệu quả" not in other.get("/submission/my").text
    assert "feedback" not in organiser.get(f"/submission/api/screening/entries/{eid}").json()
    for judge in s.judges:
        assert judge.get("/submission/api/my/entries").status_code == 403
