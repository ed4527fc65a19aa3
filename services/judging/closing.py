"""Round results, closing and reopening rounds."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from services.judging.core import (
    JudgingCore,
    counted_totals,
    result_of,
)
from services.judging.domain.aggregation import EntryResult
from services.judging.domain.rounds import RoundRule, advancing
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events.judging import (
    JudgingClosed,
    RoundClosed,
    RoundReopened,
)
from shared.mongo import Doc

log = structlog.get_logger(__name__)


class Closing(JudgingCore):
    """Round results, closing and reopening rounds."""

    async def round_results(self, contest_id: str, round_no: int) -> list[EntryResult]:
        return [result_of(r) for r in await self.repos.reviews.results(contest_id, round_no) if r.get("result")]

    async def close_round(self, contest_id: str, round_no: int) -> Doc:
        """Refuse further scores (every review of the round is closed first, so a sheet save in
        flight fails its compare-and-set), publish the results and who advances; the last round
        closes judging."""
        contest = await self.contest(contest_id)
        rnd = await self.repos.rounds.get(contest_id, round_no)
        if rnd is None or not rnd.get("released"):
            raise NotFound("Không tìm thấy vòng chấm.")
        if rnd.get("closed"):
            raise Conflict("Vòng chấm đã đóng.")
        now = datetime.now(UTC)
        for rid in await self.repos.reviews.ids_in_round(contest_id, round_no, closed=False):
            async with self.locks.hold(rid):
                await self.repos.reviews.close(rid, now)
        results = await self.round_results(contest_id, round_no)
        standardised = self.standardised(contest)
        totals = counted_totals(results, standardised)
        scored = sorted(totals)
        rules = self.rules(contest)
        rule = rules[round_no - 1] if round_no <= len(rules) else RoundRule(rnd["k"])
        final = bool(rnd["final"])
        moving = [] if final else advancing(totals, rule.advance_top_n, rule.advance_min_total)
        events = [self._env(RoundClosed(contest_id=contest_id, round_no=round_no, final_round=final,
                                        scored_entries=scored, advancing=moving, standardised=standardised,
                                        totals=totals, advance_top_n=None if final else rule.advance_top_n,
                                        advance_min_total=None if final else rule.advance_min_total))]
        if final:
            z = counted_totals(results, True) if standardised else {}
            events.append(self._env(JudgingClosed(contest_id=contest_id, round_no=round_no,
                                                  rubric_version=contest["rubric"]["version"], entries=scored,
                                                  standardised=standardised, standardised_totals=z)))
        if not await self.repos.rounds.close(contest_id, round_no, at=now, advancing=moving, totals=totals,
                                             events=events):
            raise Conflict("Vòng chấm đã đóng.")
        if final:
            await self.repos.contests.set_judging_status(contest_id, "closed")
        else:
            await self.repos.rounds.plan_next(contest_id, round_no + 1, {
                "contest_id": contest_id, "round_no": round_no + 1, "k": rules[round_no].judges_per_entry,
                "entry_ids": moving, "released": False, "closed": False, "final": round_no + 1 == len(rules)})
        log.info("judging.round_closed", contest_id=contest_id, round_no=round_no, scored=len(scored),
                 advancing=len(moving), final=final)
        await self.publish_setup(contest_id)
        return {**rnd, "closed": True, "scored": scored, "advancing": moving}

    async def reopen_round(self, contest_id: str, round_no: int, reason: str, by: Principal) -> Doc:
        """Open a round closed by mistake again, with the reason in its history. Refused once the
        next round is released (its entries came from this round's result) or the result was
        announced; otherwise the round's reviews accept scores again and its closing is undone
        (the next round, not yet released, is planned again at the next close)."""
        contest = await self.contest(contest_id)
        rnd = await self.repos.rounds.get(contest_id, round_no)
        if rnd is None or not rnd.get("released"):
            raise NotFound("Không tìm thấy vòng chấm.")
        if not rnd.get("closed"):
            raise Conflict("Vòng chấm đang mở.")
        if contest.get("announced"):
            raise Conflict("Kết quả đã được công bố; không thể mở lại vòng chấm.")
        nxt = await self.repos.rounds.get(contest_id, round_no + 1)
        if nxt is not None and nxt.get("released"):
            raise Conflict("Vòng sau đã được mở; không thể mở lại vòng này.")
        now = datetime.now(UTC)
        final = bool(rnd["final"])
        event = self._env(RoundReopened(contest_id=contest_id, round_no=round_no, final_round=final, reason=reason,
                                        by=by.full_name or by.email))
        history = {"kind": "reopened", "at": now, "by": by.account_id, "reason": reason}
        if not await self.repos.rounds.reopen(contest_id, round_no, history, [event]):
            raise Conflict("Vòng chấm vừa thay đổi ở nơi khác, vui lòng tải lại.")
        audit = {"kind": "reopened", "at": now, "by": by.account_id, "by_name": by.full_name, "note": reason}
        for rid in await self.repos.reviews.ids_in_round(contest_id, round_no, closed=True):
            async with self.locks.hold(rid):
                await self.repos.reviews.reopen(rid, audit)
        if nxt is not None:
            await self.repos.rounds.discard_unreleased(contest_id, round_no + 1)
        if final:
            await self.repos.contests.set_judging_status(contest_id, "scoring")
        log.info("judging.round_reopened", contest_id=contest_id, round_no=round_no, reason=reason)
        await self.publish_setup(contest_id)
        return {**rnd, "closed": False}

    async def on_announced(self, contest_id: str) -> None:
        """Awards announced the result: rounds can no longer be reopened."""
        await self.repos.contests.mark_announced(contest_id)

