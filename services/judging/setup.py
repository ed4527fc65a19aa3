"""Configuration before and between rounds: rubric, rounds, panel, deadlines."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from services.judging.assignment import Assignments
from services.judging.core import (
    MSG_FROZEN,
    invalid,
    rubric_doc,
    rubric_of,
)
from services.judging.domain.rubric import Criterion, Rubric, RubricError
from services.judging.messages import text
from shared.errors import Conflict, NotFound, Refused, Text
from shared.mongo import Doc
from shared.web.i18n import N_

log = structlog.get_logger(__name__)


class SetUp(Assignments):
    """Configuration before and between rounds: rubric, rounds, panel, deadlines."""

    async def set_rubric(self, contest_id: str, criteria: list[Doc]) -> Doc:
        contest = await self.contest(contest_id)
        if contest.get("frozen"):
            raise Conflict(MSG_FROZEN)
        version = contest["rubric"]["version"]
        try:
            rubric = Rubric(version=version + 1, criteria=tuple(Criterion(**c) for c in criteria))
        except RubricError as exc:
            raise invalid({"criteria": text(exc)}) from exc
        limit = self._min_total_over(contest, rubric)
        if limit:
            raise invalid({"criteria": limit})
        if not await self.repos.contests.replace_rubric(contest_id, rubric_doc(rubric), previous=contest["rubric"]):
            raise Conflict(MSG_FROZEN if (await self.contest(contest_id)).get("frozen")
                                else "Thang điểm vừa được thay đổi ở nơi khác, vui lòng tải lại.")
        log.info("judging.rubric_changed", contest_id=contest_id, version=rubric.version)
        await self.publish_setup(contest_id)
        return rubric_doc(rubric)

    def _min_total_over(self, contest: Doc, rubric: Rubric) -> str:
        for i, rule in enumerate(self.rules(contest)):
            if rule.advance_min_total is not None and rule.advance_min_total > rubric.max_total:
                return Text("Điểm tối thiểu để vào vòng sau của vòng {round_no} vượt quá tổng điểm của thang điểm.",
                            {"round_no": i + 1})
        return ""

    async def set_rounds(self, contest_id: str, rounds: list[Doc], standardised: bool, threshold: float) -> Doc:
        contest = await self.contest(contest_id)
        if contest.get("frozen"):
            raise Conflict(MSG_FROZEN)
        rubric = rubric_of(contest["rubric"])
        errors: dict[str, str] = {}
        for i, r in enumerate(rounds):
            last = i == len(rounds) - 1
            if not last and r.get("advance_top_n") is None and r.get("advance_min_total") is None:
                errors[f"rounds.{i}.advance_top_n"] = N_("Vòng này cần quy tắc vào vòng sau: top N và/hoặc điểm "
                                                         "tối thiểu.")
            if r.get("advance_min_total") is not None and r["advance_min_total"] > rubric.max_total:
                errors[f"rounds.{i}.advance_min_total"] = N_("Điểm tối thiểu vượt quá tổng điểm của thang điểm.")
            if last:
                r["advance_top_n"] = r["advance_min_total"] = None
        if errors:
            raise invalid(errors)
        setup = {"rounds": rounds, "standardised": standardised, "disagreement_threshold": threshold}
        if not await self.repos.contests.set_rules(contest_id, setup):
            raise Conflict(MSG_FROZEN)
        await self.publish_setup(contest_id)
        return setup

    async def set_panel(self, contest_id: str, judge_ids: list[str]) -> list[str]:
        """The contest's panel (without one, every active judge is on it). Mid-round, only the
        unscored work of open rounds is rebalanced."""
        contest = await self.contest(contest_id)
        known = {j["_id"] for j in await self.repos.judges.active(judge_ids)}
        unknown = sorted(set(judge_ids) - known)
        if unknown:
            raise invalid({"judge_ids": Text("Không tìm thấy giám khảo: {ids}", {"ids": ", ".join(unknown)})})
        before = contest.get("panel")
        await self.repos.contests.set_panel(contest_id, sorted(known))
        if before is None or sorted(before) != sorted(known):
            for rnd in await self.rounds(contest_id):
                if rnd.get("released") is not True or rnd.get("closed") is not False:
                    continue
                try:
                    await self.rebalance_round(contest_id, rnd["round_no"], actor="organiser", note="panel_changed")
                except Refused:
                    await self.repos.contests.set_panel(contest_id, before)
                    raise
        await self.publish_setup(contest_id)
        return sorted(known)

    async def set_deadline(self, contest_id: str, round_no: int, deadline: datetime | None,
                           remind_days: int | None = None) -> datetime | None:
        """When judges of a round should have submitted; shown in their queue and the basis of
        reminders (``remind_days`` before it; None keeps the round's choice). Can be set before
        the round opens and changed until it closes."""
        contest = await self.contest(contest_id)
        if not 1 <= round_no <= len(self.rules(contest)):
            raise NotFound("Không tìm thấy vòng chấm.")
        rnd = await self.repos.rounds.get(contest_id, round_no)
        if rnd is not None and rnd.get("closed"):
            raise Conflict("Vòng chấm đã đóng.")
        if deadline is not None and deadline.tzinfo is None:
            deadline = deadline.replace(tzinfo=UTC)
        await self.repos.contests.set_deadline(contest_id, round_no, deadline)
        if remind_days is not None:
            await self.repos.contests.set_reminder_days(contest_id, round_no, remind_days)
        await self.publish_setup(contest_id)
        return deadline

