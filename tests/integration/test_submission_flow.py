"""The submission service over HTTP through nginx, with real Kafka and FerretDB: contests set up
and changed (every change published), the form's errors, attachments, edits and versions,
withdrawal, screening with copy detection, blind entries reaching judging, and statuses from
the other services showing up in "my initiatives"."""

from __future__ import annotations

import asyncio
import io
import json
import random
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from shared.envelope import Envelope
from shared.events.awards import Outcome, ResultsAnnounced
from shared.events.judging import EntryReviewStarted
from tests.conftest import PROFILE, Api, eventually, initiative, new_contest, new_judge, new_participant, unique
from tests.integration.kafka_util import read_all

pytestmark = [pytest.mark.integration]

SYLLABLE_TEXT = ("hồ sơ một cửa người dân tra cứu tình trạng giải quyết thủ tục mã cán bộ cập nhật kết quả điện thoại "
                 "tháng tiết kiệm giờ công đi lại phần mềm theo dõi xã huyện tỉnh sở ban ngành biểu mẫu điện tử số "
                 "hoá dữ liệu liên thông chứng thực hộ tịch đất đai đầu tư doanh nghiệp thuế phí lệ")
SYLLABLES = SYLLABLE_TEXT.split()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def events_for(topic: str, key: str, until: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
    msgs = asyncio.run(read_all(PROFILE.kafka_bootstrap, topic,
                                until=lambda ms: until([m for m in ms if m.get("key") == key]), wait_s=30))
    return [m for m in msgs if m.get("key") == key]


def contest_body(**extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"code": unique("C").upper()[:10], "name": "Hội thi sáng kiến cải cách hành chính",
            "issuing_body": "Sở Nội vụ tỉnh Bắc Ninh", "description": "Giới thiệu", "rules_text": "Thể lệ",
            "categories": [{"key": "tthc", "name": "Thủ tục hành chính"}, {"key": "cds", "name": "Chuyển đổi số"}],
            "opens_at": (now - timedelta(hours=1)).isoformat(), "closes_at": (now + timedelta(days=10)).isoformat(),
            **extra}


def submitted_entry(author: Api, cid: str, **fields: Any) -> dict[str, Any]:
    r = author.post(f"/submission/api/contests/{cid}/entries", json=initiative(**fields))
    assert r.status_code == 201, r.text
    r = author.post(f"/submission/api/entries/{r.json()['entry_id']}/submit")
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_contest_is_created_as_draft_edited_opened_extended_and_closed(organiser: Api, anonymous: Api,
                                                                       gateway: str) -> None:
    r = organiser.post("/submission/api/contests", json=contest_body(status="draft", eligible_groups=["Công chức"]))
    assert r.status_code == 201, r.text
    c = r.json()
    cid = c["contest_id"]
    assert c["status"] == "draft"
    assert anonymous.get(f"/submission/api/contests/{cid}").status_code == 404, "drafts are not public"
    author, _ = new_participant(gateway)
    assert author.post(f"/submission/api/contests/{cid}/entries", json=initiative()).status_code == 409

    body = contest_body(code=c["code"], name="Hội thi sáng kiến năm 2026 (sửa)", max_coauthors=2,
                        allowed_types=["pdf"], max_file_mb=2, max_files=2, expected_revision=1)
    r = organiser.put(f"/submission/api/contests/{cid}", json=body)
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["revision"], r.json()["allowed_types"]) == (body["name"], 2, ["pdf"])
    assert organiser.put(f"/submission/api/contests/{cid}", json=body).status_code == 409, "stale revision"

    r = organiser.post(f"/submission/api/contests/{cid}/open")
    assert r.status_code == 200 and r.json()["status"] == "open"
    assert organiser.post(f"/submission/api/contests/{cid}/open").status_code == 409

    # Once open, the deadline only moves by an extension with a reason, never by an edit.
    moved = contest_body(code=c["code"], name=body["name"], closes_at=(datetime.now(UTC) + timedelta(days=20))
                         .isoformat())
    r = organiser.put(f"/submission/api/contests/{cid}", json=moved)
    assert r.status_code == 422 and "closes_at" in r.json()["errors"]
    new_close = datetime.fromisoformat(body["closes_at"]) + timedelta(days=5)
    r = organiser.post(f"/submission/api/contests/{cid}/extend", json={"closes_at": new_close.isoformat(),
                                                                       "reason": "ngắn"})
    assert r.status_code == 422 and "reason" in r.json()["errors"]
    r = organiser.post(f"/submission/api/contests/{cid}/extend?lang=en", json={"closes_at": body["opens_at"],
                                                                               "reason": "ngắn"})
    assert r.status_code == 422 and "must be after" in r.json()["errors"]["closes_at"]
    reason = "Nhiều đơn vị đề nghị thêm thời gian do trùng kỳ báo cáo cuối năm"
    r = organiser.post(f"/submission/api/contests/{cid}/extend", json={"closes_at": new_close.isoformat(),
                                                                       "reason": reason})
    assert r.status_code == 200, r.text
    assert datetime.fromisoformat(r.json()["closes_at"]) == new_close
    assert r.json()["extensions"][0]["reason"] == reason
    page = anonymous.get(f"/submission/contests/{cid}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and reason in page.text

    assert organiser.post(f"/submission/api/contests/{cid}/close").status_code == 200
    assert organiser.post(f"/submission/api/contests/{cid}/close").status_code == 409

    types = ["ContestUpdated", "ContestUpdated", "ContestOpened", "ContestDeadlineExtended", "ContestClosed"]
    events = events_for("submission.contests", cid, lambda ms: len(ms) >= len(types))
    assert [e["event_type"] for e in events] == types
    assert [e["payload"]["revision"] for e in events] == [1, 2, 3, 4, 5]
    assert events[1]["payload"]["allowed_types"] == ["pdf"] and events[1]["payload"]["max_files"] == 2
    assert events[0]["payload"]["eligible_groups"] == ["Công chức"]
    assert events[3]["payload"]["reason"] == reason


def test_the_form_reports_every_bad_input_by_field_in_the_users_language(organiser: Api, gateway: str) -> None:
    contest = new_contest(organiser)
    cid = contest["contest_id"]
    author, _ = new_participant(gateway)
    r = author.post(f"/submission/api/contests/{cid}/entries", json={"title": "x" * 301})
    assert r.status_code == 422 and set(r.json()["errors"]) == {"title"}
    r = author.post(f"/submission/api/contests/{cid}/entries", json={"title": "Bản nháp dở dang"})
    assert r.status_code == 201, "a half-written draft can be saved"
    eid = r.json()["entry_id"]
    r = author.post(f"/submission/api/entries/{eid}/submit")
    assert r.status_code == 422
    assert {"current_situation", "solution", "commitment", "category"} <= set(r.json()["errors"])
    assert "Vui lòng" in r.json()["errors"]["category"]
    r = author.post(f"/submission/api/entries/{eid}/submit?lang=en")
    assert r.json()["errors"]["category"] == "This field is required."
    co = [{"full_name": f"Người {i}", "unit": "Sở Tư pháp", "email": f"a{i}@x.vn", "contribution_pct": 10}
          for i in range(6)]
    r = author.put(f"/submission/api/entries/{eid}", json=initiative(co_authors=co))
    assert r.status_code == 422 and "co_authors" in r.json()["errors"]
    r = author.put(f"/submission/api/entries/{eid}", json=initiative(co_authors=[{**co[0], "email": "sai"}]))
    assert r.status_code == 200, "drafts are checked leniently"
    r = author.post(f"/submission/api/entries/{eid}/submit")
    assert r.status_code == 422 and "co_authors.0.email" in r.json()["errors"]
    stranger, _ = new_participant(gateway)
    assert stranger.get(f"/submission/api/entries/{eid}").status_code == 404
    assert stranger.put(f"/submission/api/entries/{eid}", json=initiative()).status_code == 404
    assert stranger.post(f"/submission/api/entries/{eid}/submit").status_code == 404
    assert author.get(f"/submission/api/entries/{eid}").json()["fields"]["co_authors"][0]["email"] == "sai"


def test_edits_keep_versions_nothing_changes_after_the_deadline_and_judges_get_that_version(
    organiser: Api, gateway: str
) -> None:
    contest = new_contest(organiser)
    cid = contest["contest_id"]
    author, email = new_participant(gateway, unit="UBND huyện Tiên Du", name="Phạm Thị Lan Hương")
    entry = submitted_entry(author, cid, unit="UBND huyện Tiên Du")
    eid = entry["entry_id"]
    r = author.post(f"/submission/api/entries/{eid}/attachments?filename=Báo cáo kết quả.pdf", content=PDF)
    assert r.status_code == 201, r.text
    r = author.put(f"/submission/api/entries/{eid}", json=initiative(title="Số hoá tiếp nhận hồ sơ (bản sửa)",
                                                                     unit="UBND huyện Tiên Du"))
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    r = author.put(f"/submission/api/entries/{eid}", json=initiative(current_situation="ngắn"))
    assert r.status_code == 422, "a submitted entry may never be made incomplete"
    versions = author.get(f"/submission/api/entries/{eid}").json()["versions"]
    assert [v["number"] for v in versions] == [1, 2, 3]

    assert organiser.post(f"/submission/api/contests/{cid}/close").status_code == 200
    r = author.put(f"/submission/api/entries/{eid}", json=initiative(title="Sửa sau hạn chót"))
    assert r.status_code == 409
    assert author.post(f"/submission/api/entries/{eid}/withdraw").status_code == 409
    assert author.post(f"/submission/api/entries/{eid}/attachments?filename=b.pdf", content=PDF).status_code == 409
    r = organiser.post(f"/submission/api/entries/{eid}/screening", json={"eligible": True})
    assert r.status_code == 200, r.text

    events = events_for("submission.entries", eid, lambda ms: any(m["event_type"] == "EntryBecameEligible"
                                                                  for m in ms))
    blind = next(m for m in events if m["event_type"] == "EntryBecameEligible")
    payload = blind["payload"]
    assert payload["version"] == 3 and payload["title"] == "Số hoá tiếp nhận hồ sơ (bản sửa)"
    text = json.dumps(payload, ensure_ascii=False)
    outside_key = json.dumps({k: v for k, v in payload.items() if k != "conflict_unit"}, ensure_ascii=False)
    for personal in ("Phạm Thị Lan Hương", email, "Tiên Du", "tiên du"):
        assert personal not in outside_key, f"{personal!r} must not reach judging"
    assert "Phạm Thị Lan Hương" not in text and email not in text
    assert payload["conflict_unit"] == "ubnd huyện tiên du", "the unit only as the conflict-of-interest key"
    [att] = payload["attachments"]
    assert att["filename"] == "Tệp đính kèm 1.pdf" and att["download_path"], "judges never see the author's name"

    judge = new_judge(gateway, organiser, "Sở Tư pháp")
    path = att["download_path"]
    assert judge.get(path).status_code == 403, "not assigned to the entry (see test_blind_files.py)"
    r = organiser.get(path)  # this minimal PDF has no pages to keep: never served as it is, organisers look
    assert r.status_code == 409 and "Ban tổ chức" in r.json()["detail"]
    assert organiser.get(path.replace("sig=", "sig=x")).status_code == 403
    assert judge.get(f"/submission/api/attachments/{att['file_id']}").status_code == 403
    assert author.get(path).status_code == 403, "participants cannot use judges' links"


def test_attachments_are_checked_by_content_and_size_and_served_only_to_owner_and_organisers(
    organiser: Api, gateway: str, anonymous: Api
) -> None:
    r = organiser.post("/submission/api/contests", json=contest_body(max_file_mb=1, max_files=2,
                                                                     allowed_types=["pdf", "docx"]))
    cid = r.json()["contest_id"]
    author, _ = new_participant(gateway)
    eid = author.post(f"/submission/api/contests/{cid}/entries", json={"title": "Có tệp"}).json()["entry_id"]
    up = f"/submission/api/entries/{eid}/attachments"
    r = author.post(f"{up}?filename=virus.pdf", content=b"MZ\x90\x00 not a pdf")
    assert r.status_code == 415 and "attachments" in r.json()["errors"]
    assert author.post(f"{up}?filename=anh.png", content=b"\x89PNG\r\n\x1a\n....IHDR").status_code == 415
    r = author.post(f"{up}?filename=lon.pdf", content=PDF + b"0" * (1024 * 1024))
    assert r.status_code == 413 and "1 MB" in r.json()["errors"]["attachments"]
    assert author.post(f"{up}?filename=huge.pdf", content=b"0" * (16 * 1024 * 1024)).status_code == 413
    word = docx()
    r = author.post(f"{up}?filename=../../Thuyết minh.docx", content=word)
    assert r.status_code == 201, r.text
    doc_ref = r.json()
    assert doc_ref["filename"] == "Thuyết minh.docx"
    assert author.post(f"{up}?filename=a.pdf", content=PDF).status_code == 201
    assert author.post(f"{up}?filename=b.pdf", content=PDF).status_code == 422, "at most 2 files"
    entry = author.get(f"/submission/api/entries/{eid}").json()
    assert len(entry["attachments"]) == 2 and len(entry["versions"]) == 3

    dl = f"/submission/api/attachments/{doc_ref['file_id']}"
    r = author.get(dl)
    assert r.status_code == 200 and r.content == word
    assert "attachment" in r.headers["content-disposition"]
    assert organiser.get(dl).status_code == 200
    stranger, _ = new_participant(gateway)
    assert stranger.get(dl).status_code == 404
    assert anonymous.get(dl).status_code == 401
    assert stranger.post(f"{up}?filename=a.pdf", content=PDF).status_code == 404
    assert stranger.delete(f"{up}/{doc_ref['file_id']}").status_code == 404

    assert author.delete(f"{up}/{doc_ref['file_id']}").status_code == 204
    entry = author.get(f"/submission/api/entries/{eid}").json()
    assert [a["filename"] for a in entry["attachments"]] == ["a.pdf"]
    assert author.get(dl).status_code == 200, "earlier versions keep their files"


def test_withdrawal_is_published_and_counted(organiser: Api, gateway: str, anonymous: Api) -> None:
    contest = new_contest(organiser)
    cid = contest["contest_id"]
    author, _ = new_participant(gateway, unit="Sở Tài chính")
    kept = submitted_entry(author, cid, category="cds")
    gone = submitted_entry(author, cid)
    r = author.post(f"/submission/api/entries/{gone['entry_id']}/withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert author.post(f"/submission/api/entries/{gone['entry_id']}/withdraw").status_code == 200
    assert author.put(f"/submission/api/entries/{gone['entry_id']}", json=initiative()).status_code == 409
    events = events_for("submission.statuses", gone["entry_id"], lambda ms: len(ms) >= 2)
    assert [e["payload"]["status"] for e in events] == ["submitted", "withdrawn"]
    counts = anonymous.get(f"/submission/api/contests/{cid}/counts").json()
    assert counts["status"] == {"submitted": 1, "withdrawn": 1}
    assert counts["category"] == {"cds": 1} and "unit" not in counts, "units narrow entries to authors: not public"
    assert author.get(f"/submission/api/contests/{cid}/counts").json().keys() == {"status", "category"}
    assert organiser.get(f"/submission/api/contests/{cid}/counts").json()["unit"] == {"UBND xã Tân Chi": 1}
    assert kept["status"] == "submitted"


def test_screening_flags_copies_in_this_and_earlier_contests_side_by_side(organiser: Api, gateway: str) -> None:
    earlier = new_contest(organiser)
    a, _ = new_participant(gateway)
    b, _ = new_participant(gateway)
    c, _ = new_participant(gateway)
    def text(seed: str) -> dict[str, str]:  # texts unique to this run, so earlier runs' entries never match
        rng = random.Random(seed)
        return {k: ". ".join(" ".join(rng.choice(SYLLABLES) for _ in range(12)) for _ in range(6)) + "."
                for k in ("current_situation", "solution", "novelty", "effectiveness", "applicability")}

    original = text(unique())
    copy = {k: v.replace("ệ", "e").replace("ộ", "o").replace("ố", "o") for k, v in original.items()}  # no accents
    old = submitted_entry(a, earlier["contest_id"], **original)
    contest = new_contest(organiser)
    cid = contest["contest_id"]
    mine = submitted_entry(b, cid, title="Tra cứu hồ sơ bằng mã QR", **copy)
    other = submitted_entry(c, cid, title="Chuẩn hoá biểu mẫu", **text(unique()))
    organiser.post(f"/submission/api/contests/{cid}/close")
    queue = {e["entry_id"]: e for e in organiser.get(f"/submission/api/contests/{cid}/screening").json()}
    assert set(queue) == {mine["entry_id"], other["entry_id"]}
    flagged = queue[mine["entry_id"]]["similar"]
    assert [f["entry_id"] for f in flagged] == [old["entry_id"]]
    assert flagged[0]["contest_id"] == earlier["contest_id"] and flagged[0]["score"] >= 0.5
    assert queue[other["entry_id"]]["similar"] == []
    pair = organiser.get(f"/submission/api/screening/compare?a={mine['entry_id']}&b={old['entry_id']}").json()
    solution = next(s for s in pair["sections"] if s["key"] == "solution")
    assert any(row["same"] and row["a"] and row["b"] for row in solution["rows"])
    page = organiser.get(f"/submission/screening?contest_id={cid}", headers={"Accept": "text/html"})
    assert f"/submission/screening/compare?a={mine['entry_id']}&amp;b={old['entry_id']}" in page.text
    page = organiser.get(f"/submission/screening/compare?a={mine['entry_id']}&b={old['entry_id']}",
                         headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'class="same"' in page.text

    r = organiser.post(f"/submission/api/entries/{mine['entry_id']}/screening", json={"eligible": False})
    assert r.status_code == 422 and "reason" in r.json()["errors"]
    reason = "Trùng lặp nội dung với sáng kiến năm trước"
    r = organiser.post(f"/submission/api/entries/{mine['entry_id']}/screening",
                       json={"eligible": False, "reason": reason})
    assert r.status_code == 200 and r.json()["status"] == "ineligible"
    r = organiser.post(f"/submission/api/entries/{mine['entry_id']}/screening", json={"eligible": True})
    assert r.status_code == 422 and "reason" in r.json()["errors"], "a correction needs its reason"
    mine_view = b.get("/submission/api/my/entries").json()[0]
    assert mine_view["status"] == "ineligible" and mine_view["screening"]["reason"] == reason


async def _publish(*payloads: Any) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=PROFILE.kafka_bootstrap)
    await producer.start()
    try:
        for p, who in payloads:
            env = Envelope.wrap(p, producer=who)
            await producer.send_and_wait(env.topic, env.model_dump_json().encode(), key=env.key.encode())
    finally:
        await producer.stop()


def test_status_events_from_judging_and_awards_show_up_in_my_initiatives(organiser: Api, gateway: str) -> None:
    contest = new_contest(organiser)
    cid = contest["contest_id"]
    author, _ = new_participant(gateway)
    entry = submitted_entry(author, cid)
    eid = entry["entry_id"]
    organiser.post(f"/submission/api/contests/{cid}/close")
    assert organiser.post(f"/submission/api/entries/{eid}/screening", json={"eligible": True}).status_code == 200

    def status() -> str:
        return str(author.get("/submission/api/my/entries").json()[0]["status"])

    assert status() == "eligible"
    asyncio.run(_publish((EntryReviewStarted(contest_id=cid, entry_id=eid, round_no=1, judges=3), "judging")))
    eventually(lambda: status() == "under_review", what="under review")
    outcome = Outcome(entry_id=eid, rank=1, tier_key="nhat", tier_name="Giải Nhất", official_total=91.5)
    asyncio.run(_publish((ResultsAnnounced(contest_id=cid, announced_at=datetime.now(UTC), result_hash="h",
                                           outcomes=[outcome]), "awards")))
    eventually(lambda: status() == "awarded", what="awarded")
    mine = author.get("/submission/api/my/entries").json()[0]
    assert mine["result"]["tier"] == "Giải Nhất"
    # A late, repeated event never moves the entry back.
    asyncio.run(_publish((EntryReviewStarted(contest_id=cid, entry_id=eid, round_no=2, judges=5), "judging")))
    time.sleep(2)
    assert status() == "awarded"
    page = author.get("/submission/my", headers={"Accept": "text/html"})
    assert "Đạt giải" in page.text and "Giải Nhất" in page.text and entry["code"] in page.text


def test_a_screening_decision_is_corrected_with_a_reason_and_participants_can_ask_for_it(
        organiser: Api, gateway: str) -> None:
    contest = organiser.post("/submission/api/contests", json=contest_body()).json()
    cid = contest["contest_id"]
    author, _ = new_participant(gateway)
    eid = submitted_entry(author, cid)["entry_id"]
    assert organiser.post(f"/submission/api/contests/{cid}/close").status_code == 200
    r = organiser.post(f"/submission/api/entries/{eid}/screening",
                       json={"eligible": False, "reason": "Thiếu cam kết của thủ trưởng đơn vị"})
    assert r.status_code == 200
    assert author.post(f"/submission/api/entries/{eid}/review-request", json={"reason": "ngắn"}).status_code == 422
    r = author.post(f"/submission/api/entries/{eid}/review-request",
                    json={"reason": "Bản cam kết đã nộp kèm trong tệp đính kèm số 2"})
    assert r.status_code == 200 and r.json()["review_request"]["reason"].startswith("Bản cam kết")
    again = author.post(f"/submission/api/entries/{eid}/review-request", json={"reason": "Xin xem lại lần nữa"})
    assert again.status_code == 409, "one request per decision"
    queue = organiser.get(f"/submission/api/contests/{cid}/screening").json()
    assert next(e["review_request"]["reason"] for e in queue if e["entry_id"] == eid).startswith("Bản cam kết")
    r = organiser.post(f"/submission/api/entries/{eid}/screening", json={"eligible": True, "reason": ""})
    assert r.status_code == 422 and "reason" in r.json()["errors"], "a correction says why"
    r = organiser.post(f"/submission/api/entries/{eid}/screening",
                       json={"eligible": True, "reason": "Đã có cam kết trong tệp đính kèm"})
    assert r.status_code == 200 and r.json()["status"] == "eligible"
    entry = author.get(f"/submission/api/entries/{eid}").json()
    assert entry["review_request"] is None and entry["screening"]["eligible"] is True
    statuses = [e["payload"]["status"] for e in events_for("submission.statuses", eid, lambda ms: len(ms) >= 3)]
    assert statuses == ["submitted", "ineligible", "eligible"]
    events_for("submission.entries", eid, lambda ms: any(m["event_type"] == "EntryBecameEligible" for m in ms))
