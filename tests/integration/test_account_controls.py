"""Organisers manage people: a judge deactivated mid-round loses their unscored work, which the
rest of the panel takes over (balanced, no conflict of interest), and can no longer sign in;
a unit or role change reaches judging's copy. Refusals: strangers, and locking oneself out."""

from __future__ import annotations

import httpx

from tests.conftest import Api, eventually
from tests.integration.test_judging_flow import GOOD, contest_with_eligible_entries, queue_of


def test_a_deactivated_judge_s_open_work_moves_to_the_rest_of_the_panel(gateway: str, organiser: Api) -> None:
    s = contest_with_eligible_entries(gateway, organiser, 4, ["Sở Tư pháp", "Sở Y tế", "Sở Tài chính", "Sở Xây dựng"])
    cid = s.cid
    r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"judges_per_entry": 2, "seed": 9})
    assert r.status_code == 200, r.text
    leaving, staying = s.judges[0], s.judges[1:]
    scored = queue_of(leaving, cid)[0]
    assert leaving.post(f"/judging/api/reviews/{scored['review_id']}/declaration").status_code == 200
    assert leaving.put(f"/judging/api/reviews/{scored['review_id']}/sheet",
                       json={"scores": GOOD, "submit": True}).status_code == 200
    unscored = {q["entry_id"] for q in queue_of(leaving, cid)} - {scored["entry_id"]}
    assert unscored, "the seed gives the leaving judge more than one entry"

    # Refusals first: a judge cannot edit accounts; an organiser cannot lock themselves out.
    assert leaving.patch(f"/identity/api/accounts/{leaving.account_id}", json={"active": False}).status_code == 403
    me = organiser.get("/identity/api/me").json()["account_id"]
    assert organiser.patch(f"/identity/api/accounts/{me}", json={"active": False}).status_code == 409
    assert organiser.patch(f"/identity/api/accounts/{me}", json={"roles": ["judge"]}).status_code == 409

    r = organiser.patch(f"/identity/api/accounts/{leaving.account_id}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False, r.text

    def assignment_now() -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for j in staying:
            for q in queue_of(j, cid):
                out.setdefault(q["entry_id"], set()).add(j.account_id)
        return out

    # Each unscored entry had one staying judge already: the move is done when it has two again
    # (waiting for "a staying judge has it" passed before the account event even arrived).
    eventually(lambda: all(len(assignment_now().get(e, ())) == 2 for e in unscored),
               what="judging to give the departing judge's unscored entries to two staying judges")
    assignment = assignment_now()
    assert all(len(assignment[e]) == 2 for e in unscored), "every moved entry still has two judges"
    loads = [sum(j.account_id in v for v in assignment.values()) for j in staying]
    assert max(loads) - min(loads) <= 1
    # The sheet already submitted stays (the scored pair is kept), and the account cannot sign in.
    assert httpx.post(f"{gateway}/identity/api/token", json={"email": leaving.email, "password": "GiamKhao#Test2026"},
                      timeout=30).status_code in (401, 403)
    eventually(lambda: leaving.get("/judging/api/queue").status_code == 401, what="the open session to end")


def test_a_changed_unit_and_role_reach_every_service_s_copy(gateway: str, organiser: Api) -> None:
    s = contest_with_eligible_entries(gateway, organiser, 1, ["Sở Tư pháp", "Sở Y tế"])
    judge = s.judges[0]
    r = organiser.patch(f"/identity/api/accounts/{judge.account_id}", json={"unit": "  UBND   xã Tân Chi "})
    assert r.status_code == 200 and r.json()["unit"] == "UBND xã Tân Chi"

    def unit_in_judging() -> bool:
        judges = organiser.get(f"/judging/api/contests/{s.cid}/judges").json()
        return any(j["judge_id"] == judge.account_id and j["unit"] == "UBND xã Tân Chi" for j in judges)
    eventually(unit_in_judging, what="judging's copy of the judge's unit")
    # Now in the authors' unit: the preview no longer gives the entry to this judge.
    preview = organiser.post(f"/judging/api/contests/{s.cid}/rounds/1/preview",
                             json={"judges_per_entry": 1, "seed": 1}).json()
    assert all(judge.account_id not in {x["judge_id"] for x in e["judges"]} for e in preview["entries"])
