"""Every judging route, API and page, called as anonymous, participant, a judge not assigned
to the entry, the assigned judge and an organiser: each refusal has the right status."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Api, new_participant
from tests.integration.test_judging_flow import GOOD, contest_with_eligible_entries, queue_of

pytestmark = pytest.mark.integration

ROLES = ("anonymous", "participant", "judge_other", "judge_assigned", "organiser")


def call(api: Api, method: str, path: str, body: Any = None, html: bool = False) -> httpx.Response:
    headers = {"Accept": "text/html"} if html else {}
    response: httpx.Response = api.http.request(method, path, json=body, headers=headers, follow_redirects=False)
    return response


def test_every_route_checks_role_and_ownership(gateway: str, organiser: Api, anonymous: Api) -> None:
    s = contest_with_eligible_entries(gateway, organiser, 1, ["Sở Tư pháp", "Sở Tài chính"])
    cid = s.cid
    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/release",
                          json={"judges_per_entry": 1}).status_code == 200
    assigned = next(j for j in s.judges if queue_of(j, cid))
    other = next(j for j in s.judges if j is not assigned)
    rid = queue_of(assigned, cid)[0]["review_id"]
    participant, _ = new_participant(gateway)
    callers: dict[str, Api] = {"anonymous": anonymous, "participant": participant, "judge_other": other,
                               "judge_assigned": assigned, "organiser": organiser}

    organiser_routes: list[tuple[str, str, Any]] = [
        ("GET", f"/judging/api/contests/{cid}/setup", None),
        ("PUT", f"/judging/api/contests/{cid}/rubric", {"criteria": [{"key": "a", "name": "A", "max_points": 10}]}),
        ("PUT", f"/judging/api/contests/{cid}/rounds", {"rounds": [{"judges_per_entry": 1}]}),
        ("GET", f"/judging/api/contests/{cid}/judges", None),
        ("PUT", f"/judging/api/contests/{cid}/panel", {"judge_ids": [j.account_id for j in s.judges]}),
        ("POST", f"/judging/api/contests/{cid}/rounds/1/preview", {}),
        ("POST", f"/judging/api/contests/{cid}/rounds/1/release", {}),
        ("GET", f"/judging/api/contests/{cid}/rounds", None),
        ("GET", f"/judging/api/contests/{cid}/progress", None),
        ("GET", f"/judging/api/contests/{cid}/rounds/1/calibration", None),
        ("GET", f"/judging/api/contests/{cid}/audit", None),
        ("POST", f"/judging/api/contests/{cid}/judges/{assigned.account_id}/reminders", {}),
        ("POST", f"/judging/api/contests/{cid}/rounds/1/close", None),
    ]
    organiser_pages = [f"/judging/organiser?contest_id={cid}", f"/judging/organiser/setup?contest_id={cid}",
                       f"/judging/organiser/calibration?contest_id={cid}", f"/judging/organiser/audit?contest_id={cid}"]
    review_routes: list[tuple[str, str, Any]] = [
        ("GET", f"/judging/api/reviews/{rid}", None),
        ("POST", f"/judging/api/reviews/{rid}/declaration", None),
        ("POST", f"/judging/api/reviews/{rid}/recusal", {"reason": "Người thân của tác giả"}),
        ("PUT", f"/judging/api/reviews/{rid}/sheet", {"scores": GOOD}),
    ]

    # Refusals first, so no refused call can have changed anything.
    for role in ("anonymous", "participant", "judge_other", "judge_assigned"):
        for method, path, body in organiser_routes:
            r = call(callers[role], method, path, body)
            assert r.status_code == (401 if role == "anonymous" else 403), (role, method, path, r.status_code)
        for page in organiser_pages:
            r = call(callers[role], "GET", page, html=True)
            if role == "anonymous":
                assert r.status_code == 303 and "/identity/signin" in r.headers["location"], (role, page)
            else:
                assert r.status_code == 403, (role, page, r.status_code)
    for role in ("anonymous", "participant", "organiser", "judge_other"):
        for method, path, body in review_routes:
            r = call(callers[role], method, path, body)
            expected = {"anonymous": 401, "participant": 403, "organiser": 403, "judge_other": 404}[role]
            assert r.status_code == expected, (role, method, path, r.status_code)
        r = call(callers[role], "GET", f"/judging/reviews/{rid}", html=True)
        expected = {"anonymous": 303, "participant": 403, "organiser": 403, "judge_other": 404}[role]
        assert r.status_code == expected, (role, "review page", r.status_code)
        for path in ("/judging/api/queue", "/judging/api/reminders"):
            r = call(callers[role], "GET", path)
            expected = {"anonymous": 401, "participant": 403, "organiser": 403, "judge_other": 200}[role]
            assert r.status_code == expected, (role, path, r.status_code)
        r = call(callers[role], "GET", "/judging/", html=True)
        assert r.status_code == {"anonymous": 303, "participant": 403, "organiser": 403, "judge_other": 200}[role]
    assert call(other, "GET", "/judging/api/queue").json() == [] or all(
        q["review_id"] != rid for q in call(other, "GET", "/judging/api/queue").json())

    # The assigned judge: the declaration gate, then the work.
    assert call(assigned, "GET", f"/judging/api/reviews/{rid}").status_code == 403
    assert call(assigned, "PUT", f"/judging/api/reviews/{rid}/sheet", {"scores": GOOD}).status_code == 403
    r = call(assigned, "GET", f"/judging/reviews/{rid}", html=True)
    assert r.status_code == 200 and "Tôi xác nhận không có xung đột lợi ích" in r.text
    assert call(assigned, "POST", f"/judging/api/reviews/{rid}/declaration").status_code == 200
    assert call(assigned, "GET", f"/judging/api/reviews/{rid}").status_code == 200
    assert call(assigned, "GET", f"/judging/reviews/{rid}", html=True).status_code == 200
    assert call(assigned, "POST", f"/judging/api/reviews/{rid}/recusal", {"reason": ""}).status_code == 422
    assert call(assigned, "PUT", f"/judging/api/reviews/{rid}/sheet", {"scores": GOOD, "submit": True}).status_code \
        == 200
    assert call(assigned, "GET", "/judging/", html=True).status_code == 200

    # The organiser: every route answers (frozen set-up refuses with 409, not 401/403).
    expected_ok = {("PUT", "rubric"): 409, ("PUT", "rounds"): 409}
    for method, path, body in organiser_routes:
        r = call(organiser, method, path, body)
        assert r.status_code == expected_ok.get((method, path.rsplit("/", 1)[-1]), 200), (method, path, r.text)
    for page in organiser_pages:
        assert call(organiser, "GET", page, html=True).status_code == 200, page
    assert call(organiser, "GET", "/judging/api/contests/nope/setup").status_code == 404
    assert call(organiser, "GET", "/judging/organiser?contest_id=nope", html=True).status_code == 404
