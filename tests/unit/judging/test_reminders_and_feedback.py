"""Judging's reminders and feedback in process: the schedule's rules (due once per round,
deadline and lead time; across a restart; a changed deadline; only judges with pending
sheets), the organiser's reminder, and the feedback released after the announcement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.judging.core import MSG_FROZEN
from services.judging.domain.feedback import anonymised_comments
from services.judging.domain.reminders import due, reminder_key
from services.judging.service import JudgingService
from shared.auth import Principal
from shared.errors import Conflict
from shared.events.awards import ResultsAnnounced
from shared.events.judging import FeedbackReleased, JudgesReminded
from tests.unit.judging.test_use_cases import ONE_ROUND, opened, who
from tests.unit.judging.world import ORGANISER, World, scores

DEADLINE = datetime(2026, 4, 10, 16, 59, 59, tzinfo=UTC)  # 23:59:59 in Vietnam


async def released(days: int | None = None) -> World:
    """Round 1 of three entries released to four judges, two per entry, with ``DEADLINE``."""
    w = await opened()
    await w.svc.set_deadline("c1", 1, DEADLINE, days)
    await w.svc.release_round("c1", 1, None, 7)
    w.outbox.take()
    return w


def announcement() -> ResultsAnnounced:
    return ResultsAnnounced(contest_id="c1", announced_at=DEADLINE, result_hash="h", outcomes=[])


def restarted(w: World) -> JudgingService:
    """A new process over the same store: nothing in memory survives."""
    return JudgingService(w.repos, w.settings)


def test_a_reminder_is_due_from_its_lead_time_until_the_deadline() -> None:
    assert not due(DEADLINE, 2, DEADLINE - timedelta(days=2, seconds=1))
    assert due(DEADLINE, 2, DEADLINE - timedelta(days=2))
    assert due(DEADLINE, 2, DEADLINE - timedelta(seconds=1))
    assert not due(DEADLINE, 2, DEADLINE), "after the deadline the queue says overdue; no reminder"
    assert not due(DEADLINE, 0, DEADLINE - timedelta(hours=1)), "0 turns it off"
    same = DEADLINE.astimezone(datetime.now().astimezone().tzinfo)
    assert reminder_key("c1", 1, DEADLINE, 2) == reminder_key("c1", 1, same, 2) == "c1:1:20260410T165959Z:2d"


async def test_the_scheduled_reminder_fires_once_to_each_judge_with_pending_sheets_even_after_a_restart() -> None:
    w = await released()
    before = DEADLINE - timedelta(days=3)
    assert await w.svc.send_due_reminders(before) == 0 and not w.outbox.take(), "not due yet (2 days by default)"
    # Every judge of e1 submits: those with nothing else pending are left out.
    await w.score_all("e1")
    pending: dict[str, int] = {}
    load: dict[str, int] = {}
    for r in w.repos.reviews.docs.values():  # type: ignore[attr-defined]
        for j, sheet in r["sheets"].items():
            pending[j] = pending.get(j, 0) + (sheet["status"] != "submitted")
            load[j] = load.get(j, 0) + 1
    w.outbox.take()

    now = DEADLINE - timedelta(days=1)
    assert await w.svc.send_due_reminders(now) == sum(1 for n in pending.values() if n)
    [sent] = w.outbox.payloads(JudgesReminded)
    assert not sent.manual and sent.round_no == 1 and sent.deadline == DEADLINE and sent.message == ""
    assert {r.judge_id: r.pending for r in sent.reminders} == {j: n for j, n in pending.items() if n}
    assert {r.judge_id: r.total for r in sent.reminders} == {j: load[j] for j, n in pending.items() if n}
    w.outbox.take()

    # The next tick, a restart (a new process, nothing remembered) and a second replica: nothing.
    assert await w.svc.send_due_reminders(now + timedelta(minutes=1)) == 0
    assert await restarted(w).send_due_reminders(now + timedelta(hours=2)) == 0
    assert not w.outbox.take()


async def test_a_changed_deadline_or_lead_time_is_a_new_reminder() -> None:
    w = await released()
    now = DEADLINE - timedelta(days=1)
    assert await w.svc.send_due_reminders(now) == 4
    later = DEADLINE + timedelta(days=2)
    await w.svc.set_deadline("c1", 1, later)
    assert await w.svc.send_due_reminders(now) == 0, "not due for the new deadline yet"
    assert await w.svc.send_due_reminders(later - timedelta(hours=12)) == 4
    await w.svc.set_deadline("c1", 1, later, 3)  # the same deadline, a longer lead time
    assert await w.svc.send_due_reminders(later - timedelta(hours=11)) == 4
    assert await w.svc.send_due_reminders(later - timedelta(hours=10)) == 0
    keys = sorted(w.repos.reminders.firings)  # type: ignore[attr-defined]
    assert [k.rsplit(":", 2)[1:] for k in keys] == [["20260410T165959Z", "2d"], ["20260412T165959Z", "2d"],
                                                     ["20260412T165959Z", "3d"]]
    assert len(w.outbox.payloads(JudgesReminded)) == 3


async def test_no_reminder_when_turned_off_nobody_is_pending_or_the_round_is_not_open() -> None:
    w = await released(days=0)
    assert await w.svc.send_due_reminders(DEADLINE - timedelta(hours=1)) == 0
    assert not w.repos.reminders.firings  # type: ignore[attr-defined]

    w = await released()
    for e in ("e1", "e2", "e3"):
        await w.score_all(e)
    w.outbox.take()
    assert await w.svc.send_due_reminders(DEADLINE - timedelta(hours=1)) == 0
    assert not w.outbox.payloads(JudgesReminded), "every sheet submitted: no one to remind"
    assert len(w.repos.reminders.firings) == 1, "recorded, so it is not looked at again"  # type: ignore[attr-defined]

    w = await opened()  # a deadline for a round not released yet: nothing until it is
    await w.svc.set_deadline("c1", 1, DEADLINE)
    assert await w.svc.send_due_reminders(DEADLINE - timedelta(hours=1)) == 0
    await w.svc.release_round("c1", 1, None, 7)
    assert await w.svc.send_due_reminders(DEADLINE - timedelta(minutes=30)) == 4
    await w.event(announcement())
    await w.svc.set_deadline("c1", 1, DEADLINE + timedelta(days=1))
    assert await w.svc.send_due_reminders(DEADLINE) == 0, "an announced contest is not reminded"


async def test_the_organisers_reminder_is_mailed_and_still_shown_on_the_queue() -> None:
    w = await released()
    r = w.review_of("e1")
    j = who(r["judge_ids"][0])
    await w.svc.declare(j, r["_id"])
    await w.svc.save_sheet(j, r["_id"], scores(), {}, "", True)
    w.outbox.take()
    shown = await w.svc.remind("c1", j.account_id, ORGANISER, "")
    assert shown["message"].startswith("Ban tổ chức nhắc") and shown["round_no"] == 1
    [sent] = w.outbox.payloads(JudgesReminded)
    [load] = sent.reminders
    assert sent.manual and sent.message == "" and sent.deadline == DEADLINE
    assert load.judge_id == j.account_id and load.total == sum(
        j.account_id in x["judge_ids"] for x in w.repos.reviews.docs.values())  # type: ignore[attr-defined]
    assert load.pending == load.total - 1
    await w.svc.remind("c1", j.account_id, ORGANISER, "Xin hoàn thành trước thứ Sáu")
    assert w.outbox.payloads(JudgesReminded)[-1].message == "Xin hoàn thành trước thứ Sáu"
    assert (await w.svc.reminders_for(j))[0]["message"] == "Xin hoàn thành trước thứ Sáu"
    # A manual reminder is not the scheduled one: that still fires when due.
    assert await w.svc.send_due_reminders(DEADLINE - timedelta(hours=1)) == 4


def test_comments_are_anonymised_in_an_order_that_does_not_follow_the_judges() -> None:
    a = {"comments": {"novelty": "Mới", "cost": " "}, "overall": "Tốt"}
    b = {"comments": {"novelty": "Chưa rõ"}, "overall": ""}
    one = anonymised_comments([a, b], "c1:e1:1")
    assert one == anonymised_comments([b, a], "c1:e1:1"), "the judges' order does not show"
    assert sorted(one, key=str) == sorted([("novelty", "Mới"), (None, "Tốt"), ("novelty", "Chưa rõ")], key=str)


async def test_feedback_is_released_once_after_the_announcement_when_the_organisers_chose_it() -> None:
    w = await opened()
    assert await w.svc.set_feedback("c1", True) is True
    await w.svc.release_round("c1", 1, None, 7)
    with pytest.raises(Conflict, match=MSG_FROZEN):
        await w.svc.set_feedback("c1", False), "judges scored knowing their comments go to authors"
    r = w.review_of("e1")
    for n, jid in enumerate(r["judge_ids"]):
        j = Principal(account_id=jid, email="", full_name=jid, unit="", roles=frozenset({"judge"}))
        await w.svc.declare(j, r["_id"])
        await w.svc.save_sheet(j, r["_id"], scores(n * 4.0), {"novelty": f"Nhận xét {n}"}, f"Chung {n}", True)
    await w.score_all("e2")
    await w.svc.close_round("c1", 1)
    w.outbox.take()

    announced = announcement()
    await w.event(announced)
    released_now = w.outbox.payloads(FeedbackReleased)
    assert [f.entry_id for f in released_now] == ["e1", "e2"], "scored entries only (e3 was never scored)"
    e1 = released_now[0]
    assert e1.round_no == 1 and {c.key: c.mean for c in e1.criteria}["effectiveness"] == 30.0 - 2.0
    assert sorted(c.text for c in e1.comments) == ["Chung 0", "Chung 1", "Nhận xét 0", "Nhận xét 1"]
    text = e1.model_dump_json()
    assert not any(jid in text for jid in w.repos.judges.docs), "never a judge's id"  # type: ignore[attr-defined]
    assert "Giám khảo" not in text, "never a judge's name"
    await w.event(announced)  # redelivered
    await restarted(w).on_announced("c1")  # or handled again by another process
    assert len(w.outbox.payloads(FeedbackReleased)) == 2


async def test_no_feedback_unless_the_organisers_chose_it() -> None:
    w = await opened(ONE_ROUND)
    await w.svc.release_round("c1", 1, None, 7)
    await w.score_all("e1")
    await w.event(announcement())
    assert not w.outbox.payloads(FeedbackReleased)
