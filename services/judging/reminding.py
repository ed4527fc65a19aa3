"""Reminding judges of their unsubmitted sheets: by an organiser ("Nhắc"), and on a schedule
some days before a round's deadline. Both write ``JudgesReminded``; notifications mails it.

The schedule is a loop in every judging process (``run_schedule``). A reminder that is due is
recorded under its key (``domain.reminders.reminder_key``: contest, round, deadline, lead time)
in the same single-document write as its event, and the store refuses a second record with
that key: a restart, a second replica or the next tick never sends it again, and a changed
deadline is a new reminder.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import structlog

from services.judging.core import JudgingCore
from services.judging.domain.reminders import Workload, due, reminder_key, workloads
from shared.auth import Principal
from shared.errors import NotFound
from shared.events.judging import JudgeReminder, JudgesReminded
from shared.idempotency import derived_id
from shared.mongo import Doc
from shared.web.i18n import N_

log = structlog.get_logger(__name__)

MSG_DEFAULT = N_("Ban tổ chức nhắc bạn hoàn thành các bài được phân công.")


def _listed(loads: dict[str, Workload]) -> list[JudgeReminder]:
    return [JudgeReminder(judge_id=j, pending=w.pending, total=w.total) for j, w in loads.items()]


class Reminding(JudgingCore):
    """Reminders to judges: the organisers' and the scheduled ones."""

    def reminder_days(self, contest: Doc, round_no: int) -> int:
        """Days before the round's deadline its judges are reminded (0: not automatically)."""
        chosen = (contest.get("round_reminders") or {}).get(f"r{round_no}")
        return self.settings.reminder_days_before if chosen is None else int(chosen)

    async def remind(self, contest_id: str, judge_id: str, by: Principal, message: str,
                     idempotency_key: str | None = None) -> Doc:
        """An organiser reminds one judge: shown on the judge's queue page and mailed (the
        event is written with the record), with the sheets still pending in the judge's
        current round of the contest. A retry with the same ``idempotency_key`` (a double click,
        a lost answer) returns the first reminder and mails nothing again."""
        contest = await self.contest(contest_id)
        mine = [r for r in await self.repos.reviews.of_judge(judge_id) if r["contest_id"] == contest_id]
        if not mine:
            raise NotFound("Giám khảo này không có bài nào trong cuộc thi.")
        open_rounds = [r["round_no"] for r in mine if not r.get("closed")]
        round_no = max(open_rounds or [r["round_no"] for r in mine])
        load = workloads({judge_id: r["sheets"][judge_id]} for r in mine if r["round_no"] == round_no)[judge_id]
        if round_no not in open_rounds:
            load = Workload(0, load.total)  # a closed round's sheets can no longer be submitted
        deadline = (contest.get("round_deadlines") or {}).get(f"r{round_no}")
        event = self._env(JudgesReminded(
            contest_id=contest_id, round_no=round_no, deadline=deadline, manual=True, message=message,
            reminders=_listed({judge_id: load})))
        rid = (derived_id("reminder", by.account_id, f"{contest_id}\n{judge_id}\n{idempotency_key}")
               if idempotency_key else uuid.uuid4().hex)
        doc = {"_id": rid, "contest_id": contest_id, "judge_id": judge_id, "by": by.account_id,
               "message": message or MSG_DEFAULT, "at": datetime.now(UTC), "round_no": round_no,
               "pending": load.pending}
        first = await self.repos.reminders.add(doc, [event])
        if first is not None:
            log.info("judging.reminder_retried", contest_id=contest_id, judge_id=judge_id)
            return {k: v for k, v in first.items() if k != "_id"}
        log.info("judging.reminder_sent", contest_id=contest_id, judge_id=judge_id, pending=load.pending)
        return {k: v for k, v in doc.items() if k != "_id"}

    async def send_due_reminders(self, now: datetime | None = None) -> int:
        """Fire every scheduled reminder due at ``now`` that was not fired before; returns how
        many judges were reminded. A round is reminded while released and open; judges whose
        sheets are all submitted are left out (if nobody is left, the firing is recorded with
        no event, so it is not looked at again)."""
        now = now or datetime.now(UTC)
        reminded = 0
        for contest in await self.repos.contests.with_deadlines():
            for key, deadline in sorted((contest.get("round_deadlines") or {}).items()):
                round_no = int(key.removeprefix("r"))
                if deadline is None:
                    continue
                days = self.reminder_days(contest, round_no)
                if due(deadline, days, now):
                    reminded += await self._fire(contest["_id"], round_no, deadline, days, now)
        return reminded

    async def _fire(self, contest_id: str, round_no: int, deadline: datetime, days: int, now: datetime) -> int:
        rnd = await self.repos.rounds.get(contest_id, round_no)
        if rnd is None or not rnd.get("released") or rnd.get("closed"):
            return 0
        fid = reminder_key(contest_id, round_no, deadline, days)
        loads = {j: w for j, w in workloads(r["sheets"] for r in await self.repos.reviews.open_in_round(
            contest_id, round_no)).items() if w.pending}
        events = [self._env(JudgesReminded(contest_id=contest_id, round_no=round_no, deadline=deadline,
                                           manual=False, reminders=_listed(loads)))] if loads else []
        firing = {"_id": fid, "contest_id": contest_id, "round_no": round_no, "deadline": deadline,
                  "days_before": days, "at": now, "judges": sorted(loads)}
        if not await self.repos.reminders.fire(firing, events):
            return 0
        log.info("judging.reminders_fired", contest_id=contest_id, round_no=round_no, key=fid, judges=len(loads))
        return len(loads)

    async def run_schedule(self) -> None:
        """Every ``reminder_tick_s``: fire what is due. A failed tick (the store away) is
        logged and the next one tries again; nothing is lost, since due reminders stay due
        until their deadline."""
        while True:
            try:
                await self.send_due_reminders()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("judging.reminder_tick_failed", exc_info=True)
            await asyncio.sleep(self.settings.reminder_tick_s)
