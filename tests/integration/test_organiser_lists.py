"""The organisers' long lists: 50 rows a page, filters and a search that ignores case and
Vietnamese marks, a paged screening API; a screening decision shows at once in the list
(the summary is recomputed after a write). Refusals: strangers, and out-of-range numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.conftest import Api, new_participant, submit_entries, unique

N = 57  # more than a page of 50


def test_screening_list_pages_filters_searches_and_shows_a_decision_at_once(gateway: str, organiser: Api) -> None:
    now = datetime.now(UTC)
    r = organiser.post("/submission/api/contests", json={
        "code": unique("L").upper()[:10], "name": "Cuộc thi kiểm thử danh sách dài",
        "issuing_body": "Sở Nội vụ", "categories": [{"key": "tthc", "name": "Thủ tục hành chính"}],
        "opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=30)).isoformat(),
        "max_entries_per_participant": N})
    assert r.status_code == 201, r.text
    cid = r.json()["contest_id"]
    author, _ = new_participant(gateway, unit="Sở Tư pháp")
    ids = submit_entries(author, cid, N, lambda i: "Sở Tư pháp" if i % 10 == 0 else "UBND xã Tân Chi")
    assert organiser.post(f"/submission/api/contests/{cid}/close").status_code == 200

    html = {"accept": "text/html"}
    first = organiser.get("/submission/screening", params={"contest_id": cid}, headers=html).text
    assert first.count("<tr data-entry=") == 50 and f"1–50 / {N}" in first
    assert f'?contest_id={cid}&amp;page=2" rel="next"' in first
    second = organiser.get("/submission/screening", params={"contest_id": cid, "page": 2}, headers=html).text
    assert second.count("<tr data-entry=") == N - 50 and 'aria-current="page"' in second
    shown = set(re.findall(r'<tr data-entry="(\w+)"', first)) | set(re.findall(r'<tr data-entry="(\w+)"', second))
    assert shown == set(ids)
    # A page number past the end shows the last page, not an error or an empty table.
    assert organiser.get("/submission/screening", params={"contest_id": cid, "page": 99},
                         headers=html).text.count("<tr data-entry=") == N - 50

    # Search without marks or capitals; the filters stay in the page links.
    found = organiser.get("/submission/screening", params={"contest_id": cid, "q": "so TU phap"}, headers=html).text
    assert found.count("<tr data-entry=") == len(range(0, N, 10))

    # A decision is in the list at once (the service recomputes its summary after a write).
    decision = {"eligible": False, "reason": "Trùng với sáng kiến đã công nhận"}
    r = organiser.post(f"/submission/api/entries/{ids[3]}/screening", json=decision)
    assert r.status_code == 200, r.text
    ineligible = organiser.get("/submission/screening", params={"contest_id": cid, "status": "ineligible"},
                               headers=html).text
    assert re.findall(r'<tr data-entry="(\w+)"', ineligible) == [ids[3]]

    # The API pages too, and says how many there are.
    api = organiser.get(f"/submission/api/contests/{cid}/screening", params={"offset": 50, "limit": 5})
    assert api.status_code == 200 and api.headers["x-total-count"] == str(N) and len(api.json()) == 5
    assert [e["entry_id"] for e in api.json()] == [e["entry_id"] for e in organiser.get(
        f"/submission/api/contests/{cid}/screening").json()[50:55]]
    only = organiser.get(f"/submission/api/contests/{cid}/screening", params={"status": "ineligible"})
    assert only.headers["x-total-count"] == "1" and only.json()[0]["entry_id"] == ids[3]

    # Refusals: numbers out of range get a field message; a participant sees none of it.
    for params in ({"limit": 501}, {"limit": 0}, {"offset": -1}):
        bad = organiser.get(f"/submission/api/contests/{cid}/screening", params=params)
        assert bad.status_code == 422 and bad.json()["errors"], (params, bad.text)
    assert organiser.get("/submission/screening", params={"contest_id": cid, "page": 0},
                         headers={"accept": "application/json"}).status_code == 422
    assert author.get(f"/submission/api/contests/{cid}/screening").status_code == 403
    assert author.get("/submission/screening", params={"contest_id": cid},
                      headers={"accept": "application/json"}).status_code == 403
