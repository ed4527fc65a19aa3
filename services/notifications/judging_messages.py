"""Judging's messages that are not about an assignment: reminders of a round's deadline (the
schedule's and an organiser's) to each judge with sheets listed, and the judges' feedback to an
entry's author after the announcement. Judging decides who and what; this words it and plans
it like every other message (once per event and person).

Feedback carries the judges' words only, never who wrote them; it goes to the entry's owner
alone (an entry not known yet is parked until submission's events name its owner).
"""

from __future__ import annotations

from services.notifications.domain import kinds
from services.notifications.service import Notifications
from shared.envelope import Envelope
from shared.events.judging import FeedbackReleased, JudgesReminded
from shared.handlers import Route, on


class JudgingMessages:
    def __init__(self, svc: Notifications) -> None:
        self.svc = svc

    async def on_reminded(self, env: Envelope[JudgesReminded]) -> None:
        e = env.payload
        contest = await self.svc._contest_name(e.contest_id)
        for r in e.reminders:
            await self.svc.plan(env, kinds.REMINDER, r.judge_id, {
                "contest_id": e.contest_id, "contest_name": contest, "round_no": e.round_no, "deadline": e.deadline,
                "pending": r.pending, "assigned": r.total, "manual": e.manual, "message": e.message,
                "queue_url": f"{self.svc.base}/judging/"})

    async def on_feedback(self, env: Envelope[FeedbackReleased]) -> None:
        e = env.payload
        entry = await self.svc._entry_or_park(env, e.entry_id)
        if entry is None:
            return
        names = {c.key: c.name for c in e.criteria}
        await self.svc.plan(env, kinds.FEEDBACK_PUBLISHED, entry["owner"], {
            **await self.svc._entry_params(entry), "contest_id": e.contest_id, "round_no": e.round_no,
            "criteria": [c.model_dump() for c in e.criteria],
            "comments": [{"criterion_name": names.get(c.criterion, "") if c.criterion else "", "text": c.text}
                         for c in e.comments],
            "my_url": f"{self.svc.base}/submission/my"})


def routes(svc: Notifications) -> list[Route]:
    m = JudgingMessages(svc)
    svc.redo_when_known(FeedbackReleased.event_type, m.on_feedback)
    return [
        on(JudgesReminded)(m.on_reminded),
        on(FeedbackReleased)(m.on_feedback),
    ]
