"""Awards end to end on the test stack: scores arrive over Kafka, the live ranking follows,
judging closes, the organiser overrides with a reason, approves and announces; the public sees
the result only then, can recompute its hash, and late or duplicate events change nothing."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import sys
import tempfile
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from deploy.local.infra import ROOT
from services.awards.domain.result_hash import compute_result
from tests.conftest import PROFILE, Api, initiative, new_contest, new_judge, new_participant, set_panel
from tests.integration.kafka_util import read_all
from tests.integration.test_awards_scenario import (
    PRIZES,
    Spec,
    account_id,
    certificate_code,
    close_judging,
    eventually,
    open_contest,
    produce,
    ready_allocation,
    score_all,
)

pytestmark = pytest.mark.integration


def s(n: float, e: float, a: float, p: float) -> dict[str, float]:
    return {"novelty": n, "effectiveness": e, "applicability": a, "presentation": p}


SPECS = [
    Spec("Tiếp nhận hồ sơ đất đai qua Zalo", s(28, 36, 18, 8), unit="UBND xã Tân Chi", minutes=1,
         authors=("Nguyễn Thị Mai", "Lê Văn Hùng")),
    Spec("Số hoá sổ hộ tịch cấp xã", s(26, 34, 17, 8), unit="UBND phường Đình Bảng", minutes=5),
    Spec("Ki-ốt tra cứu thủ tục tự phục vụ", s(27, 34, 16, 8), unit="Sở Tư pháp", category="cds", minutes=10),
    Spec("Lịch hẹn trả kết quả qua tin nhắn", s(22, 30, 15, 8), unit="UBND xã Tân Chi", minutes=2),
    Spec("Biểu mẫu điện tử dùng chung", s(18, 25, 12, 5), unit="Sở Tài chính", minutes=3),
]
A, B, C, D, E = (x.title for x in SPECS)


def test_scores_from_the_real_judging_service_rank_and_close(gateway: str, organiser: Api) -> None:
    """Submission -> judging -> awards over real Kafka: two judged entries ranked live, then proposed."""
    contest = new_contest(organiser)
    cid = contest["contest_id"]
    judges = [new_judge(gateway, organiser, unit, f"Giám khảo {i}")
              for i, unit in enumerate(["Sở Tư pháp", "Sở Tài chính", "Sở Y tế"])]
    set_panel(organiser, cid, judges)
    authors = [new_participant(gateway, unit="UBND xã Tân Chi")[0],
               new_participant(gateway, unit="UBND xã Phù Chẩn")[0]]
    eventually(lambda: organiser.get(f"/awards/api/contests/{cid}/prizes").status_code == 200,
               what="awards to hear of the contest")
    assert organiser.put(f"/awards/api/contests/{cid}/prizes", json=PRIZES).status_code == 200
    ids = []
    for i, author in enumerate(authors):
        r = author.post(f"/submission/api/contests/{cid}/entries",
                        json=initiative(title=f"Sáng kiến số {i + 1} về một cửa", unit="UBND xã Tân Chi"))
        assert r.status_code == 201, r.text
        ids.append(r.json()["entry_id"])
        assert author.post(f"/submission/api/entries/{ids[-1]}/submit").status_code == 200
    assert organiser.post(f"/submission/api/contests/{cid}/close").status_code == 200
    for eid in ids:
        assert organiser.post(f"/submission/api/entries/{eid}/screening", json={"eligible": True}).status_code == 200

    def arrived() -> bool:
        r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/preview", json={"seed": 7})
        return r.status_code == 200 and len(r.json()["entries"]) == 2
    eventually(arrived, timeout=90, what="judging to receive both eligible entries")
    r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"seed": 7})
    assert r.status_code == 200, r.text

    for judge in judges:
        for item in [q for q in judge.get("/judging/api/queue").json() if q["contest_id"] == cid]:
            assert judge.post(f"/judging/api/reviews/{item['review_id']}/declaration").status_code == 200
            r = judge.put(f"/judging/api/reviews/{item['review_id']}/sheet", json={
                "scores": {"novelty": 20, "effectiveness": 38 if item["entry_id"] == ids[1] else 30,
                           "applicability": 16, "presentation": 8}, "submit": True})
            assert r.status_code == 200, r.text

    def ranked() -> Any:
        body = organiser.get(f"/awards/api/contests/{cid}/ranking").json()
        return len(body["entries"]) == 2 and body
    ranking = eventually(ranked, what="awards to rank both entries")
    assert ranking["provisional"] is True
    assert [e["entry_id"] for e in ranking["entries"]] == [ids[1], ids[0]]
    assert ranking["entries"][0]["official_total"] == pytest.approx(82)
    assert organiser.get(f"/awards/api/contests/{cid}/allocation").status_code == 409  # judging still open

    assert organiser.post(f"/judging/api/contests/{cid}/rounds/1/close").status_code == 200
    view = ready_allocation(organiser, cid)
    assert [r["entry_id"] for r in view["rows"]] == [e["entry_id"] for e in ranking["entries"]]
    assert view["rows"][0]["tier_key"] == "first"
    r = organiser.put(f"/awards/api/contests/{cid}/prizes", json=PRIZES)
    assert r.status_code == 200, "prizes can still be set (never a dead end), until the announcement"
    assert ready_allocation(organiser, cid)["rows"][0]["tier_key"] == "first"


def test_prize_structure_is_validated(gateway: str, organiser: Api) -> None:
    sc = open_contest(organiser, "nobody", [], prizes=None)
    url = f"/awards/api/contests/{sc.contest_id}/prizes"
    bad_total = {**PRIZES, "tiers": [{**t, "count": 0} for t in PRIZES["tiers"]]}
    r = organiser.put(url, json=bad_total)
    assert r.status_code == 422 and "tiers" in r.json()["errors"]
    r = organiser.put(url, json={**PRIZES, "tiers": [{**PRIZES["tiers"][0], "category": "khong-co"}]})
    assert r.status_code == 422 and "tiers.0.category" in r.json()["errors"]
    r = organiser.put(url, json={**PRIZES, "tie_break": ["criterion:effectiveness", "total"]})
    assert r.status_code == 422 and "tie_break" in r.json()["errors"]
    r = organiser.put(url, json={**PRIZES, "tiers": [PRIZES["tiers"][0], PRIZES["tiers"][0]]})
    assert r.status_code == 422
    r = organiser.put(url, json={**PRIZES, "tiers": [{**PRIZES["tiers"][0], "count": -1}]})
    assert r.status_code == 422 and "tiers.0.count" in r.json()["errors"]
    r = organiser.put(url + "?lang=en", json=bad_total)
    assert r.json()["errors"]["tiers"] == "The total number of prizes must be greater than 0."
    assert organiser.put(url, json=PRIZES).status_code == 200
    assert organiser.get(url).json()["prizes"]["tiers"][0]["name"] == "Giải Nhất"
    assert organiser.get(f"/awards/api/contests/{sc.contest_id}/allocation").status_code == 409


def test_the_proposal_waits_for_every_listed_result_and_ignores_duplicates(organiser: Api) -> None:
    sc = open_contest(organiser, "nobody", SPECS[:3])
    first = produce(sc.scored(SPECS[0]))
    score_all(organiser, sc, SPECS[1:2])
    view = close_judging(organiser, sc, [A, B, C])
    assert view["ready"] is False and view["waiting"] == [sc.codes[C]]
    assert organiser.post(f"/awards/api/contests/{sc.contest_id}/approve",
                          json={"confirm": True, "result_hash": "x"}).status_code == 409
    produce(sc.scored(SPECS[2]))
    view = ready_allocation(organiser, sc.contest_id)
    before = view["result_hash"]
    produce(*first)  # the same event delivered again: the inbox drops it
    produce(sc.scored(SPECS[1]))  # a new event with the same figures: same inputs, same hash
    again = ready_allocation(organiser, sc.contest_id)
    assert again["result_hash"] == before
    assert [r["code"] for r in again["rows"]] == [sc.codes[A], sc.codes[B], sc.codes[C]]


def test_override_approve_announce_publish_verify_and_late_scores(gateway: str, organiser: Api) -> None:
    owner, _ = new_participant(gateway)
    other, _ = new_participant(gateway, name="Phạm Văn Khác")
    sc = open_contest(organiser, account_id(owner), SPECS)
    cid = sc.contest_id
    score_all(organiser, sc, SPECS)
    page = organiser.get(f"/awards/organiser?contest_id={cid}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'id="provisional"' in page.text
    assert organiser.get(f"/awards/api/contests/{cid}/allocation").status_code == 409  # not closed yet

    view = close_judging(organiser, sc, [x.title for x in SPECS])
    view = ready_allocation(organiser, sc.contest_id)
    rows = {r["code"]: r for r in view["rows"]}
    assert [r["code"] for r in view["rows"]] == [sc.codes[t] for t in (A, B, C, D, E)]
    assert [rows[sc.codes[t]]["tier_key"] for t in (A, B, C, D, E)] == ["first", "second", "third", None, None]
    assert "Bằng điểm với «Ki-ốt tra cứu thủ tục tự phục vụ»" in rows[sc.codes[B]]["explanation"]
    assert "nộp sớm hơn" in rows[sc.codes[B]]["explanation"]
    assert "dưới mức tối thiểu 70" in rows[sc.codes[E]]["explanation"]
    url = f"/awards/api/contests/{cid}"

    # Overrides: a reason is required, counts must add up, and each one is audited.
    r = organiser.post(f"{url}/overrides", json={"entry_id": sc.entries[D], "tier_key": "third", "reason": ""})
    assert r.status_code == 422 and "reason" in r.json()["errors"]
    r = organiser.post(f"{url}/overrides", json={"entry_id": sc.entries[D], "tier_key": "third",
                                                 "reason": "Sáng kiến đã áp dụng rộng rãi trên toàn tỉnh"})
    assert r.status_code == 422 and "1 suất" in r.json()["errors"]["tier_key"]
    r = organiser.post(f"{url}/overrides", json={"entry_id": sc.entries[C], "tier_key": None,
                                                 "reason": "Trùng ý tưởng với sáng kiến đã đạt giải năm trước"})
    assert r.status_code == 201, r.text
    r = organiser.post(f"{url}/overrides", json={"entry_id": sc.entries[D], "tier_key": "third",
                                                 "reason": "Sáng kiến đã áp dụng rộng rãi trên toàn tỉnh"})
    assert r.status_code == 201, r.text
    view = ready_allocation(organiser, sc.contest_id)
    rows = {r["code"]: r for r in view["rows"]}
    assert rows[sc.codes[D]]["tier_key"] == "third" and rows[sc.codes[D]]["overridden"]
    assert rows[sc.codes[C]]["tier_key"] is None and rows[sc.codes[C]]["computed_tier_key"] == "third"
    assert "áp dụng rộng rãi" in rows[sc.codes[D]]["explanation"]
    assert [a["action"] for a in view["audit"]][-2:] == ["override", "override"]

    # Approval needs an explicit confirmation of exactly what was shown.
    assert organiser.post(f"{url}/approve", json={"result_hash": view["result_hash"]}).status_code == 422
    assert organiser.post(f"{url}/approve", json={"confirm": True, "result_hash": "0" * 64}).status_code == 409
    assert organiser.post(f"{url}/announce", json={"confirm": True}).status_code == 409  # not approved
    r = organiser.post(f"{url}/approve", json={"confirm": True, "result_hash": view["result_hash"]})
    assert r.status_code == 200, r.text

    # Approved but not announced: the organiser can export for the award decision; the public sees nothing.
    assert organiser.get(f"{url}/export.csv").status_code == 200
    assert owner.get("/awards/api/my/certificates").json() == []
    assert owner.get(f"/awards/api/entries/{sc.entries[A]}/certificates/0.pdf").status_code == 404
    assert Api(gateway).get(f"/awards/api/public/contests/{cid}/results").status_code == 404
    assert Api(gateway).get(f"/awards/results/{cid}").status_code == 404

    assert organiser.post(f"{url}/announce", json={}).status_code == 422
    r = organiser.post(f"{url}/announce", json={"confirm": True})
    assert r.status_code == 200, r.text
    digest = r.json()["result_hash"]
    assert digest == view["result_hash"]
    r = organiser.post(f"{url}/announce", json={"confirm": True})
    assert r.status_code == 409, "announcing twice"
    assert organiser.post(f"{url}/overrides", json={"entry_id": sc.entries[E], "tier_key": None,
                                                    "reason": "Thêm một điều chỉnh sau khi công bố"}).status_code == 409

    # The event goes out through the outbox, once, with every outcome.
    messages = asyncio.run(read_all(PROFILE.kafka_bootstrap, "awards.results",
                                    until=lambda ms: any(m.get("key") == cid for m in ms)))
    mine = [m for m in messages if m.get("key") == cid]
    assert len(mine) == 1 and mine[0]["event_type"] == "ResultsAnnounced"
    outcomes = {o["entry_id"]: o for o in mine[0]["payload"]["outcomes"]}
    assert mine[0]["payload"]["result_hash"] == digest
    assert outcomes[sc.entries[D]]["tier_key"] == "third" and outcomes[sc.entries[C]]["tier_key"] is None

    # The public page, without signing in.
    anon = Api(gateway)
    page = anon.get(f"/awards/results/{cid}")
    assert page.status_code == 200
    for text in (A, B, D, "Nguyễn Thị Mai", "Lê Văn Hùng", "UBND phường Đình Bảng", "Tóm tắt:", digest,
                 "Theo đơn vị", "Theo lĩnh vực", "class=\"bars\""):
        assert text in page.text, text
    assert C not in page.text.split("Thống kê tham gia")[0], "an entry without a prize is not listed"
    public = anon.get(f"/awards/api/public/contests/{cid}/results").json()
    assert public["statistics"]["total"] == 5 and public["statistics"]["units"] == 4
    assert dict(map(tuple, public["statistics"]["by_category"]))["Thủ tục hành chính"] == 4
    assert [w["title"] for w in public["tiers"][2]["winners"]] == [D]

    # Anyone can recompute the hash from the published inputs.
    inputs = anon.get(f"/awards/api/public/contests/{cid}/inputs.json").content
    assert compute_result(inputs)[1] == digest
    assert anon.post(f"/awards/api/public/verify-result?result_hash={digest}", content=inputs).json()["valid"]
    tampered = inputs.replace(E.encode(), "Biểu mẫu đã bị sửa".encode(), 1)
    assert tampered != inputs
    body = anon.post(f"/awards/api/public/verify-result?result_hash={digest}", content=tampered).json()
    assert body["valid"] is False
    assert anon.post(f"/awards/api/public/verify-result?result_hash={digest}", content=b"{").status_code == 422

    # Certificates: the winner downloads their own, one per author; others cannot; organisers get a ZIP.
    mine_certs = owner.get("/awards/api/my/certificates").json()
    assert {c["title"] for c in mine_certs} == {A, B, D}
    pdf = owner.get(f"/awards/api/entries/{sc.entries[A]}/certificates/1.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    code = certificate_code(pdf.content)
    assert other.get(f"/awards/api/entries/{sc.entries[A]}/certificates/1.pdf").status_code == 403
    assert owner.get(f"/awards/api/entries/{sc.entries[C]}/certificates/0.pdf").status_code == 404
    assert owner.get(f"/awards/api/entries/{sc.entries[A]}/certificates/7.pdf").status_code == 404
    found = anon.get(f"/awards/api/public/certificates/{code.lower().replace('-', ' ')}").json()
    assert found["author_name"] == "Lê Văn Hùng" and found["tier_name"] == "Giải Nhất"
    assert anon.get("/awards/api/public/certificates/0000-0000-0000").status_code == 404
    assert "Lê Văn Hùng" in anon.get(f"/awards/verify?code={code}").text
    archive = zipfile.ZipFile(io.BytesIO(organiser.get(f"{url}/certificates.zip").content))
    assert len(archive.namelist()) == 4  # A has two authors, B and D one each

    # Exports open as spreadsheets; JSON over the API.
    sheet = load_workbook(io.BytesIO(organiser.get(f"{url}/export.xlsx").content)).active
    assert sheet is not None
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert table[0][:3] == ["Hạng", "Giải", "Tiền thưởng (đồng)"] and len(table) == 6
    assert table[4][1] == "Giải Ba" and table[4][3] == sc.codes[D] and "Tính hiệu quả" in table[0]
    text = organiser.get(f"{url}/export.csv").content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 6
    result = organiser.get(f"{url}/result").json()
    assert result["result_hash"] == digest and result["result"]["rows"][0]["judges_count"] == 3

    # A late score after the announcement is recorded and flagged, never applied.
    late = Spec(E, s(30, 40, 20, 10))
    produce(sc.scored(late, round_no=1))
    eventually(lambda: organiser.get(f"{url}/allocation").json()["late_scores"], what="the late score flag")
    assert anon.get(f"/awards/api/public/contests/{cid}/results").json()["result_hash"] == digest
    assert compute_result(anon.get(f"/awards/api/public/contests/{cid}/inputs.json").content)[1] == digest
    # An outsider recomputes it from the two public files with the standalone verifier.
    folder = Path(tempfile.mkdtemp())
    (folder / "inputs.json").write_bytes(anon.get(f"/awards/api/public/contests/{cid}/inputs.json").content)
    (folder / "result.json").write_bytes(anon.get(f"/awards/api/public/contests/{cid}/result.json").content)
    run = subprocess.run([sys.executable, "-I", str(ROOT / "tools" / "verify_result.py"), str(folder / "inputs.json"),
                          str(folder / "result.json"), "--hash", digest], capture_output=True, text=True, check=False)
    assert run.returncode == 0 and "DOES NOT MATCH" not in run.stdout, run.stdout + run.stderr
    assert "Điểm đến sau khi công bố" in organiser.get(f"/awards/organiser?contest_id={cid}",
                                                        headers={"Accept": "text/html"}).text


def test_nothing_of_the_result_leaks_before_the_announcement(gateway: str, organiser: Api) -> None:
    owner, _ = new_participant(gateway)
    judge = new_judge(gateway, organiser, "Sở Y tế")
    secret_title = "Sáng kiến bí mật chưa công bố " + uuid.uuid4().hex[:6]
    spec = Spec(secret_title, s(29, 38, 19, 9))
    sc = open_contest(organiser, account_id(owner), [spec])
    score_all(organiser, sc, [spec])
    view = close_judging(organiser, sc, [secret_title])
    view = ready_allocation(organiser, sc.contest_id)
    assert organiser.post(f"/awards/api/contests/{sc.contest_id}/approve",
                          json={"confirm": True, "result_hash": view["result_hash"]}).status_code == 200
    cid = sc.contest_id
    for who in (Api(gateway), owner, judge):
        for path in ("/awards/results", f"/awards/results/{cid}", "/awards/verify", "/awards/api/public/contests",
                     f"/awards/api/public/contests/{cid}/results", f"/awards/api/public/contests/{cid}/inputs.json",
                     f"/awards/api/public/contests/{cid}/result.json", "/awards/my", "/awards/api/my/certificates",
                     f"/awards/api/entries/{sc.entries[secret_title]}/certificates/0.pdf",
                     f"/awards/organiser?contest_id={cid}", f"/awards/api/contests/{cid}/ranking",
                     f"/awards/api/contests/{cid}/allocation", f"/awards/api/contests/{cid}/result",
                     f"/awards/api/contests/{cid}/export.csv"):
            r = who.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
            assert secret_title not in r.text and view["result_hash"] not in r.text, (path, r.status_code)
            assert r.status_code in (200, 303, 401, 403, 404), (path, r.status_code)
    # Once announced, the same public page shows it.
    assert organiser.post(f"/awards/api/contests/{cid}/announce", json={"confirm": True}).status_code == 200
    assert secret_title in Api(gateway).get(f"/awards/results/{cid}").text
