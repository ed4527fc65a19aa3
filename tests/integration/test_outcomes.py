"""Every entry that reached judging ends with an outcome its author can read, also when it
stopped before the final round (which the announcement does not list): the round, its total,
its standing there and the rule that decided, in "Sáng kiến của tôi", once the result is out."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Api, eventually
from tests.integration.test_awards_scenario import PRIZES
from tests.integration.test_judging_flow import GOOD, contest_with_eligible_entries, queue_of


def _score_round(s: Any, cid: str, points: dict[str, int]) -> None:
    for j in s.judges:
        for q in [q for q in queue_of(j, cid) if not q["closed"]]:
            assert j.post(f"/judging/api/reviews/{q['review_id']}/declaration").status_code == 200
            r = j.put(f"/judging/api/reviews/{q['review_id']}/sheet",
                      json={"scores": {**GOOD, "novelty": points[q["entry_id"]]}, "submit": True})
            assert r.status_code == 200, r.text


def test_entries_eliminated_in_round_1_learn_where_they_stopped_after_the_announcement(
        gateway: str, organiser: Api) -> None:
    s = contest_with_eligible_entries(gateway, organiser, 3, ["Sở Tư pháp", "Sở Y tế"])
    cid = s.cid
    r = organiser.put(f"/judging/api/contests/{cid}/rounds", json={
        "rounds": [{"judges_per_entry": 1, "advance_top_n": 1}, {"judges_per_entry": 1}]})
    assert r.status_code == 200, r.text
    eventually(lambda: organiser.put(f"/awards/api/contests/{cid}/prizes", json=PRIZES).status_code == 200,
               what="awards to hear of the contest")
    first, second, third = s.entries
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"seed": 5}).status_code == 200
    _score_round(s, cid, {first: 30, second: 20, third: 10})
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/close").status_code == 200
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/2/release", json={"seed": 5}).status_code == 200
    _score_round(s, cid, {first: 28})
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/2/close").status_code == 200

    def allocation() -> Any:
        body = organiser.get(f"/awards/api/contests/{cid}/allocation").json()
        return body.get("ready") and body
    view = eventually(allocation, what="the allocation of the final round")
    assert [r["entry_id"] for r in view["rows"]] == [first]
    assert organiser.post(f"/awards/api/contests/{cid}/approve",
                          json={"confirm": True, "result_hash": view["result_hash"]}).status_code == 200
    assert organiser.post(f"/awards/api/contests/{cid}/announce", json={"confirm": True}).status_code == 200

    def outcomes() -> Any:
        mine = {e["entry_id"]: e for e in s.author.get("/submission/api/my/entries").json() if e["contest_id"] == cid}
        return all(e.get("outcome") for e in mine.values()) and mine
    mine = eventually(outcomes, what="every entry's outcome")
    assert mine[first]["outcome"]["round_no"] == 2 and mine[first]["outcome"]["final"] is True
    assert mine[first]["result"]["tier"] == "Giải Nhất"
    for eid, rank in ((second, 2), (third, 3)):
        o = mine[eid]["outcome"]
        assert (o["round_no"], o["rank"], o["of"], o["advanced"], o["top_n"]) == (1, rank, 3, False, 1), o
        assert o["total"] == GOOD["effectiveness"] + GOOD["applicability"] + GOOD["presentation"] + (
            20 if eid == second else 10)
    page = s.author.get("/submission/my", headers={"Accept": "text/html"}).text
    assert re.search(r"Vòng 1: [\d,]+ điểm, hạng 2/3; không vào vòng sau \(ngưỡng: top 1\)", page), page
