"""Awards' use cases in process, over in-memory repositories: results arriving from judging, the
ranking, prize allocation, overrides, approval and the announcement with its event, and the
refusals on the way. One test runs judging and awards together, each reading the other's
events from its outbox as the relay and the consumers would carry them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.awards.memory_repositories import memory_repositories
from services.awards.publication import Publication
from services.awards.service import AwardsService
from services.awards.settings import AwardsSettings
from shared.auth import Principal
from shared.envelope import EventPayload, payload_class
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events.authors import Author, EntryAuthorsRecorded
from shared.events.awards import ResultsAnnounced
from shared.events.contests import Category, ContestOpened
from shared.events.judging import (
    CriterionDef,
    EntryRoundScored,
    JudgeSheet,
    JudgingClosed,
    JudgingSetupChanged,
    RoundReopened,
    RoundSetup,
)
from shared.events.statuses import EntryStatusChanged
from shared.memory_outbox import MemoryOutbox
from shared.unit_copy import UnitCopy

T0 = datetime(2026, 3, 1, tzinfo=UTC)
PRIZES: dict[str, Any] = {
    "tiers": [{"key": "first", "name": "Giải Nhất", "count": 1, "prize_vnd": 10_000_000, "min_score": 70},
              {"key": "second", "name": "Giải Nhì", "count": 1, "prize_vnd": 5_000_000, "min_score": 60}],
    "tie_break": ["criterion:effectiveness", "submitted_at"]}
CRITERIA = [CriterionDef(key="novelty", name="Tính mới", max_points=30, weight=1, required=True),
            CriterionDef(key="effectiveness", name="Tính hiệu quả", max_points=70, weight=1, required=True)]
OWNER = Principal(account_id="p1", email="tacgia1@demo.example", full_name="Tác giả 1", unit="UBND xã A",
                  roles=frozenset({"participant"}))
STRANGER = Principal(account_id="p9", email="tacgia9@demo.example", full_name="Người khác", unit="",
                     roles=frozenset({"participant"}))


@dataclass
class Awards:
    settings: AwardsSettings = field(default_factory=AwardsSettings)
    outbox: MemoryOutbox = field(default_factory=MemoryOutbox)

    def __post_init__(self) -> None:
        self.repos = memory_repositories(self.outbox)
        self.svc = AwardsService(self.repos, self.settings)
        self.pub = Publication(self.repos, self.settings, UnitCopy(None))  # type: ignore[arg-type]  # no directory

    async def event(self, *payloads: EventPayload) -> None:
        """Hand events to the use cases ``consumers.py`` routes them to (statuses as one run)."""
        svc = self.svc
        statuses = [p for p in payloads if isinstance(p, EntryStatusChanged)]
        if statuses:
            await svc.on_statuses(statuses, [f"ev-{p.entry_id}-{p.status}-{p.at.isoformat()}" for p in statuses])
        for p in payloads:
            match p:
                case ContestOpened():
                    await svc.on_contest(p)
                case EntryAuthorsRecorded():
                    await svc.on_authors(p)
                case EntryRoundScored():
                    await svc.on_scored(p)
                case JudgingClosed():
                    await svc.on_judging_closed(p)
                case RoundReopened():
                    await svc.on_round_reopened(p)
                case JudgingSetupChanged():
                    await svc.on_judging_setup(p)
                case EntryStatusChanged():
                    pass
                case _:
                    raise AssertionError(f"awards does not hear {p.event_type}")


def contest_opened(revision: int = 1) -> ContestOpened:
    return ContestOpened(contest_id="c1", code="CCHC-2026", name="Sáng kiến CCHC 2026",
                         issuing_body="Sở Nội vụ tỉnh Bắc Ninh", categories=[Category(key="tthc", name="TTHC")],
                         opens_at=T0, closes_at=T0 + timedelta(days=30), status="closed", max_coauthors=5,
                         revision=revision)


def authors(entry_id: str, minutes: int = 0, owner: str = "") -> EntryAuthorsRecorded:
    return EntryAuthorsRecorded(entry_id=entry_id, contest_id="c1", code=f"CCHC-{entry_id.upper()}",
                                owner_account_id=owner or f"owner-{entry_id}", title=f"Sáng kiến {entry_id}",
                                category="tthc", unit="UBND xã A", summary="Tóm tắt",
                                authors=[Author(full_name=f"Tác giả {entry_id}", unit="UBND xã A")],
                                submitted_at=T0 + timedelta(minutes=minutes))


def scored(entry_id: str, total: float, round_no: int = 1, final: bool = True) -> EntryRoundScored:
    novelty = min(30.0, total / 3)
    sheet = {"novelty": novelty, "effectiveness": total - novelty}
    return EntryRoundScored(contest_id="c1", entry_id=entry_id, round_no=round_no, final_round=final,
                            rubric_version=1, criteria=CRITERIA,
                            sheets=[JudgeSheet(judge="G1", scores=sheet, total=total),
                                    JudgeSheet(judge="G2", scores=sheet, total=total)],
                            mean_total=total, trimmed_mean=None, official_total=total,
                            criterion_means=sheet, disagreement=False)


def status(entry_id: str, value: str, minutes: int) -> EntryStatusChanged:
    return EntryStatusChanged(entry_id=entry_id, contest_id="c1", category="tthc", unit="UBND xã A",
                              status=value, at=T0 + timedelta(days=31, minutes=minutes))  # type: ignore[arg-type]


def closed(*entries: str, round_no: int = 1) -> JudgingClosed:
    return JudgingClosed(contest_id="c1", round_no=round_no, rubric_version=1, entries=list(entries),
                         standardised=False)


async def judged(totals: dict[str, float], *, close: bool = True) -> Awards:
    """Awards after a contest, its entries' authors and their final results arrived."""
    a = Awards()
    await a.event(contest_opened())
    await a.event(*(authors(e, n, owner="p1" if n == 0 else "") for n, e in enumerate(totals)))
    await a.event(*(status(e, "eligible", n) for n, e in enumerate(totals)))
    await a.event(*(scored(e, t) for e, t in totals.items()))
    if close:
        await a.event(closed(*totals))
    return a


async def test_the_ranking_is_provisional_until_judging_closes_and_no_prize_is_allocated_before() -> None:
    a = await judged({"e1": 80.0, "e2": 90.0, "e3": 65.0}, close=False)
    ranked, docs = await a.svc.ranking("c1")
    assert [r.entry_id for r in ranked] == ["e2", "e1", "e3"] and docs["e2"]["round_no"] == 1
    with pytest.raises(Conflict, match="chưa kết thúc"):
        await a.svc.proposal("c1")
    await a.event(closed("e1", "e2", "e3"))
    with pytest.raises(Conflict, match="cơ cấu giải"):
        await a.svc.proposal("c1")
    with pytest.raises(NotFound):
        await a.svc.ranking("nope")


async def test_the_prize_structure_is_validated_field_by_field() -> None:
    a = await judged({"e1": 80.0})
    bad = {"tiers": [{**PRIZES["tiers"][0], "category": "khong-co"}, {**PRIZES["tiers"][1], "count": 0}],
           "tie_break": ["criterion:khong-co"]}
    with pytest.raises(Invalid) as refused:
        await a.svc.set_prizes("c1", bad, "Ban Tổ chức")
    assert {"tiers.0.category", "tie_break"} <= set(refused.value.errors)
    assert await a.svc.set_prizes("c1", PRIZES, "Ban Tổ chức") == PRIZES
    [row] = (await a.svc.contest("c1"))["audit"]
    assert row["action"] == "prizes_set" and row["facts"] == {"tiers": 2, "late": True}


async def test_the_proposal_waits_for_every_listed_result_and_then_allocates_by_rank_and_minimum() -> None:
    a = await judged({"e1": 80.0, "e2": 90.0, "e3": 65.0, "e4": 50.0}, close=False)
    await a.event(closed("e1", "e2", "e3", "e4", "e5"))  # e5's result has not arrived yet
    await a.svc.set_prizes("c1", PRIZES, "Ban Tổ chức")
    waiting = await a.svc.proposal("c1")
    assert waiting.waiting == ["e5"] and not waiting.ready
    with pytest.raises(Conflict, match="Đang chờ"):
        await a.svc.approve("c1", "00", "Ban Tổ chức", "org")
    await a.event(authors("e5", 9), scored("e5", 55.0))
    await a.event(scored("e5", 55.0))  # a redelivered result changes nothing
    p = await a.svc.proposal("c1")
    assert p.ready and p.allocation is not None and len(p.result_hash) == 64
    awards = {r.entry_id: (a_.tier.key if (a_ := p.allocation.award_for(r.entry_id)) else None)
              for r in p.allocation.ranking}
    assert awards == {"e2": "first", "e1": "second", "e3": None, "e5": None, "e4": None}


async def test_override_approve_and_announce_emit_results_announced_once() -> None:
    a = await judged({"e1": 80.0, "e2": 90.0, "e3": 65.0})
    await a.svc.set_prizes("c1", PRIZES, "Ban Tổ chức")
    with pytest.raises(Invalid) as short:
        await a.svc.add_override("c1", "e3", "second", None, "ngắn", "Ban Tổ chức")
    assert "reason" in short.value.errors
    with pytest.raises(Invalid):
        await a.svc.add_override("c1", "e9", None, None, "Không có trong danh sách", "Ban Tổ chức")
    before = (await a.svc.proposal("c1")).result_hash
    await a.svc.add_override("c1", "e1", None, None, "Vi phạm cam kết về tính mới", "Ban Tổ chức")
    p = await a.svc.ready_proposal("c1")
    assert p.result_hash != before and p.allocation is not None and p.allocation.award_for("e1") is None

    with pytest.raises(Conflict, match="phê duyệt"):
        await a.svc.announce("c1", "Ban Tổ chức")
    with pytest.raises(Conflict, match="thay đổi"):
        await a.svc.approve("c1", before, "Ban Tổ chức", "org")
    approval = await a.svc.approve("c1", p.result_hash, "Ban Tổ chức", "org")
    assert approval["result_hash"] == p.result_hash
    # An override after the approval withdraws it: the result must be approved again.
    await a.svc.remove_override("c1", "e1", "Ban Tổ chức")
    assert "approval" not in await a.svc.contest("c1")
    with pytest.raises(Conflict):
        await a.svc.announce("c1", "Ban Tổ chức")
    p = await a.svc.ready_proposal("c1")
    await a.svc.approve("c1", p.result_hash, "Ban Tổ chức", "org")
    a.outbox.take()
    out = await a.svc.announce("c1", "Ban Tổ chức")
    [event] = a.outbox.take()
    assert event.event_type == "ResultsAnnounced" and event.key == "c1"
    announced = ResultsAnnounced.model_validate(event.payload)
    assert announced.result_hash == out["result_hash"] == p.result_hash
    assert [(o.entry_id, o.rank, o.tier_key) for o in announced.outcomes] == [
        ("e2", 1, "first"), ("e1", 2, "second"), ("e3", 3, None)]
    with pytest.raises(Conflict, match="đã được công bố"):
        await a.svc.announce("c1", "Ban Tổ chức")
    with pytest.raises(Conflict, match="đã được công bố"):
        await a.svc.set_prizes("c1", PRIZES, "Ban Tổ chức")
    assert not a.outbox.take(), "a refused announcement writes no event"

    # A result judging sends afterwards is kept apart and never applied.
    await a.event(scored("e3", 99.0))
    [late] = await a.svc.late_scores("c1")
    assert late["_id"] == "e3" and "r1" in late["late_scores"]
    assert (await a.pub.announced("c1")).result["rows"][2]["official_total"] == 65.0


async def test_a_change_read_before_another_organisers_change_is_refused() -> None:
    a = await judged({"e1": 80.0, "e2": 90.0})
    stale = await a.svc.contest("c1")
    await a.svc.set_prizes("c1", PRIZES, "Người thứ nhất")
    assert not await a.repos.contests.revise(stale, {"prizes": {}}, {"action": "x"}, drop_approval=True)
    with pytest.raises(Conflict, match="người khác thay đổi"):
        await a.svc._revise(stale, {"prizes": {}}, {"action": "x"})
    assert (await a.svc.contest("c1"))["prizes"] == PRIZES


async def test_a_reopened_final_round_withdraws_the_approval_and_reopens_judging() -> None:
    a = await judged({"e1": 80.0, "e2": 90.0})
    await a.svc.set_prizes("c1", PRIZES, "Ban Tổ chức")
    p = await a.svc.ready_proposal("c1")
    await a.svc.approve("c1", p.result_hash, "Ban Tổ chức", "org")
    await a.event(RoundReopened(contest_id="c1", round_no=1, final_round=True, reason="Đóng nhầm", by="BTC"))
    c = await a.svc.contest("c1")
    assert not c["judging_closed"] and "approval" not in c and c["audit"][-1]["action"] == "round_reopened"
    with pytest.raises(Conflict, match="chưa kết thúc"):
        await a.svc.proposal("c1")


async def test_an_entry_found_ineligible_after_judging_leaves_the_result_and_a_correction_brings_it_back() -> None:
    a = await judged({"e1": 80.0, "e2": 90.0})
    await a.svc.set_prizes("c1", PRIZES, "Ban Tổ chức")
    await a.event(status("e2", "ineligible", 100))
    await a.event(status("e2", "eligible", 50))  # an older decision arriving late changes nothing
    p = await a.svc.ready_proposal("c1")
    assert p.allocation is not None and [r.entry_id for r in p.allocation.ranking] == ["e1"]
    await a.event(status("e2", "eligible", 200))
    p = await a.svc.ready_proposal("c1")
    assert p.allocation is not None and [r.entry_id for r in p.allocation.ranking] == ["e2", "e1"]


async def test_nothing_is_public_before_the_announcement_then_winners_and_certificates_are() -> None:
    a = await judged({"e1": 90.0, "e2": 80.0})
    await a.svc.set_prizes("c1", PRIZES, "Ban Tổ chức")
    p = await a.svc.ready_proposal("c1")
    await a.svc.approve("c1", p.result_hash, "Ban Tổ chức", "org")
    with pytest.raises(NotFound):
        await a.pub.announced("c1")
    assert (await a.pub.official("c1")).result_hash == p.result_hash, "organisers export the approved result"
    with pytest.raises(NotFound):
        await a.pub.certificate("e1", 0, OWNER)
    await a.svc.announce("c1", "Ban Tổ chức")
    off = await a.pub.announced("c1")
    tiers = await a.pub.winners(off)
    assert [(t["tier"]["key"], [w["entry_id"] for w in t["winners"]]) for t in tiers] == [
        ("first", ["e1"]), ("second", ["e2"])]
    assert [c["_id"] for c in await a.pub.announced_contests()] == ["c1"]
    with pytest.raises(Forbidden):
        await a.pub.certificate("e1", 0, STRANGER)
    mine = await a.pub.my_certificates(OWNER)
    assert [m["entry_id"] for m in mine] == ["e1"]
    code = a.pub.code_for("c1", "e1", 0)
    found = await a.pub.verify_code(code)
    assert found is not None and found["entry_code"] == "CCHC-E1" and found["tier_name"] == "Giải Nhất"
    stats = await a.pub.statistics(off.contest)
    assert stats["eligible"] == 2


async def test_the_checklist_follows_the_contest_and_keeps_judgings_newest_set_up() -> None:
    a = await judged({"e1": 80.0}, close=False)
    newer, older = T0 + timedelta(days=40), T0 + timedelta(days=35)
    for as_of, panel in ((newer, 5), (older, 3)):  # the older snapshot arrives last
        await a.event(JudgingSetupChanged(contest_id="c1", as_of=as_of, rubric_version=1, criteria=4, max_total=100,
                                          panel_chosen=True, panel_size=panel,
                                          rounds=[RoundSetup(round_no=1, judges_per_entry=2, released=True,
                                                             closed=False, final=True)]))
    assert (await a.svc.contest("c1"))["judging_setup"]["panel_size"] == 5
    steps = {s.key: s.state for s in await a.svc.checklist("c1")}
    assert "next" in steps.values() and all(v in ("done", "next", "todo", "warning", "blocked") for v in steps.values())


async def test_judging_and_awards_in_process_from_scores_to_the_announcement_and_back() -> None:
    from tests.unit.judging.world import World

    j = World()
    await j.judges("Đơn vị 1", "Đơn vị 2", "Đơn vị 3")
    await j.contest()
    await j.entries("Đơn vị 1", "Đơn vị 2", "Đơn vị 3")
    await j.svc.set_rounds("c1", [{"judges_per_entry": 2}], standardised=False, threshold=20.0)
    await j.svc.release_round("c1", 1, None, 3)
    for n, off in (("e1", 0.0), ("e2", 15.0), ("e3", 30.0)):
        await j.score_all(n, off={x: off for x in j.review_of(n)["judge_ids"]})
    await j.svc.close_round("c1", 1)

    a = Awards()
    await a.event(contest_opened(), *(authors(e, n) for n, e in enumerate(("e1", "e2", "e3"))))
    heard = {"EntryRoundScored", "JudgingClosed", "JudgingSetupChanged", "RoundReopened"}
    carried = [e for e in j.outbox.take() if e.event_type in heard]
    await a.event(*(payload_class(e.event_type).model_validate(e.payload) for e in carried))
    await a.svc.set_prizes("c1", PRIZES, "Ban Tổ chức")
    p = await a.svc.ready_proposal("c1")
    assert p.allocation is not None and [r.entry_id for r in p.allocation.ranking] == ["e1", "e2", "e3"]
    await a.svc.approve("c1", p.result_hash, "Ban Tổ chức", "org")
    await a.svc.announce("c1", "Ban Tổ chức")

    [announced] = a.outbox.payloads(ResultsAnnounced)
    await j.event(announced)
    with pytest.raises(Conflict, match="công bố"):
        await j.svc.reopen_round("c1", 1, "Sau khi công bố", Principal(
            account_id="org", email="", full_name="BTC", unit="", roles=frozenset({"organiser"})))
