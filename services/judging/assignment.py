"""Rounds and assignment: plan, preview, release, assign arrivals, rebalance."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import structlog

from services.judging.core import (
    JudgingCore,
    RoundState,
)
from services.judging.domain.assignment import (
    Assignment,
    AssignmentError,
    EntryRef,
    JudgeRef,
    assign_judges,
    rebalance,
)
from services.judging.domain.rounds import RoundRule
from services.judging.messages import text
from services.judging.repositories import fresh_sheet
from services.judging.store import review_id
from shared.envelope import Envelope
from shared.errors import Conflict, NotFound
from shared.events.judging import (
    EntryReviewStarted,
)
from shared.mongo import Doc

log = structlog.get_logger(__name__)


class Assignments(JudgingCore):
    """Rounds and assignment: plan, preview, release, assign arrivals, rebalance."""

    async def _round_inputs(self, contest: Doc, round_no: int) -> tuple[RoundRule, Doc | None]:
        rules = self.rules(contest)
        if not 1 <= round_no <= len(rules):
            raise NotFound("Không tìm thấy vòng chấm.")
        rnd = await self.repos.rounds.get(contest["_id"], round_no)
        if round_no > 1 and rnd is None:
            raise Conflict("Vòng trước chưa đóng: chưa biết hồ sơ nào vào vòng này.")
        if rnd is not None and rnd.get("closed"):
            raise Conflict("Vòng chấm đã đóng.")
        return rules[round_no - 1], rnd

    async def _round_state(self, contest_id: str, round_no: int) -> RoundState:
        """The round's assigned entries and judge loads: read once, then kept by this process (the
        only writer of judging's database), so a backlog of arrivals costs no scan of the reviews
        each (on FerretDB every query but an exact ``_id`` scans the whole collection). Every other
        path that changes reviews forgets it (``_forget_rounds``)."""
        key = (contest_id, round_no)
        state = self._rounds_seen.get(key)
        if state is None:
            state = RoundState()
            for r in await self.repos.reviews.assignments(contest_id, round_no):
                state.assigned.add(r["entry_id"])
                if not r.get("withdrawn"):
                    for j in r["judge_ids"]:
                        state.loads[j] = state.loads.get(j, 0) + 1
            self._rounds_seen[key] = state
        return state

    async def _plan(self, contest: Doc, round_no: int, entry_filter: list[str] | None, k: int, seed: int,
                    only: list[str] | None = None, known: Sequence[Doc] | None = None,
                    ) -> tuple[dict[str, tuple[str, ...]], list[Doc], list[Doc]]:
        """The assignment of the round's still unassigned entries (nothing written). ``known``:
        the entries themselves when the caller has them (arrivals), so they are not read again."""
        contest_id = contest["_id"]
        ids: set[str] | None = set(entry_filter) if entry_filter is not None else None
        if only is not None:
            ids = set(only) if ids is None else ids & set(only)
        if known is not None:
            entries = [e for e in known if ids is None or e["_id"] in ids]
        else:
            entries = await self.repos.entries.eligible(contest_id, ids)
        state = await self._round_state(contest_id, round_no)
        todo = [e for e in entries if e["_id"] not in state.assigned]
        judges = await self.panel_judges(contest)
        if not todo:
            return {}, todo, judges
        loads = dict(state.loads)
        refs = [JudgeRef(j["_id"], j["unit"], frozenset(j.get("categories", []))) for j in judges]
        try:
            plan = assign_judges([EntryRef(e["_id"], e["conflict_unit"], e["category"]) for e in todo], refs,
                                 min(k, max(len(refs), 1)), seed, base_loads=loads)
        except AssignmentError as exc:
            raise Conflict("Không đủ giám khảo để phân công: {reason}", params={"reason": text(exc)}) from exc
        return dict(plan), todo, judges

    @staticmethod
    def default_seed(contest_id: str) -> int:
        """The seed a release uses when the organiser names none: fixed per contest (so the page's
        preview is what "release" will do), different between contests, never a year in the code."""
        return int.from_bytes(hashlib.sha256(contest_id.encode()).digest()[:4], "big") % 2**31

    async def preview(self, contest_id: str, round_no: int, k: int | None, seed: int | None) -> Doc:
        """What releasing with this seed would assign: reproducible, nothing is written."""
        seed = self.default_seed(contest_id) if seed is None else seed
        contest = await self.contest(contest_id)
        rule, rnd = await self._round_inputs(contest, round_no)
        k = (rnd or {}).get("k") or k or rule.judges_per_entry
        plan, todo, judges = await self._plan(contest, round_no, (rnd or {}).get("entry_ids"), k, seed)
        names = {j["_id"]: j for j in judges}
        entries = {e["_id"]: e for e in todo}
        loads = Assignment(k, plan).loads(names) if plan else dict.fromkeys(names, 0)
        return {"contest_id": contest_id, "round_no": round_no, "k": k, "seed": seed, "entries": [
            {"entry_id": eid, "code": entries[eid]["code"], "title": entries[eid]["title"],
             "category": entries[eid]["category"],
             "judges": [{"judge_id": j, "name": names[j]["full_name"], "unit": names[j]["unit"]} for j in js]}
            for eid, js in sorted(plan.items(), key=lambda x: entries[x[0]]["code"])],
            "loads": [{"judge_id": j, "name": names[j]["full_name"], "unit": names[j]["unit"], "load": n}
                      for j, n in sorted(loads.items())]}

    async def release_round(self, contest_id: str, round_no: int, k: int | None, seed: int | None) -> Doc:
        """Open a round and assign its entries; again later, assigns entries that arrived since."""
        seed = self.default_seed(contest_id) if seed is None else seed
        self._forget_rounds()
        contest = await self.contest(contest_id)
        rule, rnd = await self._round_inputs(contest, round_no)
        final = round_no == len(self.rules(contest))
        await self.repos.contests.freeze_for_scoring(contest_id)
        if rnd is None or not rnd.get("released"):
            fields = {"contest_id": contest_id, "round_no": round_no, "k": k or rule.judges_per_entry, "seed": seed,
                      "released": True, "closed": False, "final": final, "released_at": datetime.now(UTC)}
            rnd = await self.repos.rounds.release(contest_id, round_no, fields)
            log.info("judging.round_released", contest_id=contest_id, round_no=round_no, k=rnd["k"], seed=rnd["seed"])
            await self._assign(rnd)
            await self.publish_setup(contest_id)
            return rnd
        await self._assign(rnd)
        return rnd

    async def _assign(self, rnd: Doc, only: list[str] | None = None, known: Sequence[Doc] | None = None) -> None:
        contest = await self.contest(rnd["contest_id"])
        plan, _, _ = await self._plan(contest, rnd["round_no"], rnd.get("entry_ids"), rnd["k"], rnd["seed"], only,
                                      known)
        now = datetime.now(UTC)
        contest_id, round_no = rnd["contest_id"], rnd["round_no"]
        docs: list[tuple[Doc, list[Envelope]]] = []
        for entry_id, judge_ids in plan.items():
            doc = {"_id": review_id(contest_id, round_no, entry_id), "contest_id": contest_id, "round_no": round_no,
                   "entry_id": entry_id, "judge_ids": list(judge_ids), "final_round": rnd["final"],
                   "sheets": {j: fresh_sheet() for j in judge_ids}, "declarations": {}, "excluded": [],
                   "withdrawn": False, "closed": False, "audit": [], "rev": 0, "result": None, "assigned_at": now}
            event = self._env(EntryReviewStarted(contest_id=contest_id, entry_id=entry_id, round_no=round_no,
                                                 judges=len(judge_ids)))
            docs.append((doc, [event, self._reviewers(doc, list(judge_ids))]))
        # Reviews that exist are never touched (``_plan`` leaves them out; one written meanwhile by
        # another release is skipped by its unique _id).
        try:
            await self.repos.reviews.insert_new(docs)
        except BaseException:
            self._forget_rounds()  # some may be written: read the round again next time
            raise
        state = self._rounds_seen.get((contest_id, round_no))
        if state is not None:
            for entry_id, judge_ids in plan.items():
                state.assigned.add(entry_id)
                for j in judge_ids:
                    state.loads[j] = state.loads.get(j, 0) + 1

    async def _open_reviews(self, contest_id: str, round_no: int) -> list[Doc]:
        return await self.repos.reviews.open_in_round(contest_id, round_no)

    async def _refs(self, contest: Doc, reviews: list[Doc]) -> tuple[list[JudgeRef], list[EntryRef], set[str]]:
        judges = await self.panel_judges(contest)
        active = {j["_id"] for j in judges}
        ids = [r["entry_id"] for r in reviews]
        entries = await self.repos.entries.refs(ids)
        return ([JudgeRef(j["_id"], j["unit"], frozenset(j.get("categories", []))) for j in judges],
                [EntryRef(i, entries[i]["conflict_unit"], entries[i]["category"]) for i in ids if i in entries], active)

    @staticmethod
    def _locked(reviews: list[Doc], active: set[str]) -> set[tuple[str, str]]:
        """Pairs that must not move: submitted sheets, drafts of judges still on the panel, and
        judges an organiser pinned to the entry (while on the panel)."""
        return {(r["entry_id"], j) for r in reviews for j, s in r["sheets"].items()
                if s["status"] == "submitted" or (s["status"] == "draft" and j in active)
                or (j in r.get("pinned", ()) and j in active)}

    async def _apply(self, reviews: list[Doc], plan: Assignment, *, actor: str, kind: str, note: str,
                     skip: str | None = None) -> int:
        """Write each review whose judges changed (compare-and-set); returns how many moved."""
        now = datetime.now(UTC)
        moved = 0
        for r in reviews:
            if r["entry_id"] == skip:
                continue
            new = list(plan.get(r["entry_id"], ()))
            old = r["judge_ids"]
            if not new or set(new) == set(old):
                continue
            entry = {"kind": kind, "at": now, "by": actor, "note": note, "removed": sorted(set(old) - set(new)),
                     "added": sorted(set(new) - set(old)),
                     "old": {j: r["sheets"][j].get("scores", {}) for j in set(old) - set(new)}}
            async with self.locks.hold(r["_id"]):
                done = await self.repos.reviews.move_judges(r, new, entry, [self._reviewers(r, new)])
            if done:
                moved += 1
            else:
                log.warning("judging.reassignment_skipped", review_id=r["_id"], reason="changed meanwhile")
        self._forget_rounds()
        return moved

    async def rebalance_round(self, contest_id: str, round_no: int, *, actor: str, note: str) -> int:
        self._forget_rounds()
        contest = await self.contest(contest_id)
        rnd = await self.repos.rounds.get(contest_id, round_no)
        if rnd is None or rnd.get("closed"):
            return 0
        reviews = await self._open_reviews(contest_id, round_no)
        judges, entries, active = await self._refs(contest, reviews)
        current = Assignment(rnd["k"], {r["entry_id"]: tuple(r["judge_ids"]) for r in reviews})
        excluded = [(r["entry_id"], j) for r in reviews for j in r.get("excluded", [])]
        try:
            plan = rebalance(current, judges, entries, self._locked(reviews, active), rnd["seed"], excluded=excluded)
        except AssignmentError as exc:
            raise Conflict("Không đủ giám khảo để phân công lại: {reason}", params={"reason": text(exc)}) from exc
        moved = await self._apply(reviews, plan, actor=actor, kind="rebalance", note=note)
        log.info("judging.rebalanced", contest_id=contest_id, round_no=round_no, moved=moved, note=note)
        return moved

