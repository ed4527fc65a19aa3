"""Judging's use cases in process, over in-memory repositories: what a judge and an organiser
do, the events judging hears, and the events it writes with each change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.judging import views
from services.judging.core import MSG_CHANGED, MSG_CLOSED, MSG_FROZEN
from services.judging.memory_repositories import MemoryReviews
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from shared.events.awards import ResultsAnnounced
from shared.events.entries import EntryWithdrawnFromJudging
from shared.events.judging import (
    EntryReviewStarted,
    EntryRoundScored,
    JudgesReminded,
    JudgingClosed,
    JudgingSetupChanged,
    ReviewersChanged,
    RoundClosed,
    RoundReopened,
)
from tests.unit.judging.world import FULL, ORGANISER, World, scores

ONE_ROUND = [{"judges_per_entry": 2, "advance_top_n": None, "advance_min_total": None}]
TWO_ROUNDS = [{"judges_per_entry": 2, "advance_top_n": 2, "advance_min_total": None},
              {"judges_per_entry": 2, "advance_top_n": None, "advance_min_total": None}]


async def opened(rounds: list[dict[str, object]] = ONE_ROUND, judges: int = 4, entries: int = 3) -> World:
    """A contest with ``judges`` judges of distinct units, ``entries`` eligible entries (entry n
    from judge n's unit) and its rounds configured; nothing released yet."""
    w = World()
    await w.judges(*(f"Đơn vị {n}" for n in range(1, judges + 1)))
    await w.contest()
    await w.entries(*(f"Đơn vị {n}" for n in range(1, entries + 1)))
    await w.svc.set_rounds("c1", [dict(r) for r in rounds], standardised=False, threshold=20.0)
    return w


def crit(key: str, points: float) -> dict[str, object]:
    """A criterion as the API passes it on."""
    return {"key": key, "name": key.upper(), "description": "", "max_points": points, "weight": 1.0,
            "required": True}


def who(jid: str) -> Principal:
    return Principal(account_id=jid, email=f"{jid}@demo.example", full_name=jid, unit="", roles=frozenset({"judge"}))


async def test_a_released_round_gives_every_eligible_entry_its_judges_outside_its_unit() -> None:
    w = await opened()
    w.outbox.take()
    rnd = await w.svc.release_round("c1", 1, None, 7)
    assert rnd["k"] == 2 and rnd["released"] and not rnd["closed"]
    for n in (1, 2, 3):
        r = w.review_of(f"e{n}")
        assert len(r["judge_ids"]) == 2 and f"j{n}" not in r["judge_ids"], "never a judge of the entry's unit"
        assert set(r["sheets"]) == set(r["judge_ids"]) and r["rev"] == 0
    events = w.outbox.take()
    assert sorted(e.event_type for e in events) == ["EntryReviewStarted"] * 3 + ["JudgingSetupChanged"] + [
        "ReviewersChanged"] * 3
    started = w.outbox.payloads(EntryReviewStarted)
    assert {s.entry_id for s in started} == {"e1", "e2", "e3"} and all(s.judges == 2 for s in started)
    setup = w.outbox.payloads(JudgingSetupChanged)[-1]
    assert setup.rounds[0].released and setup.panel_size == 4 and not setup.panel_chosen
    assert (await w.svc.contest("c1"))["frozen"], "releasing freezes the set-up"
    with pytest.raises(Conflict, match=MSG_FROZEN):
        await w.svc.set_rubric("c1", [crit("x", 10)])

    # An entry that becomes eligible after the release is assigned on arrival, once.
    await w.event(w.eligible("e9", "Đơn vị 4"))
    await w.event(w.eligible("e9", "Đơn vị 4"))  # a redelivery changes nothing
    assert "j4" not in w.review_of("e9")["judge_ids"]
    assert [s.entry_id for s in w.outbox.payloads(EntryReviewStarted)].count("e9") == 1
    # Releasing again assigns nothing new (reviews that exist are never touched).
    before = {k: dict(v) for k, v in w.repos.reviews.docs.items()}  # type: ignore[attr-defined]
    await w.svc.release_round("c1", 1, None, 7)
    assert w.repos.reviews.docs == before  # type: ignore[attr-defined]


async def test_the_preview_is_reproducible_and_writes_nothing() -> None:
    w = await opened()
    a = await w.svc.preview("c1", 1, None, 11)
    b = await w.svc.preview("c1", 1, None, 11)
    assert a == b and len(a["entries"]) == 3 and sum(x["load"] for x in a["loads"]) == 6
    assert not w.repos.reviews.docs  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        await w.svc.preview("c1", 2, None, 11)


async def test_a_judge_declares_then_saves_a_draft_then_submits_and_the_last_sheet_publishes_the_result() -> None:
    w = await opened()
    await w.svc.release_round("c1", 1, None, 7)
    r = w.review_of("e1")
    first, second = (who(j) for j in sorted(r["judge_ids"]))
    with pytest.raises(Forbidden) as refused:
        await w.svc.review_for(first, r["_id"])
    assert refused.value.extra == {"declaration_required": True}
    with pytest.raises(NotFound):
        await w.svc.assigned(who("j1"), r["_id"]), "a judge not on the entry cannot even see it"
    await w.svc.declare(first, r["_id"])
    await w.svc.declare(first, r["_id"])  # twice: one declaration, one audit row
    assert [a["kind"] for a in w.review_of("e1")["audit"]] == ["declaration"]
    _, entry, _ = await w.svc.review_for(first, r["_id"])
    assert "conflict_unit" not in entry and entry["title"] == "Sáng kiến e1"

    with pytest.raises(Invalid) as bad:
        await w.svc.save_sheet(first, r["_id"], {"novelty": 31.0}, {"nope": "x"}, "", False)
    assert set(bad.value.errors) >= {"comment-nope"}
    draft = await w.svc.save_sheet(first, r["_id"], {"novelty": 20.0}, {"novelty": "Khá mới"}, "", False)
    assert draft["status"] == "draft"
    with pytest.raises(Invalid):
        await w.svc.save_sheet(first, r["_id"], {"novelty": 20.0}, {}, "", True), "a submission needs every score"
    w.outbox.take()
    await w.svc.save_sheet(first, r["_id"], scores(), {}, "Tốt", True)
    assert not w.outbox.take(), "no result before the last judge submits"

    await w.svc.declare(second, r["_id"])
    await w.svc.save_sheet(second, r["_id"], scores(10.0), {}, "", True)
    [scored] = w.outbox.payloads(EntryRoundScored)
    assert scored.entry_id == "e1" and scored.official_total == pytest.approx(73.0)
    assert [s.judge for s in scored.sheets] == ["G1", "G2"], "judges are pseudonyms outside judging"
    assert w.review_of("e1")["result"]["official_total"] == pytest.approx(73.0)
    # The same sheet again (a retry after a lost answer): no audit row, no second result.
    rows = len(w.review_of("e1")["audit"])
    await w.svc.save_sheet(second, r["_id"], scores(10.0), {}, "", True)
    assert len(w.review_of("e1")["audit"]) == rows and len(w.outbox.payloads(EntryRoundScored)) == 1
    # A submitted sheet can be revised (never emptied); the result is published again.
    with pytest.raises(Invalid):
        await w.svc.save_sheet(second, r["_id"], {}, {}, "", False)
    await w.svc.save_sheet(second, r["_id"], scores(20.0), {}, "", False)
    assert [s.official_total for s in w.outbox.payloads(EntryRoundScored)] == pytest.approx([73.0, 68.0])

    queue = await w.svc.queue(second)
    assert [q["entry_id"] for q in queue][-1] == "e1" and queue[-1]["status"] == "submitted"


async def test_a_sheet_read_before_another_write_is_refused_and_nothing_is_written() -> None:
    w = await opened()
    await w.svc.release_round("c1", 1, None, 7)
    r = w.review_of("e2")
    j = who(sorted(r["judge_ids"])[0])
    await w.svc.declare(j, r["_id"])

    class Interleaved(MemoryReviews):
        """An organiser pins a judge between the judge's read and write (another replica, or
        a write that does not take this process's lock)."""

        async def save_sheet(self, review: dict[str, object], *args: object, **kwargs: object) -> bool:
            current = self.docs[str(review["_id"])]
            assert await self.set_pins(current, [j.account_id], {"kind": "pinned"})
            return await super().save_sheet(review, *args, **kwargs)  # type: ignore[arg-type]

    racing = Interleaved(w.outbox)
    racing.docs = w.repos.reviews.docs  # type: ignore[attr-defined]
    object.__setattr__(w.repos, "reviews", racing)
    w.outbox.take()
    with pytest.raises(Conflict, match=MSG_CHANGED):
        await w.svc.save_sheet(j, r["_id"], scores(), {}, "", True)
    assert w.review_of("e2")["sheets"][j.account_id]["status"] == "assigned" and not w.outbox.take()


async def test_the_repository_compare_and_set_answers_whether_rev_matched() -> None:
    w = await opened()
    await w.svc.release_round("c1", 1, None, 7)
    reviews = w.repos.reviews
    r = await reviews.get("c1:1:e3")
    assert r is not None
    jid = r["judge_ids"][0]
    sheet = {"status": "draft", "scores": {}, "comments": {}, "overall": "", "updated_at": None}
    assert await reviews.save_sheet(r, jid, sheet, {"kind": "score"}, None, [])
    assert not await reviews.save_sheet(r, jid, sheet, {"kind": "score"}, None, []), "rev moved on: refused"
    fresh = await reviews.get("c1:1:e3")
    assert fresh is not None and fresh["rev"] == 1 and len(fresh["audit"]) == 1


async def test_a_withdrawn_entry_leaves_the_queues_and_a_save_in_flight_is_gone() -> None:
    w = await opened()
    await w.svc.release_round("c1", 1, None, 7)
    r = w.review_of("e3")
    j = who(r["judge_ids"][0])
    await w.svc.declare(j, r["_id"])
    await w.event(EntryWithdrawnFromJudging(entry_id="e3", contest_id="c1", reason="Tác giả rút"))
    assert all(q["entry_id"] != "e3" for q in await w.svc.queue(j))
    with pytest.raises(Gone):
        await w.svc.save_sheet(j, r["_id"], scores(), {}, "", True)
    # It never comes back to judging, even when its eligibility is announced again.
    await w.event(w.eligible("e3", "Đơn vị 3"))
    assert w.review_of("e3")["withdrawn"] and w.repos.entries.docs["e3"]["withdrawn"]  # type: ignore[attr-defined]


async def test_a_recusing_judge_is_replaced_at_once_and_stays_excluded() -> None:
    w = await opened(judges=5)
    await w.svc.release_round("c1", 1, None, 7)
    r = w.review_of("e1")
    leaving = who(r["judge_ids"][0])
    w.outbox.take()
    await w.svc.recuse(leaving, r["_id"], "Tôi quen tác giả")
    after = w.review_of("e1")
    assert leaving.account_id not in after["judge_ids"] and len(after["judge_ids"]) == 2
    assert "j1" not in after["judge_ids"] and after["excluded"] == [leaving.account_id]
    assert leaving.account_id not in after["sheets"]
    changed = [p for p in w.outbox.payloads(ReviewersChanged) if p.entry_id == "e1"][-1]
    assert changed.judge_ids == sorted(after["judge_ids"])
    with pytest.raises(NotFound):
        await w.svc.assigned(leaving, r["_id"])
    [taker] = set(after["judge_ids"]) - set(r["judge_ids"])
    [note] = [c for c in await w.svc.assignment_changes(who(taker)) if c["review_id"] == r["_id"]]
    assert note["change"] == "added" and note["why"] == "recusal", "the other judge's reason is never shown"

    # A judge who already submitted cannot recuse (the organiser voids instead).
    stayer = who(after["judge_ids"][0])
    await w.svc.declare(stayer, r["_id"])
    await w.svc.save_sheet(stayer, r["_id"], scores(), {}, "", True)
    with pytest.raises(Conflict):
        await w.svc.recuse(stayer, r["_id"], "Muộn rồi")


async def test_a_judge_who_leaves_loses_unscored_work_which_moves_to_the_rest_of_the_panel() -> None:
    w = await opened(judges=5)
    await w.svc.release_round("c1", 1, None, 7)
    mine = [x for x in w.repos.reviews.docs.values() if "j5" in x["judge_ids"]]  # type: ignore[attr-defined]
    assert mine
    [j5] = [who("j5")]
    await w.judge_leaves(j5)
    assert all("j5" not in x["judge_ids"] for x in w.repos.reviews.docs.values())  # type: ignore[attr-defined]
    assert all(len(x["judge_ids"]) == 2 for x in w.repos.reviews.docs.values())  # type: ignore[attr-defined]
    moved = w.review_of(mine[0]["entry_id"])["audit"][-1]
    assert moved["kind"] == "rebalance" and moved["note"] == "judge_left" and moved["removed"] == ["j5"]


async def test_a_panel_change_rebalances_open_work_and_an_impossible_one_is_undone() -> None:
    w = await opened(judges=5)
    await w.svc.release_round("c1", 1, None, 7)
    with pytest.raises(Invalid):
        await w.svc.set_panel("c1", ["j1", "nobody"])
    assert await w.svc.set_panel("c1", ["j1", "j2", "j3", "j4"]) == ["j1", "j2", "j3", "j4"]
    assert all("j5" not in x["judge_ids"] for x in w.repos.reviews.docs.values())  # type: ignore[attr-defined]
    judges = {j["_id"]: j["on_panel"] for j in await w.svc.active_judges(await w.svc.contest("c1"))}
    assert judges == {"j1": True, "j2": True, "j3": True, "j4": True, "j5": False}
    with pytest.raises(Conflict):
        await w.svc.set_panel("c1", ["j1"])  # one judge cannot give every entry two
    assert (await w.svc.contest("c1"))["panel"] == ["j1", "j2", "j3", "j4"], "the refused panel is undone"


async def test_two_rounds_close_with_results_the_next_takes_the_best_and_the_last_closes_judging() -> None:
    w = await opened(TWO_ROUNDS, judges=4, entries=3)
    await w.svc.release_round("c1", 1, None, 7)
    for n, off in (("e1", 0.0), ("e2", 20.0), ("e3", 10.0)):
        await w.score_all(n, off={j: off for j in w.review_of(n)["judge_ids"]})
    with pytest.raises(Conflict):
        await w.svc.release_round("c1", 2, None, 7), "round 2 waits for round 1's result"
    closed = await w.svc.close_round("c1", 1)
    assert closed["advancing"] == ["e1", "e3"] and closed["scored"] == ["e1", "e2", "e3"]
    [rc] = w.outbox.payloads(RoundClosed)
    assert rc.advancing == ["e1", "e3"] and rc.advance_top_n == 2 and not rc.final_round
    assert rc.totals == pytest.approx({"e1": 78.0, "e2": 58.0, "e3": 68.0})
    assert not w.outbox.payloads(JudgingClosed)
    with pytest.raises(Conflict):
        await w.svc.close_round("c1", 1)
    j = who(w.review_of("e2")["judge_ids"][0])
    with pytest.raises(Conflict, match=MSG_CLOSED):
        await w.svc.save_sheet(j, "c1:1:e2", scores(), {}, "", True)

    await w.svc.release_round("c1", 2, None, 7)
    assert {x["entry_id"] for x in w.repos.reviews.docs.values() if x["round_no"] == 2} == {  # type: ignore[attr-defined]
        "e1", "e3"}
    for n in ("e1", "e3"):
        await w.score_all(n, round_no=2)
    await w.svc.close_round("c1", 2)
    final = w.outbox.payloads(RoundClosed)[-1]
    [jc] = w.outbox.payloads(JudgingClosed)
    assert final.final_round and final.advancing == [] and jc.entries == ["e1", "e3"] and jc.round_no == 2
    assert (await w.svc.contest("c1"))["judging_status"] == "closed"
    kinds = [e.event_type for e in w.outbox.events]
    assert kinds.index("RoundClosed", kinds.index("JudgingClosed") - 1) < kinds.index("JudgingClosed"), \
        "the round's close precedes judging's"


async def test_a_round_closed_by_mistake_reopens_until_the_result_is_announced() -> None:
    w = await opened()
    await w.svc.release_round("c1", 1, None, 7)
    await w.score_all("e1")
    with pytest.raises(Conflict):
        await w.svc.reopen_round("c1", 1, "Chưa đóng mà", ORGANISER)
    await w.svc.close_round("c1", 1)
    await w.svc.reopen_round("c1", 1, "Đóng nhầm trước hạn", ORGANISER)
    [ro] = w.outbox.payloads(RoundReopened)
    assert ro.reason == "Đóng nhầm trước hạn" and ro.final_round and ro.by == "Ban Tổ chức"
    assert not w.review_of("e2")["closed"] and w.review_of("e2")["audit"][-1]["kind"] == "reopened"
    assert (await w.svc.contest("c1"))["judging_status"] == "scoring"
    await w.score_all("e2")
    await w.svc.close_round("c1", 1)
    assert w.outbox.payloads(RoundClosed)[-1].scored_entries == ["e1", "e2"]
    await w.event(ResultsAnnounced(contest_id="c1", announced_at=datetime.now(UTC), result_hash="ab" * 32,
                                   outcomes=[]))
    with pytest.raises(Conflict):
        await w.svc.reopen_round("c1", 1, "Sau khi công bố", ORGANISER)


async def test_an_organiser_voids_a_sheet_to_a_chosen_judge_and_the_result_is_published_again_once() -> None:
    w = await opened(judges=5)
    await w.svc.release_round("c1", 1, None, 7)
    await w.score_all("e1")
    assert len(w.outbox.payloads(EntryRoundScored)) == 1
    r = w.review_of("e1")
    gone = r["judge_ids"][0]
    candidates = (await w.svc.review_for_organiser(r["_id"]))["candidates"]
    allowed = [c["judge_id"] for c in candidates if not c["problem"]]
    assert "j1" not in allowed and allowed, "the entry's own unit is never a candidate"
    with pytest.raises(Invalid):
        await w.svc.void_sheet(r["_id"], gone, "Phát hiện xung đột", ORGANISER, to="j1")
    await w.svc.void_sheet(r["_id"], gone, "Phát hiện xung đột", ORGANISER, to=allowed[0])
    after = w.review_of("e1")
    assert allowed[0] in after["judge_ids"] and gone not in after["judge_ids"] and "result" not in after
    await w.score_all("e1")  # the stayer's sheet is unchanged: only the newcomer's counts as new
    assert len(w.outbox.payloads(EntryRoundScored)) == 2
    await w.svc.pin(r["_id"], allowed[0], True, ORGANISER)
    assert w.review_of("e1")["pinned"] == [allowed[0]]


async def test_the_set_up_is_validated_and_told_to_readers() -> None:
    w = await opened()
    with pytest.raises(Invalid) as bad:
        await w.svc.set_rounds("c1", [{"judges_per_entry": 2}, {"judges_per_entry": 2}], False, 20.0)
    assert "rounds.0.advance_top_n" in bad.value.errors
    with pytest.raises(Invalid):
        await w.svc.set_rubric("c1", [crit("a", 10)] * 2)  # duplicate keys
    rubric = await w.svc.set_rubric("c1", [crit("a", 60), crit("b", 40)])
    assert rubric["version"] == 2 and (await w.svc.contest("c1"))["rubric_history"][0]["version"] == 1
    deadline = await w.svc.set_deadline("c1", 1, datetime(2026, 5, 1))
    assert deadline is not None and deadline.tzinfo is UTC
    setup = w.outbox.payloads(JudgingSetupChanged)[-1]
    assert setup.rubric_version == 2 and setup.max_total == 100 and setup.rounds[0].deadline == deadline
    # An older contest snapshot (redelivered out of order) changes nothing.
    await w.event(w.contest_event(revision=0, name="Tên cũ"))
    assert (await w.svc.contest("c1"))["name"] == "Sáng kiến CCHC 2026"
    assert [c["_id"] for c in await w.svc.contest_list()] == ["c1"]


async def test_organisers_summaries_and_reminders_read_the_repositories() -> None:
    w = await opened()
    await w.svc.release_round("c1", 1, None, 7)
    await w.score_all("e1")
    await w.score_all("e2", off={j: 10.0 for j in w.review_of("e2")["judge_ids"]})
    j = who(w.review_of("e3")["judge_ids"][0])
    with pytest.raises(NotFound):
        await w.svc.remind("c1", "j9", ORGANISER, "")
    await w.svc.remind("c1", j.account_id, ORGANISER, "")
    assert (await w.svc.reminders_for(j))[0]["message"].startswith("Ban tổ chức nhắc")

    progress = await views.progress(w.svc, "c1")
    assert progress["round_no"] == 1 and progress["entries"] == 3 and progress["scored"] == 2
    assert progress["judges"][j.account_id]["reminders"] == 1

    # A double click or a retried request (same key) reminds and mails once; a new click again.
    sent = len(w.outbox.payloads(JudgesReminded))
    first = await w.svc.remind("c1", j.account_id, ORGANISER, "Sắp hết hạn", idempotency_key="click-0001")
    again = await w.svc.remind("c1", j.account_id, ORGANISER, "Sắp hết hạn", idempotency_key="click-0001")
    assert again == first and len(w.outbox.payloads(JudgesReminded)) == sent + 1
    await w.svc.remind("c1", j.account_id, ORGANISER, "Sắp hết hạn", idempotency_key="click-0002")
    assert len(w.outbox.payloads(JudgesReminded)) == sent + 2
    assert (await w.svc.repos.reminders.counts("c1"))[j.account_id] == 3
    calibration = await views.calibration_view(w.svc, "c1", 1)
    assert [r["entry_id"] for r in calibration["ranking"]] == ["e1", "e2"]
    audit = await views.audit(w.svc, "c1", "e1")
    assert {a["kind"] for a in audit} == {"declaration", "score"} and all(a["code"] == "CCHC-E1" for a in audit)
    assert FULL["novelty"] in {a["new"].get("novelty") for a in audit if a["kind"] == "score"}
