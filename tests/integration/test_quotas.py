"""What one participant can store is bounded: versions of a draft, entries per contest, bytes of
files per entry and per account; files no version needs any more are deleted."""

from __future__ import annotations

import pytest

from tests.conftest import Api, initiative, new_participant
from tests.integration.test_submission_flow import PDF, contest_body
from tests.resilience.faults import collection

pytestmark = pytest.mark.integration
LONG = "Cải cách thủ tục hành chính tại bộ phận một cửa liên thông cấp xã và phường. " * 250  # ~20 KB


def test_saving_a_long_draft_again_and_again_keeps_a_bounded_history(gateway: str, organiser: Api) -> None:
    cid = organiser.post("/submission/api/contests", json=contest_body()).json()["contest_id"]
    author, _ = new_participant(gateway)
    form = {**initiative(), **{k: LONG for k in ("current_situation", "solution", "novelty", "effectiveness",
                                                 "applicability")}}
    eid = author.post(f"/submission/api/contests/{cid}/entries", json=form).json()["entry_id"]
    for i in range(40):
        r = author.put(f"/submission/api/entries/{eid}", json={**form, "title": f"Sáng kiến bản {i}"})
        assert r.status_code == 200, r.text
    stored = collection("submission", "entries").find_one({"_id": eid})
    assert stored is not None and len(stored["versions"]) <= 10
    assert stored["versions"][0]["number"] == 1 and stored["versions"][-1]["number"] == 41
    assert author.get(f"/submission/api/entries/{eid}").json()["fields"]["title"] == "Sáng kiến bản 39"


def test_files_no_version_needs_are_deleted_and_quotas_hold(gateway: str, organiser: Api) -> None:
    cid = organiser.post("/submission/api/contests", json=contest_body(max_file_mb=1, max_files=5)).json()[
        "contest_id"]
    author, _ = new_participant(gateway)
    eid = author.post(f"/submission/api/contests/{cid}/entries", json=initiative()).json()["entry_id"]
    up = f"/submission/api/entries/{eid}/attachments"
    first = author.post(f"{up}?filename=dau-tien.pdf", content=PDF).json()["file_id"]
    assert author.delete(f"{up}/{first}").status_code == 204
    for i in range(12):  # upload and remove again and again: each makes versions
        ref = author.post(f"{up}?filename=tep-{i}.pdf", content=PDF).json()
        assert author.delete(f"{up}/{ref['file_id']}").status_code == 204
    files = collection("submission", "attachments")
    assert files.count_documents({"entry_id": eid}) <= 10, "files only pruned versions used are deleted"
    assert files.find_one({"_id": first}) is None
    assert author.get(f"/submission/api/attachments/{first}").status_code == 404

    big = PDF.replace(b"%%EOF", b"%" + b"0" * (900 * 1024) + b"\n%%EOF")  # 0.9 MB: under 1 MB per file
    codes = [author.post(f"{up}?filename=lon-{i}.pdf", content=big).status_code for i in range(4)]
    assert codes[:3] == [201, 201, 201] and codes[3] == 413, codes  # the test stack allows 3 MB per entry
    r = author.post(f"{up}?filename=lon-x.pdf", content=big)
    assert "3 MB" in r.json()["errors"]["attachments"]
    other = author.post(f"/submission/api/contests/{cid}/entries", json=initiative()).json()["entry_id"]
    up2 = f"/submission/api/entries/{other}/attachments"
    codes = [author.post(f"{up2}?filename=nua-{i}.pdf", content=big).status_code for i in range(3)]
    assert 413 in codes, codes  # ...and 5 MB per account
    assert "5 MB" in author.post(f"{up2}?filename=y.pdf", content=big).json()["errors"]["attachments"]


def test_a_participant_keeps_a_bounded_number_of_entries_open_per_contest(gateway: str, organiser: Api) -> None:
    cid = organiser.post("/submission/api/contests", json=contest_body()).json()["contest_id"]
    author, _ = new_participant(gateway)
    ids = [author.post(f"/submission/api/contests/{cid}/entries", json=initiative()) for _ in range(10)]
    assert [r.status_code for r in ids] == [201] * 10
    r = author.post(f"/submission/api/contests/{cid}/entries", json=initiative())
    assert r.status_code == 409 and "tối đa 10" in r.json()["errors"]["_"]
    submitted = ids[0].json()["entry_id"]
    assert author.post(f"/submission/api/entries/{submitted}/submit").status_code == 200
    assert author.post(f"/submission/api/entries/{submitted}/withdraw").status_code == 200
    assert author.post(f"/submission/api/contests/{cid}/entries", json=initiative()).status_code == 201
    other, _ = new_participant(gateway)
    assert other.post(f"/submission/api/contests/{cid}/entries", json=initiative()).status_code == 201
