"""The walking skeleton over HTTP through nginx: an organiser opens a contest, a participant
submits, judging receives the entry over Kafka without the author, judges score it, awards
ranks it, and the participant sees the status move in "my initiatives"."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import PROFILE, Api, eventually, initiative, new_contest, new_judge, new_participant, set_panel

pytestmark = [pytest.mark.integration, pytest.mark.plain_store]


def test_an_initiative_travels_through_every_service(gateway: str, organiser: Api) -> None:
    contest = new_contest(organiser)
    cid = contest["contest_id"]
    author, _ = new_participant(gateway, unit="UBND xã Tân Chi", name="Trần Thị Bích Ngọc")
    judges = [new_judge(gateway, organiser, unit, f"Giám khảo {i}")
              for i, unit in enumerate(["Sở Tư pháp", "Sở Tài chính", "Sở Thông tin và Truyền thông",
                                        "UBND xã Tân Chi"])]
    set_panel(organiser, cid, judges)

    r = author.post(f"/submission/api/contests/{cid}/entries", json=initiative())
    assert r.status_code == 201, r.text
    entry = r.json()
    r = author.post(f"/submission/api/entries/{entry['entry_id']}/submit")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "submitted" and r.json()["code"].startswith(contest["code"])

    assert organiser.post(f"/submission/api/contests/{cid}/close").status_code == 200
    correlation = f"e2e-{uuid.uuid4().hex}"
    r = organiser.post(f"/submission/api/entries/{entry['entry_id']}/screening", json={"eligible": True},
                       headers={"X-Correlation-Id": correlation})
    assert r.status_code == 200, r.text
    assert r.headers["x-correlation-id"] == correlation

    def released() -> bool:
        r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"judges_per_entry": 3})
        p = organiser.get(f"/judging/api/contests/{cid}/progress")
        return r.status_code == 200 and p.status_code == 200 and p.json()["entries"] == 1
    eventually(released, what="judging to receive the eligible entry and assign it")

    # The correlation id of the screening request reached judging's log through the Kafka message.
    judging_log = PROFILE.var / "logs" / "judging.log"
    eventually(lambda: correlation in judging_log.read_text(errors="replace"), what="the correlation id in judging")
    line = next(x for x in judging_log.read_text(errors="replace").splitlines() if correlation in x)
    assert "EntryBecameEligible" in line

    scored_by = 0
    for i, judge in enumerate(judges):
        queue = judge.get("/judging/api/queue").json()
        if i == 3:
            assert queue == [], "a judge from the author's unit never gets the entry"
            continue
        assert len(queue) == 1
        rid = queue[0]["review_id"]
        assert judge.get(f"/judging/api/reviews/{rid}").status_code == 403, "no reading before the declaration"
        assert judge.post(f"/judging/api/reviews/{rid}/declaration").status_code == 200
        review = judge.get(f"/judging/api/reviews/{rid}").json()
        text = str(review)
        assert "Trần Thị Bích Ngọc" not in text and "Tân Chi" not in text, "blind review"
        r = judge.put(f"/judging/api/reviews/{queue[0]['review_id']}/sheet", json={
            "scores": {"novelty": 24 + i, "effectiveness": 32, "applicability": 16, "presentation": 8},
            "submit": True})
        assert r.status_code == 200, r.text
        scored_by += 1
    assert scored_by == 3

    def ranked() -> Any:
        r = organiser.get(f"/awards/api/contests/{cid}/ranking")
        return r.status_code == 200 and r.json()["entries"] and r.json()
    ranking = eventually(ranked, what="awards to rank the scored entry")
    assert ranking["provisional"] is True
    top = ranking["entries"][0]
    assert top["entry_id"] == entry["entry_id"] and top["position"] == 1
    assert top["official_total"] == pytest.approx((24 + 25 + 26) / 3 + 32 + 16 + 8)

    def seen_scored() -> bool:
        mine = author.get("/submission/api/my/entries").json()
        return bool(mine and mine[0]["status"] == "scored")
    eventually(seen_scored, what="the author's status to become 'scored'")

    r = organiser.get(f"/awards/organiser?contest_id={cid}", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "Số hoá tiếp nhận hồ sơ" in r.text
