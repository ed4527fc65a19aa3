"""Submission's use cases in process, over in-memory repositories: contests set up and changed
with their events, a participant's draft, edits, submission and withdrawal, quotas and the
attachment rules, screening with the blind and the named events, judges' files, statuses from
the others, and stale writes refused. No server: seconds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fpdf import FPDF

from services.submission.fingerprints import Fingerprints
from services.submission.memory_repositories import memory_repositories
from services.submission.quotas import EntryQuota
from services.submission.repositories import SubmissionRepositories
from services.submission.screening import Screening
from services.submission.service import SubmissionService
from services.submission.settings import SubmissionSettings
from shared.auth import Principal
from shared.envelope import EventPayload, payload_class
from shared.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge, Unsupported
from shared.events.authors import EntryAuthorsRecorded
from shared.events.contests import ContestClosed, ContestDeadlineExtended, ContestOpened, ContestUpdated
from shared.events.entries import EntryBecameEligible, EntryWithdrawnFromJudging
from shared.events.judging import RoundClosed
from shared.events.statuses import EntryStatusChanged
from shared.memory_outbox import MemoryOutbox
from shared.unit_copy import UnitCopy

from .test_initiative_form import complete_fields

MB = 1024 * 1024
ORGANISER = Principal(account_id="org", email="btc@sonoivu.example", full_name="Ban Tổ chức", unit="Sở Nội vụ",
                      roles=frozenset({"organiser"}))
AUTHOR = Principal(account_id="p1", email="tacgia@tanhoa.example", full_name="Nguyễn Thị Lan",
                   unit="UBND xã Tân Hòa", roles=frozenset({"participant"}))
OTHER = Principal(account_id="p2", email="khac@tanhoa.example", full_name="Trần Văn Bình", unit="UBND xã Tân Hòa",
                  roles=frozenset({"participant"}))
JUDGE = Principal(account_id="j1", email="giamkhao@demo.example", full_name="Giám khảo 1", unit="Sở Tư pháp",
                  roles=frozenset({"judge"}))


def contest_data(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    data: dict[str, Any] = {
        "code": "CCHC26", "name": "Sáng kiến cải cách hành chính 2026", "issuing_body": "Sở Nội vụ tỉnh Bắc Ninh",
        "description": "", "rules_text": "", "eligible_groups": [],
        "categories": [{"key": "thu_tuc_hanh_chinh", "name": "Thủ tục hành chính"},
                       {"key": "dich_vu_cong_truc_tuyen", "name": "Dịch vụ công trực tuyến"}],
        "opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=10), "max_coauthors": 3,
        "allowed_types": ["pdf", "png"], "max_file_mb": 1, "max_files": 2, "max_entries_per_participant": 2,
    }
    data.update(overrides)
    return data


def pdf(text: str = "Noi dung sang kien", pad: int = 0) -> bytes:
    doc = FPDF()
    doc.set_author(AUTHOR.full_name)
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(text=text)
    raw = bytes(doc.output())
    head, rest = raw.split(b"\n", 1)
    return head + b"\n%" + b"0" * pad + b"\n" + rest  # ``pad`` bytes more, still a PDF ending in %%EOF


@dataclass
class World:
    """The service and screening over in-memory repositories (``make_repos``: other ones, e.g.
    ``tests/integration/test_submission_repositories.py`` runs these scenarios on the store too)."""

    settings: SubmissionSettings = field(default_factory=lambda: SubmissionSettings(
        max_entry_file_bytes=3 * MB, max_account_file_bytes=4 * MB))
    outbox: MemoryOutbox = field(default_factory=MemoryOutbox)
    make_repos: Callable[[MemoryOutbox], SubmissionRepositories] = memory_repositories

    def __post_init__(self) -> None:
        self.repos = self.make_repos(self.outbox)
        self.quota = EntryQuota(self.repos.counters, flush_every=0.0)
        self.svc = SubmissionService(self.repos, self.settings, Fingerprints(self.repos.fingerprints), self.quota,
                                     UnitCopy(None))  # type: ignore[arg-type]  # an empty directory, never loaded
        self.screening = Screening(self.svc)

    def events(self) -> list[EventPayload]:
        """The events queued since the last look, as the relay would publish them."""
        return [payload_class(e.event_type).model_validate(e.payload) for e in self.outbox.take()]

    async def open_contest(self, **overrides: Any) -> str:
        c = await self.svc.create_contest(ORGANISER, contest_data(**overrides))
        self.outbox.take()
        return str(c["_id"])

    async def submitted(self, contest_id: str, user: Principal = AUTHOR, **fields: Any) -> str:
        e = await self.svc.save_draft(user, contest_id, None, complete_fields(**fields), submit=True)
        self.outbox.take()
        return str(e["_id"])

    async def close(self, contest_id: str) -> None:
        await self.svc.close_contest(contest_id)
        self.outbox.take()


@pytest.fixture
async def w() -> AsyncIterator[World]:
    world = World()
    yield world
    await world.quota.close()


def only(events: list[EventPayload], kind: type[EventPayload]) -> Any:
    found = [e for e in events if isinstance(e, kind)]
    assert len(found) == 1, events
    return found[0]


# ---------------------------------------------------------------- contests


async def test_a_contest_is_created_opened_changed_extended_and_closed_each_with_its_event(w: World) -> None:
    c = await w.svc.create_contest(ORGANISER, contest_data(status="draft"))
    created = only(w.events(), ContestUpdated)
    assert (created.status, created.revision, created.code) == ("draft", 1, "CCHC26")
    assert [x["_id"] for x in await w.svc.contests()] == []  # drafts are the organisers' own
    assert [x["_id"] for x in await w.svc.contests(include_drafts=True)] == [c["_id"]]

    opened = await w.svc.open_contest(ORGANISER, c["_id"])
    assert only(w.events(), ContestOpened).revision == opened["revision"] == 2

    changed = await w.svc.update_contest(ORGANISER, c["_id"], {**contest_data(name="Sáng kiến CCHC năm 2026"),
                                                                "opens_at": c["opens_at"], "closes_at": c["closes_at"]},
                                         expected_revision=2)
    ev = only(w.events(), ContestUpdated)
    assert (ev.name, ev.revision, changed["revision"]) == ("Sáng kiến CCHC năm 2026", 3, 3)

    later = c["closes_at"] + timedelta(days=3)
    await w.svc.extend_contest(ORGANISER, c["_id"], later, "Nhiều xã xin thêm thời gian do mưa bão")
    ext = only(w.events(), ContestDeadlineExtended)
    assert (ext.closes_at, ext.previous_closes_at, ext.revision) == (later, c["closes_at"], 4)
    assert ext.reason == "Nhiều xã xin thêm thời gian do mưa bão"

    closed = await w.svc.close_contest(c["_id"])
    ev_closed = only(w.events(), ContestClosed)
    assert ev_closed.status == closed["status"] == "closed" and ev_closed.revision == 5
    assert closed["closes_at"] <= datetime.now(UTC)
    with pytest.raises(Conflict):
        await w.svc.close_contest(c["_id"])
    assert w.events() == []  # a refused change queues nothing


async def test_contest_refusals_code_taken_stale_revision_and_rules(w: World) -> None:
    first = await w.svc.create_contest(ORGANISER, contest_data(), idempotency_key="k1")
    again = await w.svc.create_contest(ORGANISER, contest_data(), idempotency_key="k1")
    assert again["_id"] == first["_id"] and len(w.events()) == 1  # a retried creation creates nothing
    with pytest.raises(Conflict) as taken:
        await w.svc.create_contest(ORGANISER, contest_data(name="Một cuộc thi khác cùng mã"))
    assert set(taken.value.errors) == {"code"}
    with pytest.raises(Conflict):  # someone saved revision 1 meanwhile
        await w.svc.update_contest(ORGANISER, first["_id"], contest_data(), expected_revision=0)
    with pytest.raises(Invalid) as moved:  # an open contest's deadline moves only by extension
        await w.svc.update_contest(ORGANISER, first["_id"], contest_data(
            opens_at=first["opens_at"], closes_at=first["closes_at"] + timedelta(days=1)), expected_revision=1)
    assert set(moved.value.errors) == {"closes_at"}
    with pytest.raises(NotFound):
        await w.svc.contest("nope")
    assert w.events() == []


async def test_a_contest_write_that_lost_the_race_is_refused(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = await w.open_contest()
    read = w.repos.contests.get

    async def read_then_someone_saves(contest_id: str) -> Any:
        doc = await read(contest_id)
        assert doc is not None
        saved = await w.repos.contests.save(doc["revision"], {**doc, "revision": doc["revision"] + 1}, [])
        assert saved
        return doc

    monkeypatch.setattr(w.repos.contests, "get", read_then_someone_saves)
    with pytest.raises(Conflict):
        await w.svc.close_contest(cid)
    assert w.events() == []


# ---------------------------------------------------------------- a participant's entry


async def test_draft_edit_submit_and_withdraw(w: World) -> None:
    cid = await w.open_contest()
    draft = await w.svc.save_draft(AUTHOR, cid, None, {"title": "Một cửa điện tử", "category": "thu_tuc_hanh_chinh"})
    assert draft["status"] == "draft" and draft["code"].startswith("CCHC26")
    assert w.events() == []  # nobody else hears of a draft

    edited = await w.svc.save_draft(AUTHOR, cid, draft["_id"], complete_fields())
    assert [v["number"] for v in edited["versions"]] == [1, 2]
    unchanged = await w.svc.save_draft(AUTHOR, cid, draft["_id"], complete_fields())
    assert len(unchanged["versions"]) == 2  # the same text makes no version

    submitted = await w.svc.submit(AUTHOR, draft["_id"])
    ev = only(w.events(), EntryStatusChanged)
    assert (ev.status, ev.entry_id, ev.owner_account_id, ev.code) == ("submitted", draft["_id"], "p1", draft["code"])
    assert ev.title == complete_fields()["title"] and ev.category == "thu_tuc_hanh_chinh"
    assert submitted["status"] == "submitted"
    await w.svc.submit(AUTHOR, draft["_id"])
    assert w.events() == []  # submitting twice is harmless

    with pytest.raises(NotFound):  # someone else's entry does not exist for them
        await w.svc.withdraw(OTHER, draft["_id"])
    await w.svc.withdraw(AUTHOR, draft["_id"])
    gone = only(w.events(), EntryStatusChanged)
    assert (gone.status, gone.code) == ("withdrawn", draft["code"])
    mine = await w.svc.my_entries(AUTHOR)
    assert [(e["_id"], e["status"]) for e in mine] == [(draft["_id"], "withdrawn")] and "versions" not in mine[0]
    history = w.repos.entries.docs[draft["_id"]]["history"]  # type: ignore[attr-defined]
    assert [h["status"] for h in history] == ["draft", "submitted", "withdrawn"]


async def test_an_incomplete_entry_is_not_submitted_and_receipt_codes_are_unique(w: World) -> None:
    cid = await w.open_contest(max_entries_per_participant=5)
    with pytest.raises(Invalid) as incomplete:
        await w.svc.save_draft(AUTHOR, cid, None, {"title": "Chỉ có tên"}, submit=True)
    assert "solution" in incomplete.value.errors
    codes = {(await w.svc.save_draft(AUTHOR, cid, None, {"title": f"Bản nháp {n}"}))["code"] for n in range(3)}
    assert len(codes) == 3
    entry_id = await w.submitted(cid)
    with pytest.raises(Invalid):  # a submitted entry may be edited, never made incomplete
        await w.svc.save_draft(AUTHOR, cid, entry_id, complete_fields(solution=""))
    assert w.events() == []


async def test_a_creation_retried_with_its_key_continues_the_first(w: World) -> None:
    cid = await w.open_contest()
    first = await w.svc.save_draft(AUTHOR, cid, None, {"title": "Bản nháp"}, idempotency_key="tab-1")
    again = await w.svc.save_draft(AUTHOR, cid, None, complete_fields(), submit=True, idempotency_key="tab-1")
    assert again["_id"] == first["_id"] and again["status"] == "submitted"
    assert len(w.repos.entries.docs) == 1  # type: ignore[attr-defined]
    assert only(w.events(), EntryStatusChanged).entry_id == first["_id"]


async def test_a_stale_edit_is_refused(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = await w.open_contest()
    entry_id = await w.submitted(cid)
    read = w.repos.entries.own

    async def read_then_another_tab_saves(eid: str, owner_id: str) -> Any:
        doc = await read(eid, owner_id)
        assert doc is not None
        saved = await w.repos.entries.save_text(doc, doc["fields"], doc["fields_hash"], doc["versions"],
                                                datetime.now(UTC))
        assert saved
        return doc

    monkeypatch.setattr(w.repos.entries, "own", read_then_another_tab_saves)
    with pytest.raises(Conflict):
        await w.svc.save_draft(AUTHOR, cid, entry_id, complete_fields(title="Tên đã sửa"))
    with pytest.raises(Conflict):
        await w.svc.withdraw(AUTHOR, entry_id)
    stored = w.repos.entries.docs[entry_id]  # type: ignore[attr-defined]
    assert stored["status"] == "submitted" and stored["fields"]["title"] == complete_fields()["title"]
    assert w.events() == []


async def test_entries_per_participant_quota_and_a_withdrawal_frees_a_place(w: World) -> None:
    cid = await w.open_contest(max_entries_per_participant=2)
    first = await w.submitted(cid)
    await w.submitted(cid, title="Sáng kiến thứ hai")
    with pytest.raises(Conflict) as full:
        await w.svc.save_draft(AUTHOR, cid, None, {"title": "Thứ ba"})
    assert set(full.value.errors) == {"_"}
    await w.svc.save_draft(OTHER, cid, None, {"title": "Của người khác"})  # the quota is per participant
    await w.svc.withdraw(AUTHOR, first)
    await w.svc.save_draft(AUTHOR, cid, None, {"title": "Thứ ba"})
    await w.quota.flush()
    await w.quota.flush()  # as the service does with the next change, if the store refused the first (FerretDB)
    assert await w.repos.counters.value(EntryQuota.key(AUTHOR.account_id, cid)) == 2


async def test_my_entries_newest_first_and_the_organisers_counts(w: World) -> None:
    cid = await w.open_contest(max_entries_per_participant=5)
    first = await w.submitted(cid)
    await asyncio.sleep(0.002)  # apart by more than the millisecond a stored time keeps
    second = await w.submitted(cid, title="Dịch vụ công trực tuyến cho hộ kinh doanh",
                               category="dich_vu_cong_truc_tuyen")
    await asyncio.sleep(0.002)
    third = await w.submitted(cid, user=OTHER, author_unit="UBND phường Đông Ngàn")
    await asyncio.sleep(0.002)
    draft = await w.svc.save_draft(AUTHOR, cid, None, {"title": "Còn đang viết"})
    await w.svc.withdraw(OTHER, third)
    assert [e["_id"] for e in await w.svc.my_entries(AUTHOR)] == [draft["_id"], second, first]
    counts = await w.svc.counts(cid)
    assert counts["status"] == {"submitted": 2, "withdrawn": 1}  # drafts are nobody's business yet
    assert counts["category"] == {"thu_tuc_hanh_chinh": 1, "dich_vu_cong_truc_tuyen": 1}
    assert counts["unit"] == {complete_fields()["author_unit"]: 2}  # a withdrawn entry counts no more


async def test_entries_wait_for_the_window(w: World) -> None:
    now = datetime.now(UTC)
    cid = await w.open_contest(opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=5))
    with pytest.raises(Conflict):
        await w.svc.save_draft(AUTHOR, cid, None, {"title": "Quá sớm"})
    assert w.repos.entries.docs == {}  # type: ignore[attr-defined]


# ---------------------------------------------------------------- attachments


async def test_attachment_rules_are_refused_with_their_kind(w: World) -> None:
    cid = await w.open_contest()
    entry_id = await w.submitted(cid)
    with pytest.raises(Unsupported):
        await w.svc.add_attachment(AUTHOR, entry_id, "bang_tinh.xlsx", b"PK\x03\x04 not allowed here")
    with pytest.raises(Unsupported):  # the content is not what the name says
        await w.svc.add_attachment(AUTHOR, entry_id, "anh.png", pdf())
    with pytest.raises(TooLarge):
        await w.svc.add_attachment(AUTHOR, entry_id, "lon.pdf", pdf(pad=MB + 1))
    with pytest.raises(Invalid):
        await w.svc.add_attachment(AUTHOR, entry_id, "rong.pdf", b"")
    await w.svc.add_attachment(AUTHOR, entry_id, "mot.pdf", pdf("Mot"))
    await w.svc.add_attachment(AUTHOR, entry_id, "hai.pdf", pdf("Hai"))
    with pytest.raises(Invalid) as count:
        await w.svc.add_attachment(AUTHOR, entry_id, "ba.pdf", pdf("Ba"))
    assert set(count.value.errors) == {"attachments"}
    assert len(w.repos.files.docs) == 2  # type: ignore[attr-defined]


async def test_attachment_bytes_count_against_the_entry_and_the_account(w: World) -> None:
    cid = await w.open_contest(max_files=10, max_entries_per_participant=5)
    big = 900 * 1024
    entry_id = await w.submitted(cid)
    for n in range(3):
        await w.svc.add_attachment(AUTHOR, entry_id, f"tep{n}.pdf", pdf(f"Tep {n}", pad=big))
    with pytest.raises(TooLarge) as entry_full:  # 3 MB per entry
        await w.svc.add_attachment(AUTHOR, entry_id, "tep3.pdf", pdf("Tep 3", pad=big))
    assert set(entry_full.value.errors) == {"attachments"}
    second = await w.submitted(cid, title="Sáng kiến thứ hai")
    await w.svc.add_attachment(AUTHOR, second, "a.pdf", pdf("A", pad=big))
    with pytest.raises(TooLarge):  # 4 MB per account
        await w.svc.add_attachment(AUTHOR, second, "b.pdf", pdf("B", pad=big))
    used = await w.repos.counters.value(f"bytes:{AUTHOR.account_id}")
    assert used == sum(f["size"] for f in w.repos.files.docs.values())  # type: ignore[attr-defined]


async def test_a_removed_file_stays_while_a_version_lists_it_and_a_retried_upload_is_one_file(w: World) -> None:
    cid = await w.open_contest()
    entry_id = await w.submitted(cid)
    ref = await w.svc.add_attachment(AUTHOR, entry_id, "Báo cáo của Lan.pdf", pdf(), idempotency_key="up-1")
    again = await w.svc.add_attachment(AUTHOR, entry_id, "Báo cáo của Lan.pdf", pdf(), idempotency_key="up-1")
    assert again["file_id"] == ref["file_id"] and len(w.repos.files.docs) == 1  # type: ignore[attr-defined]
    await w.svc.remove_attachment(AUTHOR, entry_id, ref["file_id"])
    entry = await w.svc.own_entry(AUTHOR, entry_id)
    assert entry["attachments"] == [] and ref["file_id"] in w.repos.files.docs  # type: ignore[attr-defined]
    assert [len(v["attachments"]) for v in entry["versions"]] == [0, 1, 0]
    with pytest.raises(NotFound):
        await w.svc.remove_attachment(AUTHOR, entry_id, ref["file_id"])
    assert (await w.svc.attachment(AUTHOR, ref["file_id"]))["filename"] == ref["filename"]
    with pytest.raises(NotFound):  # another participant is told it does not exist
        await w.svc.attachment(OTHER, ref["file_id"])


async def test_an_upload_no_entry_lists_is_swept(w: World) -> None:
    cid = await w.open_contest()
    entry_id = await w.submitted(cid)
    kept = await w.svc.add_attachment(AUTHOR, entry_id, "mot.pdf", pdf())
    await w.repos.files.add({"_id": "orphan", "entry_id": entry_id, "owner_id": "p1", "data": b"x", "size": 1,
                             "created_at": datetime.now(UTC) - timedelta(hours=1)})
    assert await w.svc.remove_orphan_files(datetime.now(UTC) - timedelta(minutes=30)) == 1
    assert await w.svc.remove_orphan_files(datetime.now(UTC) + timedelta(minutes=1)) == 0  # the listed one stays
    assert set(w.repos.files.docs) == {kept["file_id"]}  # type: ignore[attr-defined]


# ---------------------------------------------------------------- screening


async def test_screening_eligible_sends_the_blind_entry_and_the_authors_apart(w: World) -> None:
    cid = await w.open_contest()
    entry_id = await w.submitted(cid)
    await w.svc.add_attachment(AUTHOR, entry_id, "Báo cáo của Lan.pdf", pdf())
    with pytest.raises(Conflict):  # only after the deadline
        await w.screening.decide(ORGANISER, entry_id, True, "")
    await w.close(cid)
    queue = await w.screening.queue(cid)
    assert [e["_id"] for e in queue] == [entry_id] and queue[0]["similar"] == []

    decided = await w.screening.decide(ORGANISER, entry_id, True, "")
    assert decided["status"] == "eligible"
    events = w.events()
    status = only(events, EntryStatusChanged)
    assert (status.status, status.owner_account_id, status.code) == ("eligible", "p1", decided["code"])
    blind = only(events, EntryBecameEligible)
    named = only(events, EntryAuthorsRecorded)
    wire = blind.model_dump_json()
    for name in [AUTHOR.full_name, *(c["full_name"] for c in complete_fields()["co_authors"])]:
        assert name not in wire  # judges never learn who wrote it
    assert "Lan" not in blind.attachments[0].filename and blind.attachments[0].download_path.startswith(
        "/submission/api/judge-files/")
    assert blind.conflict_unit and blind.version == 2
    assert [a.full_name for a in named.authors[:1]] == [AUTHOR.full_name] and len(named.authors) == 3
    assert named.owner_account_id == "p1"
    with pytest.raises(Conflict):  # decided once
        await w.screening.decide(ORGANISER, entry_id, True, "")
    assert w.events() == []


async def test_screening_ineligible_needs_a_reason_and_can_be_asked_to_look_again(w: World) -> None:
    cid = await w.open_contest()
    entry_id = await w.submitted(cid)
    await w.close(cid)
    with pytest.raises(Invalid) as no_reason:
        await w.screening.decide(ORGANISER, entry_id, False, "sai")
    assert set(no_reason.value.errors) == {"reason"}
    await w.screening.decide(ORGANISER, entry_id, False, "Trùng với sáng kiến năm trước")
    ev = only(w.events(), EntryStatusChanged)
    assert (ev.status, ev.reason) == ("ineligible", "Trùng với sáng kiến năm trước")

    await w.screening.request_review(AUTHOR, entry_id, "Sáng kiến của tôi khác về phạm vi áp dụng")
    with pytest.raises(Conflict):
        await w.screening.request_review(AUTHOR, entry_id, "Hỏi lần nữa")
    reinstated = await w.screening.decide(ORGANISER, entry_id, True, "Đã xem lại: phạm vi khác")
    assert reinstated["status"] == "eligible" and "review_request" not in w.repos.entries.docs[entry_id]  # type: ignore[attr-defined]
    assert sorted(e.event_type for e in w.events()) == ["EntryAuthorsRecorded", "EntryBecameEligible",
                                                         "EntryStatusChanged"]

    await w.screening.decide(ORGANISER, entry_id, False, "Phát hiện sao chép muộn")  # a copy found late
    revoked = w.events()
    assert only(revoked, EntryWithdrawnFromJudging).reason == "ineligible"
    history = w.repos.entries.docs[entry_id]["history"]  # type: ignore[attr-defined]
    assert [h["status"] for h in history] == ["draft", "submitted", "ineligible", "review_requested", "eligible",
                                              "ineligible"]
    assert history[-1]["correction"] is True and history[-1]["previous"] == "eligible"


async def test_no_reinstatement_once_the_first_round_closed(w: World) -> None:
    cid = await w.open_contest()
    entry_id = await w.submitted(cid)
    await w.close(cid)
    await w.screening.decide(ORGANISER, entry_id, False, "Không đúng lĩnh vực")
    await w.screening.on_round_closed(cid, 1)
    with pytest.raises(Conflict):
        await w.screening.decide(ORGANISER, entry_id, True, "Xem lại lĩnh vực")
    await w.screening.on_round_reopened(cid, 1)
    await w.screening.decide(ORGANISER, entry_id, True, "Xem lại lĩnh vực")


async def test_near_copies_are_flagged_across_contests(w: World) -> None:
    old = await w.open_contest(code="CCHC25")
    copied = await w.submitted(old)
    await w.close(old)
    cid = await w.open_contest()
    entry_id = await w.submitted(cid, user=OTHER)
    await w.close(cid)
    [row] = await w.screening.queue(cid)
    assert row["_id"] == entry_id and [s["entry_id"] for s in row["similar"]] == [copied]
    side = await w.screening.compare(entry_id, copied)
    assert side["b"]["contest_name"] == contest_data()["name"]


# ---------------------------------------------------------------- judges' files and the others' statuses


async def test_a_judge_gets_a_reviewed_entrys_file_without_its_metadata(w: World) -> None:
    cid = await w.open_contest()
    entry_id = await w.submitted(cid)
    ref = await w.svc.add_attachment(AUTHOR, entry_id, "Báo cáo của Lan.pdf", pdf())
    with pytest.raises(NotFound):  # not in judging yet
        await w.svc.judge_attachment(ref["file_id"], entry_id, JUDGE)
    await w.close(cid)
    await w.screening.decide(ORGANISER, entry_id, True, "")
    with pytest.raises(Forbidden):
        await w.svc.judge_attachment(ref["file_id"], entry_id, JUDGE)
    await w.svc.on_reviewers(entry_id, 1, [JUDGE.account_id])
    served = await w.svc.judge_attachment(ref["file_id"], entry_id, JUDGE)
    assert served["filename"] == "Tệp đính kèm 1.pdf" and AUTHOR.full_name.encode() not in bytes(served["data"])
    assert ref["file_id"] in w.repos.files.blind_copies  # type: ignore[attr-defined]


async def test_statuses_from_judging_and_awards_only_move_forward_and_the_outcome_shows(w: World) -> None:
    cid = await w.open_contest()
    entry_id = await w.submitted(cid)
    await w.close(cid)
    await w.screening.decide(ORGANISER, entry_id, True, "")
    await w.svc.apply_external_status(entry_id, "under_review")
    await w.svc.apply_external_status(entry_id, "scored")
    await w.svc.apply_external_status(entry_id, "under_review")  # late: never back
    assert w.repos.entries.docs[entry_id]["status"] == "scored"  # type: ignore[attr-defined]
    await w.svc.on_round_closed(RoundClosed(contest_id=cid, round_no=1, final_round=True, scored_entries=[entry_id],
                                            totals={entry_id: 81.5},
                                            advancing=[entry_id], advance_top_n=None, advance_min_total=None))
    await w.svc.apply_external_status(entry_id, "awarded", {"result": {"rank": 1, "tier": "Giải Nhất", "total": 81.5}})
    assert (await w.svc.my_entries(AUTHOR))[0].get("outcome") is None  # not announced yet
    await w.svc.on_announced(cid)
    [mine] = await w.svc.my_entries(AUTHOR)
    assert mine["status"] == "awarded" and mine["result"]["tier"] == "Giải Nhất" and mine["outcome"] is not None
    await w.svc.apply_external_status("unknown", "scored")  # an entry it never had: nothing happens
