"""Feedback to authors: after the announcement, when the organisers chose it before scoring
began, each scored entry's per-criterion means and its judges' comments, anonymised.

The choice is part of the set-up and frozen with it at the first release, so every judge
scores knowing whether their comments will reach the author (the score sheet says so).
Release is once per entry: each feedback is written under ``contest:entry`` with its
``FeedbackReleased`` in the same write, so a redelivered or repeated announcement releases
nothing twice.
"""

from __future__ import annotations

import structlog

from services.judging.closing import Closing
from services.judging.core import MSG_FROZEN, rubric_of
from services.judging.domain.feedback import anonymised_comments
from shared.envelope import Envelope
from shared.errors import Conflict
from shared.events.judging import CriterionFeedback, FeedbackComment, FeedbackReleased
from shared.mongo import Doc

log = structlog.get_logger(__name__)


class Feedback(Closing):
    """The organisers' choice to publish feedback, and its release after the announcement."""

    @staticmethod
    def publishes_feedback(contest: Doc) -> bool:
        return bool(contest.get("publish_feedback", False))

    async def set_feedback(self, contest_id: str, publish: bool) -> bool:
        """Refused once a round was released: judges already scored under the other rule."""
        contest = await self.contest(contest_id)
        if contest.get("frozen") or not await self.repos.contests.set_feedback(contest_id, publish):
            raise Conflict(MSG_FROZEN)
        log.info("judging.feedback_choice", contest_id=contest_id, publish=publish)
        return publish

    async def on_announced(self, contest_id: str) -> None:
        await super().on_announced(contest_id)
        await self.release_feedback(contest_id)

    async def release_feedback(self, contest_id: str) -> int:
        """One ``FeedbackReleased`` per scored entry, from the last round it was scored in;
        nothing unless the contest publishes feedback. Returns how many were released now."""
        contest = await self.repos.contests.get(contest_id)
        if contest is None or not self.publishes_feedback(contest):
            return 0
        rubric = rubric_of(contest["rubric"])
        last: dict[str, Doc] = {}
        for r in await self.repos.reviews.scored_in_contest(contest_id):
            if r["round_no"] >= last.get(r["entry_id"], {"round_no": 0})["round_no"]:
                last[r["entry_id"]] = r
        items: list[tuple[Doc, list[Envelope]]] = []
        for entry_id, r in sorted(last.items()):
            means = r["result"].get("criterion_means") or {}
            criteria = [CriterionFeedback(key=c.key, name=c.name, max_points=c.max_points, mean=means.get(c.key))
                        for c in rubric.criteria]
            comments = [FeedbackComment(criterion=k, text=t) for k, t in anonymised_comments(
                [s for s in r["sheets"].values() if s.get("status") == "submitted"],
                seed=f"{contest_id}:{entry_id}:{r['round_no']}")]
            event = self._env(FeedbackReleased(contest_id=contest_id, entry_id=entry_id, round_no=r["round_no"],
                                               criteria=criteria, comments=comments))
            items.append(({"_id": f"{contest_id}:{entry_id}", "contest_id": contest_id, "entry_id": entry_id,
                           "round_no": r["round_no"], "at": event.occurred_at}, [event]))
        skipped = await self.repos.feedback.release(items)
        log.info("judging.feedback_released", contest_id=contest_id, entries=len(items) - len(skipped))
        return len(items) - len(skipped)
