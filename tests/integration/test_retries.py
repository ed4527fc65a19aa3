"""A retried request never does its work twice: an identical sheet is a no-op, and creations sent
again with the same ``Idempotency-Key`` return what the first request created."""

from __future__ import annotations

import pytest

from tests.conftest import Api, initiative, new_participant, unique
from tests.integration.test_judging_flow import GOOD, contest_with_eligible_entries, judging_events, of_type, queue_of

pytestmark = [pytest.mark.integration, pytest.mark.plain_store]


def test_the_same_sheet_submitted_again_adds_no_audit_row_and_no_second_result(gateway: str, organiser: Api) -> None:
    s = contest_with_eligible_entries(gateway, organiser, 2, ["Sở Tư pháp"])
    cid = s.cid
    r = organiser.put(f"/judging/api/contests/{cid}/rounds", json={"rounds": [{"judges_per_entry": 1}]})
    assert r.status_code == 200, r.text
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"seed": 1}).status_code == 200
    judge = s.judges[0]
    first, second = sorted(queue_of(judge, cid), key=lambda q: q["entry_id"])
    for q in (first, second):
        assert judge.post(f"/judging/api/reviews/{q['review_id']}/declaration").status_code == 200
    sheet = {"scores": GOOD, "comments": {"novelty": "Rõ ràng"}, "overall": "Tốt", "submit": True}
    answers = [judge.put(f"/judging/api/reviews/{first['review_id']}/sheet", json=sheet) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json()["status"] == answers[2].json()["status"] == "submitted"
    # The other entry's result is the sentinel: same contest, same partition, published after.
    assert judge.put(f"/judging/api/reviews/{second['review_id']}/sheet", json=sheet).status_code == 200

    msgs = judging_events(cid, lambda ms: any(p["entry_id"] == second["entry_id"]
                                              for p in of_type(ms, "EntryRoundScored")))
    scored = [p for p in of_type(msgs, "EntryRoundScored") if p["entry_id"] == first["entry_id"]]
    assert len(scored) == 1, "one result for one entry, however often the same sheet was sent"
    audit = organiser.get(f"/judging/api/contests/{cid}/audit", params={"entry_id": first["entry_id"]}).json()
    assert len([a for a in audit if a["kind"] == "score"]) == 1
    revised = {**sheet, "scores": {**GOOD, "novelty": 10}}
    assert judge.put(f"/judging/api/reviews/{first['review_id']}/sheet", json=revised).status_code == 200
    audit = organiser.get(f"/judging/api/contests/{cid}/audit", params={"entry_id": first["entry_id"]}).json()
    assert len([a for a in audit if a["kind"] == "score"]) == 2, "a real revision is still recorded"


def test_an_entry_created_again_with_the_same_key_is_the_same_entry(gateway: str, organiser: Api) -> None:
    from tests.conftest import new_contest

    cid = new_contest(organiser)["contest_id"]
    author, _ = new_participant(gateway)
    key = unique("key-") + "-0123456789"
    title = unique("Sáng kiến thử lại ")
    form = initiative(title=title)
    first = author.post(f"/submission/api/contests/{cid}/entries", json=form, headers={"Idempotency-Key": key})
    again = author.post(f"/submission/api/contests/{cid}/entries", json=form, headers={"Idempotency-Key": key})
    assert first.status_code == 201 and again.status_code == 201, again.text
    assert again.json()["entry_id"] == first.json()["entry_id"] and again.json()["code"] == first.json()["code"]
    # A retry that also submits (the participant pressed "Nộp" after the lost answer) submits that entry.
    submitted = author.post(f"/submission/api/contests/{cid}/entries", params={"submit": "true"}, json=form,
                            headers={"Idempotency-Key": key})
    assert submitted.status_code == 201 and submitted.json()["entry_id"] == first.json()["entry_id"], submitted.text
    assert submitted.json()["status"] == "submitted"
    mine = [e for e in author.get("/submission/api/my/entries").json() if e["contest_id"] == cid]
    assert [e["entry_id"] for e in mine] == [first.json()["entry_id"]]

    other = author.post(f"/submission/api/contests/{cid}/entries", json=form, headers={"Idempotency-Key": key + "x"})
    assert other.status_code == 201 and other.json()["entry_id"] != first.json()["entry_id"], "another key, another"
    stranger, _ = new_participant(gateway)
    theirs = stranger.post(f"/submission/api/contests/{cid}/entries", json=form, headers={"Idempotency-Key": key})
    assert theirs.status_code == 201 and theirs.json()["entry_id"] != first.json()["entry_id"], "keys are per person"
    bad = author.post(f"/submission/api/contests/{cid}/entries", json=form, headers={"Idempotency-Key": "no spaces!"})
    assert bad.status_code == 422


def test_a_contest_created_again_with_the_same_key_is_the_same_contest(organiser: Api) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    body = {"code": unique("R").upper()[:10], "name": "Cuộc thi thử gửi lại", "issuing_body": "Sở Nội vụ",
            "categories": [{"key": "tthc", "name": "Thủ tục hành chính"}],
            "opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=9)).isoformat()}
    key = unique("contest-key-")
    first = organiser.post("/submission/api/contests", json=body, headers={"Idempotency-Key": key})
    again = organiser.post("/submission/api/contests", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201 and again.status_code == 201, again.text
    assert first.json()["contest_id"] == again.json()["contest_id"]
    without = organiser.post("/submission/api/contests", json=body)
    assert without.status_code == 409, "a second creation without the key is refused by the code as before"


def test_an_upload_sent_again_with_the_same_key_adds_one_file(gateway: str, organiser: Api) -> None:
    from tests.conftest import new_contest
    from tests.integration.test_submission_flow import PDF

    cid = new_contest(organiser)["contest_id"]
    author, _ = new_participant(gateway)
    eid = author.post(f"/submission/api/contests/{cid}/entries", json=initiative()).json()["entry_id"]
    key = unique("upload-key-")
    sent = [author.post(f"/submission/api/entries/{eid}/attachments?filename=a.pdf", content=PDF,
                        headers={"Idempotency-Key": key}) for _ in range(2)]
    assert [r.status_code for r in sent] == [201, 201] and sent[0].json() == sent[1].json()
    assert len(author.get(f"/submission/api/entries/{eid}").json()["attachments"]) == 1
