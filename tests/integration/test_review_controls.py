"""Organisers correct what judges cannot: void a submitted sheet with a reason and give the
entry to another judge (chosen by hand under the conflict rules, or by the assignment rules),
pin a judge to an entry. The round stays consistent and the entry's result is computed again
and published once more, when the new judge submits."""

from __future__ import annotations

from tests.conftest import Api, eventually
from tests.integration.test_judging_flow import (
    GOOD,
    contest_with_eligible_entries,
    judging_events,
    of_type,
    queue_of,
)


def test_a_voided_sheet_moves_the_entry_and_its_result_is_published_again_once(
        gateway: str, organiser: Api) -> None:
    s = contest_with_eligible_entries(gateway, organiser, 2, ["Sở Tư pháp", "Sở Y tế", "Sở Tài chính",
                                                              "UBND xã Tân Chi"])
    cid = s.cid
    r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"judges_per_entry": 1, "seed": 4})
    assert r.status_code == 200, r.text
    entry = s.entries[0]
    first = next(j for j in s.judges if any(q["entry_id"] == entry for q in queue_of(j, cid)))
    item = next(q for q in queue_of(first, cid) if q["entry_id"] == entry)
    rid = item["review_id"]
    assert first.post(f"/judging/api/reviews/{rid}/declaration").status_code == 200
    assert first.put(f"/judging/api/reviews/{rid}/sheet", json={"scores": GOOD, "submit": True}).status_code == 200
    judging_events(cid, lambda ms: any(m["payload"].get("entry_id") == entry for m in ms
                                       if m.get("event_type") == "EntryRoundScored"))

    # Refusals: a judge cannot void; a reason is needed; the author's unit is a conflict; no judge twice.
    conflicted = s.judges[3].account_id  # on the panel, in the authors' unit (UBND xã Tân Chi)
    assert first.post(f"/judging/api/reviews/{rid}/void", json={"judge_id": first.account_id,
                                                                "reason": "tự huỷ"}).status_code == 403
    r = organiser.post(f"/judging/api/reviews/{rid}/void", json={"judge_id": first.account_id, "reason": "x"})
    assert r.status_code == 422 and "reason" in r.json()["errors"]
    r = organiser.post(f"/judging/api/reviews/{rid}/void", json={
        "judge_id": first.account_id, "reason": "Giám khảo là người hướng dẫn tác giả", "to": conflicted})
    assert r.status_code == 422 and "xung đột" in r.json()["errors"]["to"]
    r = organiser.post(f"/judging/api/reviews/{rid}/void", json={
        "judge_id": first.account_id, "reason": "Giám khảo là người hướng dẫn tác giả", "to": first.account_id})
    assert r.status_code == 422

    # The void: another judge takes the entry (by the rules); the result is withdrawn meanwhile.
    r = organiser.post(f"/judging/api/reviews/{rid}/void", json={
        "judge_id": first.account_id, "reason": "Giám khảo là người hướng dẫn tác giả"})
    assert r.status_code == 200, r.text
    taker_id = r.json()["added"][0]
    taker = next(j for j in s.judges if j.account_id == taker_id)
    assert taker_id != first.account_id and taker_id != conflicted
    assert all(q["entry_id"] != entry for q in queue_of(first, cid))
    progress = organiser.get(f"/judging/api/contests/{cid}/progress").json()
    assert next(i for i in progress["items"] if i["entry_id"] == entry)["official_total"] is None
    audit = organiser.get(f"/judging/api/contests/{cid}/audit", params={"entry_id": entry}).json()
    voided = [a for a in audit if a["kind"] == "voided"]
    assert voided and voided[0]["note"] == "Giám khảo là người hướng dẫn tác giả"
    page = organiser.get(f"/judging/organiser/reviews/{rid}", headers={"Accept": "text/html"}).text
    assert "Huỷ phiếu chấm và giao cho giám khảo khác" in page and "xung đột lợi ích" in page
    log_page = organiser.get(f"/judging/organiser/audit?contest_id={cid}", headers={"Accept": "text/html"})
    assert log_page.status_code == 200 and "Huỷ phiếu" in log_page.text and "hướng dẫn tác giả" in log_page.text
    assert first.email not in log_page.text  # names, never e-mails; the removed judge by name

    # Pin the new judge; the organiser's page and the log say so.
    r = organiser.post(f"/judging/api/reviews/{rid}/pin", json={"judge_id": taker_id})
    assert r.status_code == 200 and r.json()["pinned"] == [taker_id]

    # By hand: the organiser gives the entry to a judge of their choice (the rules still apply).
    chosen = next(j for j in s.judges if j.account_id not in (first.account_id, taker_id, conflicted))
    r = organiser.post(f"/judging/api/reviews/{rid}/void", json={
        "judge_id": taker_id, "reason": "Cần giám khảo am hiểu lĩnh vực hộ tịch", "to": chosen.account_id})
    assert r.status_code == 200 and r.json()["added"] == [chosen.account_id], r.text
    assert any(q["entry_id"] == entry for q in queue_of(chosen, cid))
    taker = chosen

    assert taker.post(f"/judging/api/reviews/{rid}/declaration").status_code == 200
    assert taker.put(f"/judging/api/reviews/{rid}/sheet",
                     json={"scores": {**GOOD, "novelty": 20}, "submit": True}).status_code == 200
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/close").status_code != 500
    msgs = judging_events(cid, lambda ms: len(of_type(ms, "RoundClosed")) >= 1)
    scored = [p for p in of_type(msgs, "EntryRoundScored") if p["entry_id"] == entry]
    assert len(scored) == 2, "the first result and the recomputed one, published once"
    assert scored[-1]["official_total"] != scored[0]["official_total"], "computed from the new judge's sheet"
    assert scored[-1]["official_total"] == GOOD["effectiveness"] + GOOD["applicability"] + GOOD["presentation"] + 20
    eventually(lambda: organiser.get(f"/judging/api/contests/{cid}/progress").json()["scored"] >= 1,
               what="the recomputed result")
