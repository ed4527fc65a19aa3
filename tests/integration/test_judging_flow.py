"""Judging over the real stack (gateway, Kafka, FerretDB, the four services): eligible entries
from submission are assigned as previewed, judges declare, score (with every refusal the
issue lists), results flow to ``judging.results`` and awards, rounds advance and close."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import (
    PROFILE,
    Api,
    Judge,
    eventually,
    new_contest,
    new_judge,
    new_participant,
    set_panel,
    submit_entries,
)
from tests.integration.kafka_util import read_all

pytestmark = pytest.mark.integration

GOOD = {"novelty": 24, "effectiveness": 32, "applicability": 16, "presentation": 8}


@dataclass
class Setup:
    contest: dict[str, Any]
    cid: str
    author: Api
    entries: list[str]
    judges: list[Judge]


def contest_with_eligible_entries(gateway: str, organiser: Api, n_entries: int, judge_units: list[str],
                                  author_unit: str = "UBND xã Tân Chi") -> Setup:
    """A contest whose ``n_entries`` entries were submitted, screened eligible and have reached
    judging over Kafka; a panel of judges from ``judge_units``."""
    contest = new_contest(organiser)
    cid = contest["contest_id"]
    author, _ = new_participant(gateway, unit=author_unit, name="Phạm Thị Tác Giả")
    judges = [new_judge(gateway, organiser, unit, f"Giám khảo {chr(65 + i)}") for i, unit in enumerate(judge_units)]
    # Generous waits: on a busy shared stack events may queue for minutes; nothing here is timed.
    eventually(lambda: organiser.get(f"/judging/api/contests/{cid}/setup").status_code == 200, timeout=900,
               what="judging to hear of the contest")
    set_panel(organiser, cid, judges, timeout=120)
    ids = submit_entries(author, cid, n_entries, lambda _: author_unit)
    assert organiser.post(f"/submission/api/contests/{cid}/close").status_code == 200
    for eid in ids:
        r = organiser.post(f"/submission/api/entries/{eid}/screening", json={"eligible": True})
        assert r.status_code == 200, r.text

    def arrived() -> bool:
        r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/preview", json={"seed": 7})
        return r.status_code == 200 and len(r.json()["entries"]) == n_entries
    eventually(arrived, timeout=900, what="judging to receive every eligible entry")
    return Setup(contest, cid, author, ids, judges)


def queue_of(judge: Judge, cid: str) -> list[dict[str, Any]]:
    r = judge.get("/judging/api/queue")
    assert r.status_code == 200, r.text
    return [q for q in r.json() if q["contest_id"] == cid]


def judging_events(cid: str, until: Callable[[list[Any]], bool]) -> list[dict[str, Any]]:
    def mine(ms: list[Any]) -> list[dict[str, Any]]:
        return [m for m in ms if isinstance(m, dict) and m.get("payload", {}).get("contest_id") == cid]

    msgs = asyncio.run(read_all(PROFILE.kafka_bootstrap, "judging.results", until=lambda ms: until(mine(ms)),
                                wait_s=40))
    return mine(msgs)


def of_type(msgs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m["payload"] for m in msgs if m.get("event_type") == kind]


def test_two_rounds_from_configuration_to_awards(gateway: str, organiser: Api) -> None:
    s = contest_with_eligible_entries(gateway, organiser, 3, ["Sở Tư pháp", "Sở Tài chính", "Sở Y tế",
                                                              "UBND xã Tân Chi"])
    cid = s.cid

    # Configuration: a rubric with an informational criterion, two rounds, top 1 advances.
    rubric = {"criteria": [
        {"key": "novelty", "name": "Tính mới, tính sáng tạo", "description": "Mới", "max_points": 30},
        {"key": "effectiveness", "name": "Tính hiệu quả", "description": "Hiệu quả", "max_points": 40},
        {"key": "applicability", "name": "Khả năng áp dụng, nhân rộng", "description": "", "max_points": 20},
        {"key": "presentation", "name": "Hình thức trình bày", "description": "", "max_points": 10},
        {"key": "cost", "name": "Chi phí", "description": "Tham khảo", "max_points": 5, "required": False}]}
    r = organiser.put(f"/judging/api/contests/{cid}/rubric", json={"criteria": [{"key": "x", "name": "X",
                                                                                 "max_points": 0}]})
    assert r.status_code == 422 and "criteria.0.max_points" in r.json()["errors"]
    r = organiser.put(f"/judging/api/contests/{cid}/rubric", json=rubric)
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    r = organiser.put(f"/judging/api/contests/{cid}/rounds", json={"rounds": [{"judges_per_entry": 2}, {
        "judges_per_entry": 3}]})
    assert r.status_code == 422 and "rounds.0.advance_top_n" in r.json()["errors"]
    r = organiser.put(f"/judging/api/contests/{cid}/rounds", json={
        "rounds": [{"judges_per_entry": 2, "advance_top_n": 1}, {"judges_per_entry": 3}],
        "disagreement_threshold": 10})
    assert r.status_code == 200, r.text

    # Preview is reproducible, never gives a judge their own unit's entry, and release follows it.
    p1 = organiser.post(f"/judging/api/contests/{cid}/rounds/1/preview", json={"seed": 11}).json()
    p2 = organiser.post(f"/judging/api/contests/{cid}/rounds/1/preview", json={"seed": 11}).json()
    assert p1 == p2 and p1["k"] == 2 and len(p1["entries"]) == 3
    own_unit = s.judges[3].account_id
    assert all(len(e["judges"]) == 2 and own_unit not in {j["judge_id"] for j in e["judges"]} for e in p1["entries"])
    loads = [x["load"] for x in p1["loads"] if x["judge_id"] != own_unit]
    assert max(loads) - min(loads) <= 1
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/2/release", json={}).status_code == 409
    r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"seed": 11})
    assert r.status_code == 200 and r.json()["k"] == 2, r.text
    planned = {e["entry_id"]: sorted(j["judge_id"] for j in e["judges"]) for e in p1["entries"]}
    actual: dict[str, list[str]] = {}
    for j in s.judges:
        for q in queue_of(j, cid):
            actual.setdefault(q["entry_id"], []).append(j.account_id)
    assert {k: sorted(v) for k, v in actual.items()} == planned
    assert queue_of(s.judges[3], cid) == []

    # Frozen once scoring starts.
    assert organiser.put(f"/judging/api/contests/{cid}/rubric", json=rubric).status_code == 409
    r = organiser.put(f"/judging/api/contests/{cid}/rounds", json={"rounds": [{"judges_per_entry": 1}]})
    assert r.status_code == 409 and "khoá" in r.json()["detail"]

    # A judge: declaration first, then bounds, required criteria, draft, submit.
    judge = next(j for j in s.judges if queue_of(j, cid))
    item = queue_of(judge, cid)[0]
    rid = item["review_id"]
    r = judge.get(f"/judging/api/reviews/{rid}")
    assert r.status_code == 403 and r.json()["declaration_required"] is True
    assert judge.put(f"/judging/api/reviews/{rid}/sheet", json={"scores": GOOD, "submit": True}).status_code == 403
    assert judge.post(f"/judging/api/reviews/{rid}/declaration").status_code == 200
    review = judge.get(f"/judging/api/reviews/{rid}").json()
    assert "Phạm Thị Tác Giả" not in str(review) and "Tân Chi" not in str(review)
    assert set(review) == {"review_id", "entry", "rubric", "sheet", "round_no", "closed",
                           "comments_to_authors"}, "no other judge's sheet"
    assert review["comments_to_authors"] is False, "the contest does not publish feedback"
    r = judge.put(f"/judging/api/reviews/{rid}/sheet", json={"scores": {**GOOD, "novelty": 31}, "submit": True})
    assert r.status_code == 422 and "novelty" in r.json()["errors"] and "30" in r.json()["errors"]["novelty"]
    r = judge.put(f"/judging/api/reviews/{rid}/sheet", json={"scores": {"novelty": 20}, "submit": True})
    assert r.status_code == 422 and set(r.json()["errors"]) == {"effectiveness", "applicability", "presentation"}
    r = judge.put(f"/judging/api/reviews/{rid}/sheet", json={"scores": {"novelty": 20}, "comments": {"novelty": "Tốt"}})
    assert r.status_code == 200 and r.json()["status"] == "draft"
    others = [j for j in s.judges if j is not judge]
    foreign = next(q["review_id"] for j in others for q in queue_of(j, cid) if q["review_id"] not in
                   {x["review_id"] for x in queue_of(judge, cid)})
    assert judge.get(f"/judging/api/reviews/{foreign}").status_code == 404, "unassigned review is invisible"
    assert judge.put(f"/judging/api/reviews/{foreign}/sheet", json={"scores": GOOD}).status_code == 404

    # Everyone scores round 1; entry totals differ so exactly one advances.
    bonus = {eid: i * 2 for i, eid in enumerate(sorted(s.entries))}
    for j in s.judges:
        for q in queue_of(j, cid):
            assert j.post(f"/judging/api/reviews/{q['review_id']}/declaration").status_code == 200
            scores = {**GOOD, "novelty": 20 + bonus[q["entry_id"]], "cost": 3}
            r = j.put(f"/judging/api/reviews/{q['review_id']}/sheet", json={"scores": scores, "submit": True})
            assert r.status_code == 200, r.text
    # A revision before close is allowed and logged.
    r = judge.put(f"/judging/api/reviews/{rid}/sheet",
                  json={"scores": {**GOOD, "novelty": 21 + bonus[item["entry_id"]]}, "submit": True})
    assert r.status_code == 200
    prog = organiser.get(f"/judging/api/contests/{cid}/progress").json()
    assert prog["scored"] == 3 and prog["entries"] == 3
    audit = organiser.get(f"/judging/api/contests/{cid}/audit", params={"entry_id": item["entry_id"]}).json()
    changes = [a for a in audit if a["kind"] == "score" and a["by"] == judge.account_id]
    assert len(changes) == 3 and changes[-1]["old"]["novelty"] == 20 + bonus[item["entry_id"]]
    assert changes[-1]["new"]["novelty"] == 21 + bonus[item["entry_id"]]
    page = organiser.get(f"/judging/organiser/audit?contest_id={cid}", headers={"Accept": "text/html"}).text
    assert "Tính mới, tính sáng tạo" in page and "novelty" not in page, "criterion names, never raw keys or JSON"
    cal = organiser.get(f"/judging/api/contests/{cid}/rounds/1/calibration").json()
    assert len(cal["ranking"]) == 3 and {x["judge_id"] for x in cal["judges"]} <= {j.account_id for j in s.judges}

    r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/close")
    assert r.status_code == 200, r.text
    top = sorted(s.entries)[-1]
    assert r.json()["advancing"] == [top] and sorted(r.json()["scored"]) == sorted(s.entries)
    r = judge.put(f"/judging/api/reviews/{rid}/sheet", json={"scores": GOOD, "submit": True})
    assert r.status_code == 409 and "đã đóng" in r.json()["detail"], "late score refused clearly"
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/close").status_code == 409

    # Round 2: only the advancing entry, 3 judges, then judging closes.
    r = organiser.post(f"/judging/api/contests/{cid}/rounds/2/release", json={"seed": 3})
    assert r.status_code == 200 and r.json()["k"] == 3, r.text
    finals = [(j, q) for j in s.judges for q in queue_of(j, cid) if q["round_no"] == 2]
    assert len(finals) == 3 and {q["entry_id"] for _, q in finals} == {top}
    for i, (j, q) in enumerate(finals):
        j.post(f"/judging/api/reviews/{q['review_id']}/declaration")
        r = j.put(f"/judging/api/reviews/{q['review_id']}/sheet",
                  json={"scores": {**GOOD, "novelty": 20 + 5 * i}, "submit": True})
        assert r.status_code == 200, r.text
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/2/close").status_code == 200

    msgs = judging_events(cid, lambda ms: bool(of_type(ms, "JudgingClosed")))
    scored = of_type(msgs, "EntryRoundScored")
    final = [e for e in scored if e["round_no"] == 2]
    assert final and final[-1]["final_round"] is True and final[-1]["entry_id"] == top
    assert final[-1]["official_total"] == pytest.approx(25 + 32 + 16 + 8)
    assert final[-1]["disagreement"] is False and final[-1]["spread"] == pytest.approx(10)
    assert {s_["judge"] for s_ in final[-1]["sheets"]} == {"G1", "G2", "G3"}, "judges are pseudonymous"
    r1 = [e for e in scored if e["round_no"] == 1]
    assert {e["entry_id"] for e in r1} == set(s.entries) and all(not e["final_round"] for e in r1)
    assert all(e["criterion_means"]["cost"] == 3 for e in r1), "informational criterion averaged, not totalled"
    closed = of_type(msgs, "RoundClosed")
    assert [c["round_no"] for c in closed] == [1, 2] and closed[0]["advancing"] == [top]
    jc = of_type(msgs, "JudgingClosed")[-1]
    assert jc["entries"] == [top] and jc["standardised"] is False and jc["rubric_version"] == 2

    def ranked() -> Any:
        r = organiser.get(f"/awards/api/contests/{cid}/ranking")
        return r.status_code == 200 and any(e["entry_id"] == top for e in r.json()["entries"]) and r.json()
    ranking = eventually(ranked, what="awards to rank the final entry")
    row = next(e for e in ranking["entries"] if e["entry_id"] == top)
    assert row["official_total"] == pytest.approx(81)


def test_recusal_withdrawal_and_panel_changes_keep_state_consistent(gateway: str, organiser: Api) -> None:
    s = contest_with_eligible_entries(gateway, organiser, 3, ["Sở Tư pháp", "Sở Tài chính", "Sở Y tế",
                                                              "Sở Xây dựng"])
    cid = s.cid
    r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"judges_per_entry": 2, "seed": 5})
    assert r.status_code == 200

    def assignment() -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for j in s.judges:
            for q in queue_of(j, cid):
                out.setdefault(q["entry_id"], set()).add(j.account_id)
        return out

    before = assignment()
    assert all(len(v) == 2 for v in before.values()) and len(before) == 3

    # A recusal: the judge leaves the entry at once, another takes it, and it is logged.
    judge = next(j for j in s.judges if queue_of(j, cid))
    item = queue_of(judge, cid)[0]
    r = judge.post(f"/judging/api/reviews/{item['review_id']}/recusal", json={"reason": ""})
    assert r.status_code == 422 and "reason" in r.json()["errors"]
    r = judge.post(f"/judging/api/reviews/{item['review_id']}/recusal", json={"reason": "Tôi là cấp trên của tác giả"})
    assert r.status_code == 200, r.text
    after = assignment()
    assert judge.account_id not in after[item["entry_id"]] and len(after[item["entry_id"]]) == 2
    assert all(len(v) == 2 for v in after.values())
    loads = [sum(j.account_id in v for v in after.values()) for j in s.judges]
    assert max(loads) - min(loads) <= 1
    assert judge.get(f"/judging/api/reviews/{item['review_id']}").status_code == 404
    # The judge who takes the entry over is told so in their queue, with why (never a silent swap).
    taker = next(j for j in s.judges if j.account_id in after[item["entry_id"]] - before[item["entry_id"]])
    page = taker.get("/judging/").text
    assert "Thay đổi phân công" in page
    row = next(li for li in page.split("<li>")[1:] if f"/judging/reviews/{item['review_id']}\"" in li)
    assert "được giao thêm" in row and "(một giám khảo khác xin rút)" in row.split("</li>")[0]
    assert "Tôi là cấp trên" not in page  # the other judge's reason is theirs, not shown to the taker
    log = organiser.get(f"/judging/api/contests/{cid}/audit", params={"entry_id": item["entry_id"]}).json()
    rec = [a for a in log if a["kind"] == "recusal"]
    assert rec and rec[0]["by"] == judge.account_id and rec[0]["note"] == "Tôi là cấp trên của tác giả"

    # One judge scores an entry; then that judge leaves the panel: the scored pair stays, the rest moves.
    leaver = next(j for j in s.judges if len(queue_of(j, cid)) >= 1 and j is not judge)
    kept = queue_of(leaver, cid)[0]
    leaver.post(f"/judging/api/reviews/{kept['review_id']}/declaration")
    assert leaver.put(f"/judging/api/reviews/{kept['review_id']}/sheet",
                      json={"scores": GOOD, "submit": True}).status_code == 200
    rest = [j for j in s.judges if j is not leaver]
    r = organiser.put(f"/judging/api/contests/{cid}/panel", json={"judge_ids": [j.account_id for j in rest]})
    assert r.status_code == 200, r.text
    now = assignment()
    assert all(len(v) == 2 for v in now.values())
    assert {q["entry_id"] for q in queue_of(leaver, cid)} == {kept["entry_id"]}, "only the scored pair stays"
    assert judge.account_id not in now[item["entry_id"]], "the recusal is never undone by a rebalance"

    # An entry found ineligible after assignment leaves every queue and never produces a result.
    gone = next(e for e in s.entries if e != kept["entry_id"])
    r = organiser.post(f"/submission/api/entries/{gone}/screening", json={"eligible": False,
                                                                          "reason": "Trùng sáng kiến đã đạt giải"})
    assert r.status_code == 200, r.text
    eventually(lambda: all(gone not in {q["entry_id"] for q in queue_of(j, cid)} for j in s.judges),
               what="the withdrawn entry to leave the queues")
    for j in rest:
        for q in queue_of(j, cid):
            j.post(f"/judging/api/reviews/{q['review_id']}/declaration")
            assert j.put(f"/judging/api/reviews/{q['review_id']}/sheet",
                         json={"scores": GOOD, "submit": True}).status_code == 200
    prog = organiser.get(f"/judging/api/contests/{cid}/progress").json()
    assert prog["entries"] == 2 and prog["scored"] == 2
    r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/close")
    assert r.status_code == 200 and gone not in r.json()["scored"] and len(r.json()["scored"]) == 2

    # Reminders are recorded and shown to the judge (one who still has work in the contest: the
    # assignment depends on the contest's id, and a judge of the panel may have none left).
    busy = next(j for j in rest if j.account_id in now[kept["entry_id"]])
    r = organiser.post(f"/judging/api/contests/{cid}/judges/{busy.account_id}/reminders", json={})
    assert r.status_code == 200, r.text
    assert busy.get("/judging/api/reminders").json()[0]["contest_id"] == cid
    assert organiser.post(f"/judging/api/contests/{cid}/judges/nobody/reminders", json={}).status_code == 404


def test_a_round_closed_by_mistake_is_reopened_with_a_reason(gateway: str, organiser: Api) -> None:
    s = contest_with_eligible_entries(gateway, organiser, 2, ["Sở Tư pháp", "Sở Y tế"])
    cid = s.cid
    assert organiser.put(f"/judging/api/contests/{cid}/rounds", json={
        "rounds": [{"judges_per_entry": 1, "advance_top_n": 1}, {"judges_per_entry": 1}]}).status_code == 200
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"seed": 3}).status_code == 200
    for j in s.judges:
        for q in queue_of(j, cid):
            assert j.post(f"/judging/api/reviews/{q['review_id']}/declaration").status_code == 200
            assert j.put(f"/judging/api/reviews/{q['review_id']}/sheet",
                         json={"scores": GOOD, "submit": True}).status_code == 200
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/close").status_code == 200
    judge = next(j for j in s.judges if queue_of(j, cid))
    rid = queue_of(judge, cid)[0]["review_id"]
    assert judge.put(f"/judging/api/reviews/{rid}/sheet", json={"scores": GOOD, "submit": True}).status_code == 409

    r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/reopen", json={"reason": "x"})
    assert r.status_code == 422 and "reason" in r.json()["errors"], "a reason is required"
    r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/reopen",
                       json={"reason": "Đóng nhầm trước khi giám khảo rà soát điểm"})
    assert r.status_code == 200, r.text
    revised = {"scores": {**GOOD, "novelty": 10}, "submit": True}
    assert judge.put(f"/judging/api/reviews/{rid}/sheet", json=revised).status_code == 200, "scores accepted again"
    audit = organiser.get(f"/judging/api/contests/{cid}/audit",
                          params={"entry_id": queue_of(judge, cid)[0]["entry_id"]}).json()
    assert any(a["kind"] == "reopened" and "Đóng nhầm" in a.get("note", "") for a in audit)
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/reopen",
                          json={"reason": "lần nữa cho chắc"}).status_code == 409, "it is open"
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/close").status_code == 200
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/2/release", json={"seed": 3}).status_code == 200
    r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/reopen", json={"reason": "muốn sửa vòng 1"})
    assert r.status_code == 409 and "Vòng sau" in r.json()["detail"]
    msgs = judging_events(cid, lambda ms: len(of_type(ms, "RoundClosed")) >= 2)
    assert [p["round_no"] for p in of_type(msgs, "RoundReopened")] == [1]
