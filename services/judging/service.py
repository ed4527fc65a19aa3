"""Judging's use cases: copies of judges, contests and blind entries; configuration; assignment,
recusal and rebalancing; the judge's work; closing rounds.

A judge's sheet lives inside the entry's review document; submitting the last sheet computes
the round result (``domain.aggregation``) and queues ``EntryRoundScored`` in the same
compare-and-set write. Changes that touch several reviews (a recusal, a panel change) write
each review with its own compare-and-set; a review that changed meanwhile is left as it was.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog

from services.judging.domain.aggregation import EntryResult, JudgeScore, aggregate_entry, calibration, z_score_totals
from services.judging.domain.assignment import (
    Assignment,
    AssignmentError,
    EntryRef,
    JudgeRef,
    assign_judges,
    reassign_on_recusal,
    rebalance,
    swap_problem,
)
from services.judging.domain.rounds import RoundRule, advancing
from services.judging.domain.rubric import Criterion, Rubric, RubricError, default_rubric, validate_scores
from services.judging.settings import JudgingSettings
from services.judging.store import DocLocks, JudgingStore, review_id, round_id
from shared import outbox
from shared.auth import Principal
from shared.envelope import Envelope, EventPayload
from shared.errors import Conflict, Forbidden, Gone, Invalid, NotFound, Refused
from shared.events.accounts import AccountRegistered
from shared.events.contests import ContestOpened
from shared.events.entries import EntryBecameEligible, EntryWithdrawnFromJudging
from shared.events.judging import (
    CriterionDef,
    EntryReviewStarted,
    EntryRoundScored,
    JudgeSheet,
    JudgingClosed,
    JudgingSetupChanged,
    ReviewersChanged,
    RoundClosed,
    RoundReopened,
    RoundSetup,
)
from shared.mongo import Doc, insert_new
from shared.view_cache import ViewCache

log = structlog.get_logger(__name__)

MSG_CLOSED = "Vòng chấm đã đóng, không nhận thêm điểm hay sửa điểm."
MSG_FROZEN = "Cấu hình chấm đã bị khoá vì vòng chấm đã bắt đầu; không thể thay đổi thang điểm hay các vòng."
MSG_DECLARE = "Bạn cần xác nhận không có xung đột lợi ích trước khi mở hồ sơ này."
MSG_WITHDRAWN = "Hồ sơ này đã được rút khỏi vòng chấm."
MSG_NOT_YOURS = "Không tìm thấy bài được phân công cho bạn."
MSG_CHANGED = "Phiếu chấm vừa thay đổi ở nơi khác, vui lòng tải lại."


def invalid(errors: dict[str, str], detail: str = "Dữ liệu không hợp lệ.") -> Invalid:
    return Invalid(detail, errors)


def rubric_doc(r: Rubric) -> Doc:
    return {"version": r.version, "criteria": [
        {"key": c.key, "name": c.name, "description": c.description, "max_points": c.max_points,
         "weight": c.weight, "required": c.required} for c in r.criteria]}


def rubric_of(doc: Doc) -> Rubric:
    return Rubric(version=doc["version"], criteria=tuple(Criterion(**c) for c in doc["criteria"]))


def fresh_sheet() -> Doc:
    return {"status": "assigned", "scores": {}, "comments": {}, "overall": ""}


def judges_update(r: Doc, new: list[str]) -> Doc:
    """Move a review to the judges ``new``: sheets of judges who stay are kept, leavers' dropped.

    Sheets are set and unset one path at a time: FerretDB 1.24 skips a ``$set`` of a whole
    sub-document whose values equal the old ones under other keys (it compares values only).
    """
    old = r["judge_ids"]
    update: Doc = {"$set": {"judge_ids": new, **{f"sheets.{j}": fresh_sheet() for j in new if j not in old}}}
    gone = {f"sheets.{j}": "" for j in old if j not in new}
    if gone:
        update["$unset"] = gone
    return update


def result_of(r: Doc) -> EntryResult:
    """The stored round result of a review as the domain's :class:`EntryResult`."""
    res = r["result"]
    return EntryResult(entry_id=r["entry_id"], judge_totals=res["judge_totals"], mean_total=res["mean_total"],
                       trimmed_mean=res["trimmed_mean"], official_total=res["official_total"],
                       criterion_means=res["criterion_means"], spread=res["spread"],
                       disagreement=res["disagreement"], judge_count=len(res["judge_totals"]))


def counted_totals(results: Sequence[EntryResult], standardised: bool) -> dict[str, float]:
    """Entry id -> the total that counts: the official (raw) total, or the z-score one."""
    if not results:
        return {}
    if standardised:
        return z_score_totals(results, calibration(results))
    return {r.entry_id: r.official_total for r in results}


class RoundState:
    """A round's assigned entries and each judge's load (see ``JudgingService._round_state``)."""

    def __init__(self) -> None:
        self.assigned: set[str] = set()
        self.loads: dict[str, int] = {}


@dataclass
class JudgingService:
    store: JudgingStore
    settings: JudgingSettings
    locks: DocLocks = field(default_factory=DocLocks)
    views: ViewCache = field(default_factory=ViewCache)  # the organisers' summaries (``views.py``)
    _rounds_seen: dict[tuple[str, int], RoundState] = field(default_factory=dict)

    def _env(self, payload: EventPayload) -> Envelope:
        return Envelope.wrap(payload, producer=self.settings.service_name)

    # ------------------------------------------------------------ copies kept from events

    async def on_account(self, e: AccountRegistered) -> None:
        """Idempotent upsert. A judge who leaves (deactivated or no longer a judge) loses the
        unscored work of open rounds, which is rebalanced over the rest of the panel."""
        is_judge = "judge" in e.roles and e.active
        if "judge" in e.roles:
            await self.store.judges.update_one(
                {"_id": e.account_id},
                {"$set": {"full_name": e.full_name, "unit": e.unit, "categories": e.categories, "active": e.active}},
                upsert=True)
        else:
            await self.store.judges.update_one({"_id": e.account_id}, {"$set": {"active": False}})
        if not is_judge:
            await self._judge_left(e.account_id)

    async def _judge_left(self, judge_id: str) -> None:
        open_rounds = {(r["contest_id"], r["round_no"]) async for r in self.store.reviews.find(
            {"judge_ids": judge_id, "closed": {"$ne": True}, "withdrawn": {"$ne": True}},
            {"contest_id": 1, "round_no": 1})}
        for contest_id, round_no in sorted(open_rounds):
            try:
                await self.rebalance_round(contest_id, round_no, actor="system", note="judge_left")
            except Refused as exc:
                log.warning("judging.rebalance_failed", contest_id=contest_id, round_no=round_no, detail=exc.message)

    async def on_contest(self, e: ContestOpened) -> None:
        known = await self.store.contests.find_one({"_id": e.contest_id}, {"revision": 1})
        if known is not None and known.get("revision", 0) >= e.revision:
            return  # a repeated or out-of-order older snapshot
        await self.store.contests.update_one(
            {"_id": e.contest_id},
            {"$set": {"name": e.name, "code": e.code, "categories": [c.model_dump() for c in e.categories],
                      "closes_at": e.closes_at, "status": e.status, "revision": e.revision},
             "$setOnInsert": {"rubric": rubric_doc(default_rubric()), "rubric_history": [],
                              "judging_status": "setup", "frozen": False}},
            upsert=True)
        if known is None:
            await self.publish_setup(e.contest_id)

    async def on_eligible(self, e: EntryBecameEligible) -> None:
        await self.on_eligible_many([e])

    async def on_eligible_many(self, events: Sequence[EntryBecameEligible]) -> None:
        """Store the blind entries and, where the first round is already released, assign them.

        A backlog (a round released while screening goes on, or a restart) arrives as runs of
        these events: new entries are inserted in one command and assigned in one plan per
        contest, not one scan of the store per entry (on FerretDB every lookup but ``_id`` scans)."""
        latest = {e.entry_id: e for e in events}
        docs: dict[str, Doc] = {}
        for e in latest.values():
            docs[e.entry_id] = {"_id": e.entry_id, "contest_id": e.contest_id, "code": e.code, "title": e.title,
                                "category": e.category, "sections": e.sections.model_dump(),
                                "attachments": [a.model_dump() for a in e.attachments], "version": e.version,
                                "conflict_unit": e.conflict_unit, "submitted_at": e.submitted_at, "withdrawn": False}
        # Inserted in one command; an entry judging already knew (a newer deadline version, an entry
        # made eligible again) is refused by its _id and updated instead, keeping its withdrawn flag.
        known = await insert_new(self.store.entries, list(docs.values()))
        for entry_id in sorted(known):
            fields = {k: v for k, v in docs[entry_id].items() if k not in ("_id", "withdrawn")}
            await self.store.entries.update_one({"_id": entry_id}, {"$set": fields})
            stored = await self.store.entries.find_one({"_id": entry_id}, {"withdrawn": 1})
            docs[entry_id]["withdrawn"] = bool((stored or {}).get("withdrawn"))
        by_contest: dict[str, list[Doc]] = {}
        for d in docs.values():
            if not d["withdrawn"]:
                by_contest.setdefault(d["contest_id"], []).append(d)
        for contest_id, arrived in sorted(by_contest.items()):
            rnd = await self.store.rounds.find_one({"_id": round_id(contest_id, 1), "released": True,
                                                    "closed": False})
            if rnd is None:
                continue
            ids = [d["_id"] for d in arrived]
            try:
                await self._assign(rnd, only=ids, known=arrived)
            except Refused as exc:  # not enough judges yet: the next release assigns them
                log.warning("judging.entries_wait_for_judges", contest_id=contest_id, count=len(ids),
                            detail=exc.message)

    async def on_withdrawn(self, e: EntryWithdrawnFromJudging) -> None:
        """The entry leaves every queue at once and can never produce a result; bumping ``rev``
        makes any sheet save in flight fail its compare-and-set."""
        self._forget_rounds()
        await self.store.entries.update_one({"_id": e.entry_id},
                                            {"$set": {"withdrawn": True, "contest_id": e.contest_id}}, upsert=True)
        async for r in self.store.reviews.find({"entry_id": e.entry_id, "withdrawn": {"$ne": True}}, {"_id": 1}):
            async with self.locks.hold(r["_id"]):
                await self.store.reviews.update_one(
                    {"_id": r["_id"]}, {"$set": {"withdrawn": True, "withdrawn_reason": e.reason}, "$inc": {"rev": 1}})
        self._forget_rounds()

    # ------------------------------------------------------------ configuration

    async def contest(self, contest_id: str) -> Doc:
        c = await self.store.contests.find_one({"_id": contest_id}, {outbox.OUTBOX: 0})
        if c is None:
            raise NotFound("Không tìm thấy cuộc thi.")
        return c

    def rules(self, contest: Doc) -> list[RoundRule]:
        """The contest's rounds; without configuration, one round of the default K."""
        conf = contest.get("setup") or {}
        rounds = conf.get("rounds") or [{"judges_per_entry": self.settings.judges_per_entry}]
        return [RoundRule(r["judges_per_entry"], r.get("advance_top_n"), r.get("advance_min_total")) for r in rounds]

    def threshold(self, contest: Doc) -> float:
        return float((contest.get("setup") or {}).get("disagreement_threshold", self.settings.disagreement_threshold))

    @staticmethod
    def standardised(contest: Doc) -> bool:
        return bool((contest.get("setup") or {}).get("standardised", False))

    async def set_rubric(self, contest_id: str, criteria: list[Doc]) -> Doc:
        contest = await self.contest(contest_id)
        if contest.get("frozen"):
            raise Conflict(MSG_FROZEN)
        version = contest["rubric"]["version"]
        try:
            rubric = Rubric(version=version + 1, criteria=tuple(Criterion(**c) for c in criteria))
        except RubricError as exc:
            raise invalid({"criteria": str(exc)}) from exc
        limit = self._min_total_over(contest, rubric)
        if limit:
            raise invalid({"criteria": limit})
        res = await self.store.contests.update_one(
            {"_id": contest_id, "frozen": {"$ne": True}, "rubric.version": version},
            {"$set": {"rubric": rubric_doc(rubric)}, "$push": {"rubric_history": contest["rubric"]}})
        if not res.matched_count:
            raise Conflict(MSG_FROZEN if (await self.contest(contest_id)).get("frozen")
                                else "Thang điểm vừa được thay đổi ở nơi khác, vui lòng tải lại.")
        log.info("judging.rubric_changed", contest_id=contest_id, version=rubric.version)
        await self.publish_setup(contest_id)
        return rubric_doc(rubric)

    def _min_total_over(self, contest: Doc, rubric: Rubric) -> str:
        for i, rule in enumerate(self.rules(contest)):
            if rule.advance_min_total is not None and rule.advance_min_total > rubric.max_total:
                return f"Điểm tối thiểu để vào vòng sau của vòng {i + 1} vượt quá tổng điểm của thang điểm."
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
                errors[f"rounds.{i}.advance_top_n"] = "Vòng này cần quy tắc vào vòng sau: top N và/hoặc điểm tối thiểu."
            if r.get("advance_min_total") is not None and r["advance_min_total"] > rubric.max_total:
                errors[f"rounds.{i}.advance_min_total"] = "Điểm tối thiểu vượt quá tổng điểm của thang điểm."
            if last:
                r["advance_top_n"] = r["advance_min_total"] = None
        if errors:
            raise invalid(errors)
        setup = {"rounds": rounds, "standardised": standardised, "disagreement_threshold": threshold}
        res = await self.store.contests.update_one({"_id": contest_id, "frozen": {"$ne": True}},
                                                   {"$set": {"setup": setup}})
        if not res.matched_count:
            raise Conflict(MSG_FROZEN)
        await self.publish_setup(contest_id)
        return setup

    async def panel_judges(self, contest: Doc) -> list[Doc]:
        query: Doc = {"active": True}
        if contest.get("panel") is not None:
            query["_id"] = {"$in": contest["panel"]}
        return await self.store.judges.find(query).sort("_id", 1).to_list()

    async def set_panel(self, contest_id: str, judge_ids: list[str]) -> list[str]:
        """The contest's panel (without one, every active judge is on it). Mid-round, only the
        unscored work of open rounds is rebalanced."""
        contest = await self.contest(contest_id)
        known = {j["_id"] async for j in self.store.judges.find({"_id": {"$in": judge_ids}, "active": True})}
        unknown = sorted(set(judge_ids) - known)
        if unknown:
            raise invalid({"judge_ids": f"Không tìm thấy giám khảo: {', '.join(unknown)}"})
        before = contest.get("panel")
        await self.store.contests.update_one({"_id": contest_id}, {"$set": {"panel": sorted(known)}})
        if before is None or sorted(before) != sorted(known):
            async for rnd in self.store.rounds.find({"contest_id": contest_id, "released": True, "closed": False}):
                try:
                    await self.rebalance_round(contest_id, rnd["round_no"], actor="organiser", note="panel_changed")
                except Refused:
                    await self.store.contests.update_one({"_id": contest_id}, {"$set": {"panel": before}})
                    raise
        await self.publish_setup(contest_id)
        return sorted(known)

    async def set_deadline(self, contest_id: str, round_no: int, deadline: datetime | None) -> datetime | None:
        """When judges of a round should have submitted; shown in their queue and the basis of
        reminders. Can be set before the round opens and changed until it closes."""
        contest = await self.contest(contest_id)
        if not 1 <= round_no <= len(self.rules(contest)):
            raise NotFound("Không tìm thấy vòng chấm.")
        rnd = await self.store.rounds.find_one({"_id": round_id(contest_id, round_no)}, {"closed": 1})
        if rnd is not None and rnd.get("closed"):
            raise Conflict("Vòng chấm đã đóng.")
        if deadline is not None and deadline.tzinfo is None:
            deadline = deadline.replace(tzinfo=UTC)
        await self.store.contests.update_one({"_id": contest_id},
                                             {"$set": {f"round_deadlines.r{round_no}": deadline}})
        await self.publish_setup(contest_id)
        return deadline

    async def publish_setup(self, contest_id: str) -> None:
        """Tell readers the contest's whole judging set-up as it is now (``JudgingSetupChanged``)."""
        contest = await self.store.contests.find_one({"_id": contest_id}, {outbox.OUTBOX: 0})
        if contest is None:
            return
        rubric = rubric_of(contest["rubric"])
        rules = self.rules(contest)
        known = {r["round_no"]: r for r in await self.rounds(contest_id)}
        deadlines = contest.get("round_deadlines") or {}
        rounds = [RoundSetup(round_no=n, judges_per_entry=(known.get(n) or {}).get("k", rule.judges_per_entry),
                             released=bool((known.get(n) or {}).get("released")),
                             closed=bool((known.get(n) or {}).get("closed")), final=n == len(rules),
                             deadline=deadlines.get(f"r{n}"))
                  for n, rule in enumerate(rules, 1)]
        now = datetime.now(UTC)
        event = self._env(JudgingSetupChanged(
            contest_id=contest_id, as_of=now, rubric_version=rubric.version, criteria=len(rubric.criteria),
            max_total=rubric.max_total, panel_chosen=contest.get("panel") is not None,
            panel_size=len(await self.panel_judges(contest)), rounds=rounds))
        await self.store.contests.update_one({"_id": contest_id},
                                             outbox.with_events({"$set": {"setup_published_at": now}}, event))

    async def publish_all_setups(self) -> None:
        """At start-up: a snapshot lost to a crash between a change and its publication is healed."""
        async for c in self.store.contests.find({"announced": {"$ne": True}}, {"_id": 1}):
            await self.publish_setup(c["_id"])

    # ------------------------------------------------------------ rounds and assignment

    async def _round_inputs(self, contest: Doc, round_no: int) -> tuple[RoundRule, Doc | None]:
        rules = self.rules(contest)
        if not 1 <= round_no <= len(rules):
            raise NotFound("Không tìm thấy vòng chấm.")
        rnd = await self.store.rounds.find_one({"_id": round_id(contest["_id"], round_no)})
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
            async for r in self.store.reviews.find({"contest_id": contest_id, "round_no": round_no},
                                                    {"entry_id": 1, "judge_ids": 1, "withdrawn": 1}):
                state.assigned.add(r["entry_id"])
                if not r.get("withdrawn"):
                    for j in r["judge_ids"]:
                        state.loads[j] = state.loads.get(j, 0) + 1
            self._rounds_seen[key] = state
        return state

    def _forget_rounds(self) -> None:
        self._rounds_seen.clear()

    async def _plan(self, contest: Doc, round_no: int, entry_filter: list[str] | None, k: int, seed: int,
                    only: list[str] | None = None, known: Sequence[Doc] | None = None,
                    ) -> tuple[dict[str, tuple[str, ...]], list[Doc], list[Doc]]:
        """The assignment of the round's still unassigned entries (nothing written). ``known``:
        the entries themselves when the caller has them (arrivals), so they are not read again."""
        contest_id = contest["_id"]
        query: Doc = {"contest_id": contest_id, "withdrawn": False}
        ids: set[str] | None = set(entry_filter) if entry_filter is not None else None
        if only is not None:
            ids = set(only) if ids is None else ids & set(only)
        if known is not None:
            entries = [e for e in known if ids is None or e["_id"] in ids]
        else:
            if ids is not None:
                query["_id"] = {"$in": sorted(ids)}
            entries = await self.store.entries.find(query, {"sections": 0, "attachments": 0}).to_list()
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
            raise Conflict(f"Không đủ giám khảo để phân công: {exc}") from exc
        return dict(plan), todo, judges

    async def preview(self, contest_id: str, round_no: int, k: int | None, seed: int) -> Doc:
        """What releasing with this seed would assign: reproducible, nothing is written."""
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

    async def release_round(self, contest_id: str, round_no: int, k: int | None, seed: int) -> Doc:
        """Open a round and assign its entries; again later, assigns entries that arrived since."""
        self._forget_rounds()
        contest = await self.contest(contest_id)
        rule, rnd = await self._round_inputs(contest, round_no)
        rid = round_id(contest_id, round_no)
        final = round_no == len(self.rules(contest))
        await self.store.contests.update_one({"_id": contest_id},
                                             {"$set": {"frozen": True, "judging_status": "scoring"}})
        if rnd is None or not rnd.get("released"):
            fields = {"contest_id": contest_id, "round_no": round_no, "k": k or rule.judges_per_entry, "seed": seed,
                      "released": True, "closed": False, "final": final, "released_at": datetime.now(UTC)}
            await self.store.rounds.update_one({"_id": rid, "released": {"$ne": True}}, {"$set": fields}, upsert=True)
            rnd = await self.store.rounds.find_one({"_id": rid})
            assert rnd is not None
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
        docs: list[Doc] = []
        for entry_id, judge_ids in plan.items():
            doc = {"_id": review_id(contest_id, round_no, entry_id), "contest_id": contest_id, "round_no": round_no,
                   "entry_id": entry_id, "judge_ids": list(judge_ids), "final_round": rnd["final"],
                   "sheets": {j: fresh_sheet() for j in judge_ids}, "declarations": {}, "excluded": [],
                   "withdrawn": False, "closed": False, "audit": [], "rev": 0, "result": None, "assigned_at": now}
            event = self._env(EntryReviewStarted(contest_id=contest_id, entry_id=entry_id, round_no=round_no,
                                                 judges=len(judge_ids)))
            docs.append(outbox.new_document(doc, event, self._reviewers(doc, list(judge_ids))))
        # Reviews that exist are never touched (``_plan`` leaves them out; one written meanwhile by
        # another release is skipped by its unique _id), and many are written in a few commands.
        try:
            for i in range(0, len(docs), 200):
                await insert_new(self.store.reviews, docs[i:i + 200])
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
        return await self.store.reviews.find(
            {"contest_id": contest_id, "round_no": round_no, "withdrawn": {"$ne": True}, "closed": {"$ne": True}},
            {outbox.OUTBOX: 0}).to_list()

    async def _refs(self, contest: Doc, reviews: list[Doc]) -> tuple[list[JudgeRef], list[EntryRef], set[str]]:
        judges = await self.panel_judges(contest)
        active = {j["_id"] for j in judges}
        ids = [r["entry_id"] for r in reviews]
        entries = {e["_id"]: e async for e in self.store.entries.find({"_id": {"$in": ids}},
                                                                      {"conflict_unit": 1, "category": 1})}
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
            update = judges_update(r, new)
            update["$set"]["rev"] = r["rev"] + 1
            update["$push"] = {"audit": entry}
            async with self.locks.hold(r["_id"]):
                res = await self.store.reviews.update_one(
                    {"_id": r["_id"], "rev": r["rev"], "closed": {"$ne": True}},
                    outbox.with_events(update, self._reviewers(r, new)))
            if res.matched_count:
                moved += 1
            else:
                log.warning("judging.reassignment_skipped", review_id=r["_id"], reason="changed meanwhile")
        self._forget_rounds()
        return moved

    async def rebalance_round(self, contest_id: str, round_no: int, *, actor: str, note: str) -> int:
        self._forget_rounds()
        contest = await self.contest(contest_id)
        rnd = await self.store.rounds.find_one({"_id": round_id(contest_id, round_no)})
        if rnd is None or rnd.get("closed"):
            return 0
        reviews = await self._open_reviews(contest_id, round_no)
        judges, entries, active = await self._refs(contest, reviews)
        current = Assignment(rnd["k"], {r["entry_id"]: tuple(r["judge_ids"]) for r in reviews})
        excluded = [(r["entry_id"], j) for r in reviews for j in r.get("excluded", [])]
        try:
            plan = rebalance(current, judges, entries, self._locked(reviews, active), rnd["seed"], excluded=excluded)
        except AssignmentError as exc:
            raise Conflict(f"Không đủ giám khảo để phân công lại: {exc}") from exc
        moved = await self._apply(reviews, plan, actor=actor, kind="rebalance", note=note)
        log.info("judging.rebalanced", contest_id=contest_id, round_no=round_no, moved=moved, note=note)
        return moved

    # ------------------------------------------------------------ the judge's work

    async def queue(self, judge: Principal) -> list[Doc]:
        out = []
        reviews = await self.store.reviews.find({"judge_ids": judge.account_id, "withdrawn": {"$ne": True}},
                                                {outbox.OUTBOX: 0, "audit": 0}).to_list()
        now = datetime.now(UTC)
        ids = [r["entry_id"] for r in reviews]
        entries = {e["_id"]: e async for e in self.store.entries.find({"_id": {"$in": ids}},
                                                                      {"title": 1, "code": 1, "category": 1})}
        contests = {c["_id"]: c async for c in self.store.contests.find(
            {"_id": {"$in": sorted({r["contest_id"] for r in reviews})}}, {"name": 1, "round_deadlines": 1})}
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
        reviews = await self.store.reviews.find(
            {"$or": [{"audit.added": me}, {"audit.removed": me}], "closed": {"$ne": True}},
            {"entry_id": 1, "audit": 1, "judge_ids": 1}).to_list()
        entries = {e["_id"]: e async for e in self.store.entries.find(
            {"_id": {"$in": [r["entry_id"] for r in reviews]}}, {"title": 1, "code": 1})}
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
        return await self.store.reminders.find({"judge_id": judge.account_id}, {"_id": 0}).sort(
            "at", -1).limit(5).to_list()

    async def assigned(self, judge: Principal, rid: str) -> Doc:
        """The review, only for a judge assigned to it (else 404, so ids cannot be probed)."""
        r = await self.store.reviews.find_one({"_id": rid, "judge_ids": judge.account_id}, {outbox.OUTBOX: 0})
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
        entry = await self.store.entries.find_one({"_id": r["entry_id"]}, {"conflict_unit": 0})
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
            await self.store.reviews.update_one(
                {"_id": rid, f"declarations.{judge.account_id}": {"$exists": False}},
                {"$set": {f"declarations.{judge.account_id}": now}, "$inc": {"rev": 1},
                 "$push": {"audit": {"kind": "declaration", "at": now, "by": judge.account_id}}})
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
        rnd = await self.store.rounds.find_one({"_id": round_id(r["contest_id"], r["round_no"])})
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
                raise invalid({"to": problem})
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
        update = judges_update(r, new)
        update["$set"]["rev"] = r["rev"] + 1
        update["$push"] = {"audit": audit, "excluded": judge_id}
        if r.get("result"):
            update.setdefault("$unset", {})["result"] = ""
        res = await self.store.reviews.update_one(
            {"_id": r["_id"], "rev": r["rev"], "closed": {"$ne": True}, "withdrawn": {"$ne": True}},
            outbox.with_events(update, self._reviewers(r, new)))
        if not res.matched_count:
            raise Conflict(MSG_CHANGED)
        if to is None:
            others = [x for x in reviews if x["_id"] != r["_id"]]
            await self._apply(others, plan, actor="system", kind="rebalance", note=kind, skip=r["entry_id"])
        return added

    async def void_sheet(self, rid: str, judge_id: str, reason: str, by: Principal, to: str | None = None) -> Doc:
        """An organiser voids a judge's sheet (e.g. a conflict found after scoring) with a reason:
        the judge leaves the entry, another takes it; the result follows their sheet."""
        async with self.locks.hold(rid):
            r = await self._organiser_review(rid)
            if judge_id not in r["judge_ids"]:
                raise invalid({"judge_id": "Giám khảo này không chấm hồ sơ này."})
            added = await self._replace_judge(r, judge_id, kind="voided", by=by.account_id, note=reason, to=to,
                                              by_name=by.full_name or by.email)
        log.info("judging.sheet_voided", review_id=rid, judge=judge_id, replaced_by=added, by=by.account_id)
        return {"review_id": rid, "removed": judge_id, "added": added}

    async def _organiser_review(self, rid: str) -> Doc:
        r = await self.store.reviews.find_one({"_id": rid, "withdrawn": {"$ne": True}}, {outbox.OUTBOX: 0})
        if r is None:
            raise NotFound("Không tìm thấy hồ sơ chấm.")
        if r.get("closed"):
            raise Conflict("Vòng chấm đã đóng; hãy mở lại vòng trước khi thay giám khảo.")
        return r

    async def review_for_organiser(self, rid: str) -> Doc:
        """One entry's judges in a round, and who else could take it (load in the round, and the
        rule that forbids it, if any), for the organiser's page."""
        r = await self.store.reviews.find_one({"_id": rid}, {outbox.OUTBOX: 0})
        if r is None:
            raise NotFound("Không tìm thấy hồ sơ chấm.")
        contest = await self.contest(r["contest_id"])
        reviews = await self._open_reviews(r["contest_id"], r["round_no"]) if not r.get("closed") else [r]
        judges, entries, _ = await self._refs(contest, reviews)
        entry = next((e for e in entries if e.entry_id == r["entry_id"]), None)
        names = {j["_id"]: j async for j in self.store.judges.find({}, {"full_name": 1, "unit": 1})}
        loads = {j.judge_id: sum(j.judge_id in x["judge_ids"] for x in reviews) for j in judges}
        doc = await self.store.entries.find_one({"_id": r["entry_id"]}, {"code": 1, "title": 1})
        return {
            "review": r, "entry": doc or {}, "contest": contest,
            "on_entry": [{"judge_id": j, "name": names.get(j, {}).get("full_name", j),
                          "unit": names.get(j, {}).get("unit", ""), "status": r["sheets"][j]["status"],
                          "pinned": j in r.get("pinned", [])} for j in r["judge_ids"]],
            "candidates": sorted(({"judge_id": j.judge_id, "name": names.get(j.judge_id, {}).get("full_name", ""),
                                   "unit": j.unit, "load": loads[j.judge_id],
                                   "problem": swap_problem(entry, j, r["judge_ids"], r.get("excluded", []))}
                                  for j in judges if j.judge_id not in r["judge_ids"]),
                                 key=lambda c: (bool(c["problem"]), c["load"], c["name"])),
        }

    async def pin(self, rid: str, judge_id: str, pinned: bool, by: Principal) -> Doc:
        """Keep a judge on an entry whatever later rebalancing does (or release the pin)."""
        async with self.locks.hold(rid):
            r = await self._organiser_review(rid)
            if judge_id not in r["judge_ids"]:
                raise invalid({"judge_id": "Giám khảo này không chấm hồ sơ này."})
            audit = {"kind": "pinned" if pinned else "unpinned", "at": datetime.now(UTC), "by": by.account_id,
                     "by_name": by.full_name or by.email, "note": "", "added": [judge_id] if pinned else []}
            pins = sorted(set(r.get("pinned", [])) | {judge_id}) if pinned else \
                [j for j in r.get("pinned", []) if j != judge_id]
            res = await self.store.reviews.update_one(
                {"_id": rid, "rev": r["rev"]}, {"$set": {"pinned": pins, "rev": r["rev"] + 1},
                                                "$push": {"audit": audit}})
            if not res.matched_count:
                raise Conflict(MSG_CHANGED)
        self._forget_rounds()
        return {"review_id": rid, "pinned": pins}

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
        errors = validate_scores(rubric, scores, final=final)
        errors |= {f"comment-{k}": "Tiêu chí không có trong thang điểm"
                   for k in comments if rubric.criterion(k) is None}
        if errors:
            raise invalid(errors, "Điểm chưa hợp lệ.")
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
        update: Doc = {"$set": {f"sheets.{judge.account_id}": sheet, "rev": r["rev"] + 1},
                       "$push": {"audit": {"kind": "score", "by": judge.account_id, "at": now,
                                           "old": old.get("scores", {}), "new": clean,
                                           "old_status": old["status"], "status": sheet["status"]}}}
        events: list[Envelope] = []
        if all(s["status"] == "submitted" for s in sheets.values()):
            result, event = self._result(r, rubric, sheets, self.threshold(contest))
            update["$set"]["result"] = result
            events.append(event)
        res = await self.store.reviews.update_one(
            {"_id": rid, "rev": r["rev"], "closed": {"$ne": True}, "withdrawn": {"$ne": True}},
            outbox.with_events(update, *events))
        if not res.matched_count:
            now_doc = await self.store.reviews.find_one({"_id": rid}, {"closed": 1, "withdrawn": 1})
            if now_doc and now_doc.get("closed"):
                raise Conflict(MSG_CLOSED)
            if now_doc and now_doc.get("withdrawn"):
                raise Gone(MSG_WITHDRAWN)
            raise Conflict(MSG_CHANGED)
        if events:
            log.info("judging.entry_scored", review_id=rid, official_total=update["$set"]["result"]["official_total"])
        return sheet

    def _reviewers(self, r: Doc, judge_ids: list[str]) -> Envelope:
        return self._env(ReviewersChanged(contest_id=r["contest_id"], entry_id=r["entry_id"], round_no=r["round_no"],
                                          judge_ids=sorted(judge_ids)))

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

    # ------------------------------------------------------------ organisers

    async def remind(self, contest_id: str, judge_id: str, by: Principal, message: str) -> Doc:
        """Record a reminder; the judge sees it on their queue page (there is no e-mail here)."""
        await self.contest(contest_id)
        if not await self.store.reviews.find_one({"contest_id": contest_id, "judge_ids": judge_id}, {"_id": 1}):
            raise NotFound("Giám khảo này không có bài nào trong cuộc thi.")
        doc = {"_id": uuid.uuid4().hex, "contest_id": contest_id, "judge_id": judge_id, "by": by.account_id,
               "message": message or "Ban tổ chức nhắc bạn hoàn thành các bài được phân công.", "at": datetime.now(UTC)}
        await self.store.reminders.insert_one(doc)
        log.info("judging.reminder_recorded", contest_id=contest_id, judge_id=judge_id)
        return {k: v for k, v in doc.items() if k != "_id"}

    async def round_results(self, contest_id: str, round_no: int) -> list[EntryResult]:
        reviews = await self.store.reviews.find(
            {"contest_id": contest_id, "round_no": round_no, "withdrawn": {"$ne": True}},
            {"entry_id": 1, "result": 1}).to_list()
        return [result_of(r) for r in reviews if r.get("result")]

    async def close_round(self, contest_id: str, round_no: int) -> Doc:
        """Refuse further scores (every review of the round is closed first, so a sheet save in
        flight fails its compare-and-set), publish the results and who advances; the last round
        closes judging."""
        contest = await self.contest(contest_id)
        rid = round_id(contest_id, round_no)
        rnd = await self.store.rounds.find_one({"_id": rid})
        if rnd is None or not rnd.get("released"):
            raise NotFound("Không tìm thấy vòng chấm.")
        if rnd.get("closed"):
            raise Conflict("Vòng chấm đã đóng.")
        now = datetime.now(UTC)
        ids = [r["_id"] async for r in self.store.reviews.find(
            {"contest_id": contest_id, "round_no": round_no, "closed": {"$ne": True}}, {"_id": 1})]
        for rid_ in ids:
            async with self.locks.hold(rid_):
                await self.store.reviews.update_one({"_id": rid_},
                                                    {"$set": {"closed": True, "closed_at": now}, "$inc": {"rev": 1}})
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
        res = await self.store.rounds.update_one(
            {"_id": rid, "closed": False},
            outbox.with_events({"$set": {"closed": True, "closed_at": now, "advancing": moving, "totals": totals}},
                               *events))
        if not res.matched_count:
            raise Conflict("Vòng chấm đã đóng.")
        if final:
            await self.store.contests.update_one({"_id": contest_id}, {"$set": {"judging_status": "closed"}})
        else:
            nxt = round_id(contest_id, round_no + 1)
            await self.store.rounds.update_one(
                {"_id": nxt}, {"$setOnInsert": {"contest_id": contest_id, "round_no": round_no + 1,
                                                "k": rules[round_no].judges_per_entry, "entry_ids": moving,
                                                "released": False, "closed": False,
                                                "final": round_no + 1 == len(rules)}}, upsert=True)
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
        rid = round_id(contest_id, round_no)
        rnd = await self.store.rounds.find_one({"_id": rid})
        if rnd is None or not rnd.get("released"):
            raise NotFound("Không tìm thấy vòng chấm.")
        if not rnd.get("closed"):
            raise Conflict("Vòng chấm đang mở.")
        if contest.get("announced"):
            raise Conflict("Kết quả đã được công bố; không thể mở lại vòng chấm.")
        nxt = await self.store.rounds.find_one({"_id": round_id(contest_id, round_no + 1)})
        if nxt is not None and nxt.get("released"):
            raise Conflict("Vòng sau đã được mở; không thể mở lại vòng này.")
        now = datetime.now(UTC)
        final = bool(rnd["final"])
        event = self._env(RoundReopened(contest_id=contest_id, round_no=round_no, final_round=final, reason=reason,
                                        by=by.full_name or by.email))
        res = await self.store.rounds.update_one(
            {"_id": rid, "closed": True},
            outbox.with_events({"$set": {"closed": False, "advancing": [], "totals": {}},
                                "$push": {"history": {"kind": "reopened", "at": now, "by": by.account_id,
                                                      "reason": reason}}}, event))
        if not res.matched_count:
            raise Conflict("Vòng chấm vừa thay đổi ở nơi khác, vui lòng tải lại.")
        ids = [r["_id"] async for r in self.store.reviews.find(
            {"contest_id": contest_id, "round_no": round_no, "closed": True}, {"_id": 1})]
        for rid_ in ids:
            async with self.locks.hold(rid_):
                await self.store.reviews.update_one({"_id": rid_}, {"$set": {"closed": False}, "$inc": {"rev": 1},
                                                                    "$push": {"audit": {"kind": "reopened", "at": now,
                                                                                        "by": by.account_id,
                                                                                        "by_name": by.full_name,
                                                                                        "note": reason}}})
        if nxt is not None:
            await self.store.rounds.delete_one({"_id": nxt["_id"], "released": {"$ne": True}})
        if final:
            await self.store.contests.update_one({"_id": contest_id}, {"$set": {"judging_status": "scoring"}})
        log.info("judging.round_reopened", contest_id=contest_id, round_no=round_no, reason=reason)
        await self.publish_setup(contest_id)
        return {**rnd, "closed": False}

    async def on_announced(self, contest_id: str) -> None:
        """Awards announced the result: rounds can no longer be reopened."""
        await self.store.contests.update_one({"_id": contest_id}, {"$set": {"announced": True}})

    async def rounds(self, contest_id: str) -> list[Doc]:
        return await self.store.rounds.find({"contest_id": contest_id}, {outbox.OUTBOX: 0}).sort(
            "round_no", 1).to_list()

    async def current_round(self, contest_id: str) -> int | None:
        """The latest released round (the one organisers watch)."""
        rounds = [r for r in await self.rounds(contest_id) if r.get("released")]
        return rounds[-1]["round_no"] if rounds else None
