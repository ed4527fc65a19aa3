"""The judge's work: queue, declaration, recusal, sheets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog

from services.judging.assignment import Assignments
from services.judging.core import (
    MSG_CHANGED,
    MSG_CLOSED,
    MSG_DECLARE,
    MSG_NOT_YOURS,
    MSG_WITHDRAWN,
    invalid,
    rubric_of,
)
from services.judging.domain.aggregation import JudgeScore, aggregate_entry
from services.judging.domain.assignment import (
    Assignment,
    AssignmentError,
    reassign_on_recusal,
    swap_problem,
)
from services.judging.domain.rubric import Rubric, validate_scores
from services.judging.messages import text, texts
from shared.auth import Principal
from shared.coded import Code
from shared.envelope import Envelope
from shared.errors import Conflict, Forbidden, Gone, NotFound
from shared.events.judging import (
    CriterionDef,
    EntryRoundScored,
    JudgeSheet,
)
from shared.mongo import Doc
from shared.web.i18n import N_

log = structlog.get_logger(__name__)


class JudgesWork(Assignments):
    """The judge's work: queue, declaration, recusal, sheets."""

    async def queue(self, judge: Principal) -> list[Doc]:
        out = []
        reviews = await self.repos.reviews.of_judge(judge.account_id)
        now = datetime.now(UTC)
        entries = await self.repos.entries.briefs([r["entry_id"] for r in reviews])
        contests = await self.repos.contests.many({r["contest_id"] for r in reviews})
        for r in reviews:
            entry = entries.get(r["entry_id"], {})
            sheet = r["sheets"].get(judge.account_id, {})
            out.append({"review_id": r["_id"], "entry_id": r["entry_id"], "round_no": r["round_no"],
                        "contest_id": r["contest_id"],
                        "contest_name": contests.get(r["contest_id"], {}).get("name", ""),
                        "deadline": (contests.get(r["contest_id"], {}).get("round_deadlines") or {}).get(
                            f"r{r['round_no']}"),
                        "title": entry.get("title", ""), "code": entry.get("code", ""),
                        "category": entry.get("category", ""), "status": sheet.get("status", "assigned"),
                        "declared": judge.account_id in r.get("declarations", {}), "closed": bool(r.get("closed"))})
            deadline = out[-1]["deadline"]
            out[-1]["overdue"] = bool(deadline and deadline < now and out[-1]["status"] != "submitted"
                                      and not out[-1]["closed"])
        return sorted(out, key=lambda x: (x["closed"], x["status"] == "submitted", x["round_no"], x["code"]))

    async def assignment_changes(self, judge: Principal, days: int = 14) -> list[Doc]:
        """Entries given to or taken from the judge by a reassignment (another judge's recusal, a
        panel change, a judge leaving) in the last ``days``, newest first, so nothing in the
        queue changes without a word. Open rounds only."""
        me = judge.account_id
        since = datetime.now(UTC) - timedelta(days=days)
        reviews = await self.repos.reviews.moves_of(me)
        entries = await self.repos.entries.briefs([r["entry_id"] for r in reviews])
        out = []
        for r in reviews:
            for a in r.get("audit", []):
                mine = "added" if me in a.get("added", ()) else "removed" if me in a.get("removed", ()) else ""
                moved = a.get("kind") in ("rebalance", "recusal", "voided") and a.get("by") != me
                if mine and moved and a["at"] >= since:
                    entry = entries.get(r["entry_id"], {})
                    # A rebalance notes what caused it; a recusal's or a void's own note is the other
                    # judge's or organiser's reason, never shown to this judge.
                    why = a.get("note", "") if a["kind"] == "rebalance" else a["kind"]
                    out.append({"change": mine, "at": a["at"], "why": why, "review_id": r["_id"],
                                "code": entry.get("code", ""), "title": entry.get("title", ""),
                                "assigned": me in r.get("judge_ids", [])})
        return sorted(out, key=lambda x: x["at"], reverse=True)

    async def reminders_for(self, judge: Principal) -> list[Doc]:
        return await self.repos.reminders.latest_for(judge.account_id, 5)

    async def assigned(self, judge: Principal, rid: str) -> Doc:
        """The review, only for a judge assigned to it (else 404, so ids cannot be probed)."""
        r = await self.repos.reviews.for_judge(rid, judge.account_id)
        if r is None:
            raise NotFound(MSG_NOT_YOURS)
        if r.get("withdrawn"):
            raise Gone(MSG_WITHDRAWN)
        return r

    async def review_for(self, judge: Principal, rid: str) -> tuple[Doc, Doc, Doc]:
        """The review, blind entry and contest; refused until the judge declared no conflict."""
        r = await self.assigned(judge, rid)
        if judge.account_id not in r.get("declarations", {}):
            raise Forbidden(MSG_DECLARE, extra={"declaration_required": True})
        entry = await self.repos.entries.blind(r["entry_id"])
        contest = await self.contest(r["contest_id"])
        if entry is None:
            raise NotFound(MSG_NOT_YOURS)
        return r, entry, contest

    async def declare(self, judge: Principal, rid: str) -> Doc:
        async with self.locks.hold(rid):
            return await self._declare(judge, rid)

    async def _declare(self, judge: Principal, rid: str) -> Doc:
        r = await self.assigned(judge, rid)
        now = datetime.now(UTC)
        if judge.account_id not in r.get("declarations", {}):
            await self.repos.reviews.declare(rid, judge.account_id, now)
        return {"review_id": rid, "declared": True}

    async def recuse(self, judge: Principal, rid: str, reason: str) -> Doc:
        """A declared conflict: the judge leaves the entry at once and another eligible judge takes
        it; the pair stays excluded for the rest of the round."""
        async with self.locks.hold(rid):
            return await self._recuse(judge, rid, reason)

    async def _recuse(self, judge: Principal, rid: str, reason: str) -> Doc:
        r = await self.assigned(judge, rid)
        if r.get("closed"):
            raise Conflict(MSG_CLOSED)
        if r["sheets"][judge.account_id]["status"] == "submitted":
            raise Conflict("Bạn đã nộp điểm cho hồ sơ này; hãy liên hệ Ban tổ chức để rút.")
        added = await self._replace_judge(r, judge.account_id, kind="recusal", by=judge.account_id, note=reason)
        log.info("judging.recused", review_id=rid, judge=judge.account_id, replaced_by=added)
        return {"review_id": rid, "recused": True}

    async def _replace_judge(self, r: Doc, judge_id: str, *, kind: str, by: str, note: str,
                             to: str | None = None, by_name: str = "") -> list[str]:
        """Take ``judge_id`` off the review (their sheet, even a submitted one, goes to the audit)
        and give the entry to another judge: ``to`` if the organiser chose one (conflict and
        expertise rules still apply), else the one the assignment rules pick; the pair stays
        excluded for the rest of the round. A result already computed is withdrawn until the
        new judge submits, when it is computed and published again, once."""
        self._forget_rounds()
        contest = await self.contest(r["contest_id"])
        rnd = await self.repos.rounds.get(r["contest_id"], r["round_no"])
        assert rnd is not None
        reviews = await self._open_reviews(r["contest_id"], r["round_no"])
        judges, entries, active = await self._refs(contest, reviews)
        current = Assignment(rnd["k"], {x["entry_id"]: tuple(x["judge_ids"]) for x in reviews})
        excluded = [(x["entry_id"], j) for x in reviews for j in x.get("excluded", [])]
        locked = self._locked(reviews, active) - {(r["entry_id"], judge_id)}
        if to is not None:
            entry = next((e for e in entries if e.entry_id == r["entry_id"]), None)
            chosen = next((j for j in judges if j.judge_id == to), None)
            problem = swap_problem(entry, chosen, r["judge_ids"], r.get("excluded", []))
            if problem:
                raise invalid({"to": text(Code.of(problem))})
            plan = Assignment(rnd["k"], {**current.by_entry, r["entry_id"]: tuple(
                [j for j in r["judge_ids"] if j != judge_id] + [to])})
        else:
            try:
                plan = reassign_on_recusal(current, r["entry_id"], judge_id, judges, entries, rnd["seed"], locked,
                                           excluded=excluded)
            except AssignmentError as exc:
                raise Conflict("Không còn giám khảo phù hợp để thay bạn chấm hồ sơ này; "
                                                "Ban tổ chức cần bổ sung giám khảo.") from exc
        new = list(plan[r["entry_id"]])
        added = sorted(set(new) - set(r["judge_ids"]))
        audit = {"kind": kind, "at": datetime.now(UTC), "by": by, "note": note, "removed": [judge_id],
                 "added": added, "old": {judge_id: r["sheets"][judge_id].get("scores", {})}}
        if by_name:
            audit["by_name"] = by_name
        if not await self.repos.reviews.move_judges(r, new, audit, [self._reviewers(r, new)], exclude=judge_id,
                                                    drop_result=bool(r.get("result"))):
            raise Conflict(MSG_CHANGED)
        if to is None:
            others = [x for x in reviews if x["_id"] != r["_id"]]
            await self._apply(others, plan, actor="system", kind="rebalance", note=kind, skip=r["entry_id"])
        return added

    async def save_sheet(self, judge: Principal, rid: str, scores: dict[str, float | None],
                         comments: dict[str, str], overall: str, submit: bool) -> Doc:
        async with self.locks.hold(rid):
            return await self._save_sheet(judge, rid, scores, comments, overall, submit)

    async def _save_sheet(self, judge: Principal, rid: str, scores: dict[str, float | None],
                          comments: dict[str, str], overall: str, submit: bool) -> Doc:
        r, _, contest = await self.review_for(judge, rid)
        if r.get("closed"):
            raise Conflict(MSG_CLOSED)
        rubric = rubric_of(contest["rubric"])
        old = r["sheets"][judge.account_id]
        final = submit or old["status"] == "submitted"  # a submitted sheet can be revised, never emptied
        errors = texts(validate_scores(rubric, scores, final=final))
        errors |= {f"comment-{k}": text(Code.of("score.unknown")) for k in comments if rubric.criterion(k) is None}
        if errors:
            raise invalid(errors, N_("Điểm chưa hợp lệ."))
        now = datetime.now(UTC)
        clean = {k: float(v) for k, v in scores.items() if v is not None}
        kept = {k: v for k, v in comments.items() if v}
        status = "submitted" if final else "draft"
        if (old["status"], old.get("scores", {}), old.get("comments", {}), old.get("overall", "")) == (
                status, clean, kept, overall):
            return dict(old)  # the same sheet again (a retry after a lost answer): no audit row, no second result
        sheet = {"status": status, "scores": clean, "comments": kept, "overall": overall, "updated_at": now,
                 "submitted_at": old.get("submitted_at") or (now if final else None)}
        sheets = {**r["sheets"], judge.account_id: sheet}
        audit = {"kind": "score", "by": judge.account_id, "at": now, "old": old.get("scores", {}), "new": clean,
                 "old_status": old["status"], "status": sheet["status"]}
        result: Doc | None = None
        events: list[Envelope] = []
        if all(s["status"] == "submitted" for s in sheets.values()):
            result, event = self._result(r, rubric, sheets, self.threshold(contest))
            events.append(event)
        if not await self.repos.reviews.save_sheet(r, judge.account_id, sheet, audit, result, events):
            now_doc = await self.repos.reviews.get(rid)
            if now_doc and now_doc.get("closed"):
                raise Conflict(MSG_CLOSED)
            if now_doc and now_doc.get("withdrawn"):
                raise Gone(MSG_WITHDRAWN)
            raise Conflict(MSG_CHANGED)
        if result is not None:
            log.info("judging.entry_scored", review_id=rid, official_total=result["official_total"])
        return sheet

    def _result(self, r: Doc, rubric: Rubric, sheets: dict[str, Doc], threshold: float) -> tuple[Doc, Envelope]:
        ordered = sorted(sheets.items())
        scored = [JudgeScore.of(rubric, j, s["scores"]) for j, s in ordered]
        res = aggregate_entry(rubric, scored, threshold, entry_id=r["entry_id"])
        # Outside judging a judge is a pseudonym: G1, G2... in the order of their ids.
        js = [JudgeSheet(judge=f"G{i + 1}", scores=s.scores, total=s.total) for i, s in enumerate(scored)]
        payload = EntryRoundScored(
            contest_id=r["contest_id"], entry_id=r["entry_id"], round_no=r["round_no"], final_round=r["final_round"],
            rubric_version=rubric.version,
            criteria=[CriterionDef(key=c.key, name=c.name, max_points=c.max_points, weight=c.weight,
                                   required=c.required) for c in rubric.criteria],
            sheets=js, mean_total=res.mean_total, trimmed_mean=res.trimmed_mean, official_total=res.official_total,
            criterion_means=dict(res.criterion_means), disagreement=res.disagreement, spread=res.spread)
        stored = {"mean_total": res.mean_total, "trimmed_mean": res.trimmed_mean,
                  "official_total": res.official_total, "criterion_means": dict(res.criterion_means),
                  "disagreement": res.disagreement, "spread": res.spread, "judge_totals": dict(res.judge_totals),
                  "at": datetime.now(UTC)}
        return stored, self._env(payload)

