"""Blind review of files: a judge gets an entry's attachment renamed neutrally and without the
metadata that names its author, and only a judge assigned to the entry can use the link."""

from __future__ import annotations

import io

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from tests.conftest import Api, eventually, initiative, new_contest, new_judge, new_participant, set_panel
from tests.integration.test_judging_flow import queue_of

pytestmark = pytest.mark.integration


def _authored_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_author("Do Quang Huy")
    pdf.set_creator("UBND xa Tan Chi")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Quy trinh mot cua lien thong")
    return bytes(pdf.output())


def test_a_judge_gets_a_neutral_clean_file_and_only_an_assigned_judge_gets_it(gateway: str, organiser: Api) -> None:
    cid = new_contest(organiser)["contest_id"]
    author, _ = new_participant(gateway, name="Đỗ Quang Huy")
    eid = author.post(f"/submission/api/contests/{cid}/entries", json=initiative()).json()["entry_id"]
    r = author.post(f"/submission/api/entries/{eid}/attachments?filename=Do_Quang_Huy_UBND_xa_Tan_Chi_sang_kien.pdf",
                    content=_authored_pdf(), headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    assert author.post(f"/submission/api/entries/{eid}/submit").status_code == 200
    judges = [new_judge(gateway, organiser, unit) for unit in ("Sở Tư pháp", "Sở Y tế")]
    eventually(lambda: organiser.get(f"/judging/api/contests/{cid}/setup").status_code == 200, timeout=60,
               what="judging to know the contest")
    set_panel(organiser, cid, judges)
    assert organiser.post(f"/submission/api/contests/{cid}/close").status_code == 200
    assert organiser.post(f"/submission/api/entries/{eid}/screening", json={"eligible": True}).status_code == 200
    assert organiser.put(f"/judging/api/contests/{cid}/rounds",
                         json={"rounds": [{"judges_per_entry": 1}]}).status_code == 200

    def released() -> bool:
        r = organiser.post(f"/judging/api/contests/{cid}/rounds/1/release", json={"seed": 5})
        return r.status_code == 200 and any(queue_of(j, cid) for j in judges)
    eventually(released, timeout=60, what="the entry to reach judging and be assigned")
    assigned = next(j for j in judges if queue_of(j, cid))
    other = next(j for j in judges if j is not assigned)
    rid = queue_of(assigned, cid)[0]["review_id"]
    assert assigned.post(f"/judging/api/reviews/{rid}/declaration").status_code == 200
    files = assigned.get(f"/judging/api/reviews/{rid}").json()["entry"]["attachments"]
    assert [f["filename"] for f in files] == ["Tệp đính kèm 1.pdf"], "the author's file name never reaches judges"
    link = files[0]["download_path"]

    def downloaded() -> bool:  # submission hears who reviews the entry from judging's events
        return assigned.get(link).status_code == 200
    eventually(downloaded, timeout=30, what="the assigned judge's download")
    got = assigned.get(link)
    assert "Huy" not in got.headers["content-disposition"] and "Tan_Chi" not in got.headers["content-disposition"]
    assert b"Huy" not in got.content and b"Tan Chi" not in got.content
    reader = PdfReader(io.BytesIO(got.content))
    assert not reader.metadata and "Quy trinh mot cua" in reader.pages[0].extract_text()
    assert other.get(link).status_code == 403, "a judge not assigned to the entry cannot use the link"
    assert organiser.get(link).status_code == 200
