"""Judging's use cases: keep copies of judges, contests and blind entries; assign; score;
aggregate; close rounds.

A judge's sheet lives inside the entry's review document; submitting the last sheet computes
the round result and queues ``EntryRoundScored`` in the same compare-and-set write.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException

from services.judging.domain.assignment import AssignmentError, EntryRef, JudgeRef, assign_judges
from services.judging.domain.rubric import Criterion, Rubric, default_rubric, validate_scores, weighted_total
from services.judging.settings import JudgingSettings
from services.judging.store import JudgingStore, review_id
from shared import outbox
from shared.auth import Principal
from shared.envelope import Envelope, EventPayload
from shared.events.accounts import AccountRegistered
from shared.events.contests import ContestOpened
from shared.events.entries import EntryBecameEligible, EntryWithdrawnFromJudging
from shared.events.judging import (
    CriterionDef,
    EntryReviewStarted,
    EntryRoundScored,
    JudgeSheet,
    JudgingClosed,
    RoundClosed,
)
from shared.mongo import Doc


def rubric_doc(r: Rubric) -> Doc:
    return {"version": r.version, "criteria": [
        {"key": c.key, "name": c.name, "description": c.description, "max_points": c.max_points,
         "weight": c.weight, "required": c.required} for c in r.criteria]}


def rubric_of(doc: Doc) -> Rubric:
    return Rubric(version=doc["version"], criteria=tuple(Criterion(**c) for c in doc["criteria"]))


@dataclass
class JudgingService:
    store: JudgingStore
    settings: JudgingSettings

    def _env(self, payload: EventPayload) -> Envelope:
        return Envelope.wrap(payload, producer=self.settings.service_name)

    # ------------------------------------------------------------ copies kept from events

    async def on_account(self, e: AccountRegistered) -> None:
        """Idempotent upsert: a repeated or older account event leaves the same copy."""
        if "judge" in e.roles:
            await self.store.judges.update_one(
                {"_id": e.account_id},
                {"$set": {"full_name": e.full_name, "unit": e.unit, "categories": e.categories, "active": e.active}},
                upsert=True)
        else:
            await self.store.judges.update_one({"_id": e.account_id}, {"$set": {"active": False}})

    async def on_contest(self, e: ContestOpened) -> None:
        known = await self.store.contests.find_one({"_id": e.contest_id}, {"revision": 1})
        if known is not None and known.get("revision", 0) >= e.revision:
            return  # a repeated or out-of-order older snapshot
        await self.store.contests.update_one(
            {"_id": e.contest_id},
            {"$set": {"name": e.name, "code": e.code, "categories": [c.model_dump() for c in e.categories],
                      "closes_at": e.closes_at, "status": e.status, "revision": e.revision},
             "$setOnInsert": {"rubric": rubric_doc(default_rubric()), "judging_status": "setup"}},
            upsert=True)

    async def on_eligible(self, e: EntryBecameEligible) -> None:
        await self.store.entries.update_one(
            {"_id": e.entry_id},
            {"$set": {"contest_id": e.contest_id, "code": e.code, "title": e.title, "category": e.category,
                      "sections": e.sections.model_dump(), "attachments": [a.model_dump() for a in e.attachments],
                      "version": e.version, "conflict_unit": e.conflict_unit},
             "$setOnInsert": {"withdrawn": False}},
            upsert=True)
        rnd = await self.store.rounds.find_one({"contest_id": e.contest_id, "released": True, "closed": False})
        if rnd is not None:
            await self._assign(rnd, only=[e.entry_id])

    async def on_withdrawn(self, e: EntryWithdrawnFromJudging) -> None:
        await self.store.entries.update_one({"_id": e.entry_id}, {"$set": {"withdrawn": True}}, upsert=True)

    # ------------------------------------------------------------ rounds and assignment

    async def contest(self, contest_id: str) -> Doc:
        c = await self.store.contests.find_one({"_id": contest_id})
        if c is None:
            raise HTTPException(404, detail="Không tìm thấy cuộc thi.")
        return c

    async def set_panel(self, contest_id: str, judge_ids: list[str]) -> list[str]:
        """The contest's panel; without one, every active judge is on it."""
        await self.contest(contest_id)
        known = {j["_id"] async for j in self.store.judges.find({"_id": {"$in": judge_ids}, "active": True})}
        unknown = sorted(set(judge_ids) - known)
        if unknown:
            missing = f"Không tìm thấy giám khảo: {', '.join(unknown)}"
            raise HTTPException(422, detail={"detail": "Dữ liệu không hợp lệ.", "errors": {"judge_ids": missing}})
        await self.store.contests.update_one({"_id": contest_id}, {"$set": {"panel": sorted(known)}})
        return sorted(known)

    async def release_round(self, contest_id: str, round_no: int, k: int | None, seed: int) -> Doc:
        await self.contest(contest_id)
        rid = f"{contest_id}:{round_no}"
        rnd = await self.store.rounds.find_one({"_id": rid})
        if rnd is not None and rnd.get("closed"):
            raise HTTPException(409, detail="Vòng chấm đã đóng.")
        if rnd is None:
            rnd = {"_id": rid, "contest_id": contest_id, "round_no": round_no, "k": k or self.settings.judges_per_entry,
                   "seed": seed, "released": True, "closed": False, "final": True, "released_at": datetime.now(UTC)}
            await self.store.rounds.insert_one(rnd)
            await self.store.contests.update_one({"_id": contest_id}, {"$set": {"judging_status": "scoring"}})
        await self._assign(rnd)
        return rnd

    async def _assign(self, rnd: Doc, only: list[str] | None = None) -> None:
        contest_id, round_no = rnd["contest_id"], rnd["round_no"]
        query: Doc = {"contest_id": contest_id, "withdrawn": False}
        if only:
            query["_id"] = {"$in": only}
        entries = await self.store.entries.find(query).to_list()
        have = {d["entry_id"] for d in await self.store.reviews.find(
            {"contest_id": contest_id, "round_no": round_no}, {"entry_id": 1}).to_list()}
        todo = [e for e in entries if e["_id"] not in have]
        if not todo:
            return
        contest = await self.contest(contest_id)
        panel: Doc = {"active": True}
        if contest.get("panel"):
            panel["_id"] = {"$in": contest["panel"]}
        judges = [JudgeRef(j["_id"], j["unit"], frozenset(j.get("categories", [])))
                  for j in await self.store.judges.find(panel).to_list()]
        loads: dict[str, int] = {}
        async for r in self.store.reviews.find({"contest_id": contest_id, "round_no": round_no}, {"judge_ids": 1}):
            for j in r["judge_ids"]:
                loads[j] = loads.get(j, 0) + 1
        k = min(rnd["k"], len(judges))
        refs = [EntryRef(e["_id"], e["conflict_unit"], e["category"]) for e in todo]
        try:
            plan = assign_judges(refs, judges, k, rnd["seed"], base_loads=loads)
        except AssignmentError as exc:
            raise HTTPException(409, detail=f"Không đủ giám khảo để phân công: {exc}") from exc
        now = datetime.now(UTC)
        for entry_id, judge_ids in plan.items():
            doc = {"_id": review_id(contest_id, round_no, entry_id), "contest_id": contest_id, "round_no": round_no,
                   "entry_id": entry_id, "judge_ids": list(judge_ids), "final_round": rnd["final"],
                   "sheets": {j: {"status": "assigned", "scores": {}, "comments": {}, "overall": ""}
                              for j in judge_ids},
                   "audit": [], "rev": 0, "result": None, "assigned_at": now}
            event = self._env(EntryReviewStarted(contest_id=contest_id, entry_id=entry_id, round_no=round_no,
                                                 judges=len(judge_ids)))
            body = {k: v for k, v in outbox.new_document(doc, event).items() if k != "_id"}
            await self.store.reviews.update_one({"_id": doc["_id"]}, {"$setOnInsert": body}, upsert=True)

    # ------------------------------------------------------------ the judge's work

    async def queue(self, judge: Principal) -> list[Doc]:
        out = []
        async for r in self.store.reviews.find({"judge_ids": judge.account_id}, {outbox.OUTBOX: 0}):
            entry = await self.store.entries.find_one({"_id": r["entry_id"]}, {"title": 1, "code": 1, "category": 1})
            sheet = r["sheets"].get(judge.account_id, {})
            out.append({"review_id": r["_id"], "entry_id": r["entry_id"], "round_no": r["round_no"],
                        "contest_id": r["contest_id"], "title": entry["title"] if entry else "",
                        "code": entry["code"] if entry else "", "status": sheet.get("status", "assigned")})
        return sorted(out, key=lambda x: (x["status"] == "submitted", x["code"]))

    async def review_for(self, judge: Principal, rid: str) -> tuple[Doc, Doc, Doc]:
        """The review, entry and rubric: only for a judge assigned to it (else 404, no probing)."""
        r = await self.store.reviews.find_one({"_id": rid, "judge_ids": judge.account_id}, {outbox.OUTBOX: 0})
        if r is None:
            raise HTTPException(404, detail="Không tìm thấy bài được phân công cho bạn.")
        entry = await self.store.entries.find_one({"_id": r["entry_id"]}, {"conflict_unit": 0})
        contest = await self.contest(r["contest_id"])
        assert entry is not None
        return r, entry, contest

    async def save_sheet(self, judge: Principal, rid: str, scores: dict[str, float | None],
                         comments: dict[str, str], overall: str, submit: bool) -> Doc:
        r, _, contest = await self.review_for(judge, rid)
        rnd = await self.store.rounds.find_one({"_id": f"{r['contest_id']}:{r['round_no']}"})
        if rnd is None or rnd.get("closed"):
            raise HTTPException(409, detail="Vòng chấm đã đóng, không thể nhận thêm điểm.")
        rubric = rubric_of(contest["rubric"])
        errors = validate_scores(rubric, scores, final=submit)
        if errors:
            raise HTTPException(422, detail={"detail": "Điểm chưa hợp lệ.", "errors": errors})
        now = datetime.now(UTC)
        old = r["sheets"][judge.account_id]
        clean = {k: float(v) for k, v in scores.items() if v is not None}
        sheet = {"status": "submitted" if submit or old["status"] == "submitted" else "draft", "scores": clean,
                 "comments": comments, "overall": overall, "updated_at": now,
                 "submitted_at": old.get("submitted_at") or (now if submit else None)}
        sheets = {**r["sheets"], judge.account_id: sheet}
        update: Doc = {"$set": {f"sheets.{judge.account_id}": sheet, "rev": r["rev"] + 1},
                       "$push": {"audit": {"judge": judge.account_id, "at": now, "old": old.get("scores", {}),
                                           "new": clean, "status": sheet["status"]}}}
        events: list[Envelope] = []
        if all(s["status"] == "submitted" for s in sheets.values()):
            result, event = self._result(r, rubric, sheets)
            update["$set"]["result"] = result
            events.append(event)
        res = await self.store.reviews.update_one({"_id": rid, "rev": r["rev"]}, outbox.with_events(update, *events))
        if not res.matched_count:
            raise HTTPException(409, detail="Phiếu chấm vừa thay đổi ở nơi khác, vui lòng tải lại.")
        return sheet

    def _result(self, r: Doc, rubric: Rubric, sheets: dict[str, Doc]) -> tuple[Doc, Envelope]:
        ordered = sorted(sheets.items())
        totals = [weighted_total(rubric, s["scores"]) for _, s in ordered]
        mean = statistics.fmean(totals)
        trimmed = statistics.fmean(sorted(totals)[1:-1]) if len(totals) >= 5 else None
        crit = {c.key: statistics.fmean(s["scores"].get(c.key, 0.0) for _, s in ordered) for c in rubric.criteria}
        official = trimmed if trimmed is not None else mean
        spread = max(totals) - min(totals)
        # Outside judging a judge is a pseudonym: G1, G2... in the order of their ids.
        js = [JudgeSheet(judge=f"G{i + 1}", scores=s["scores"], total=t) for i, ((_, s), t) in
              enumerate(zip(ordered, totals, strict=True))]
        payload = EntryRoundScored(
            contest_id=r["contest_id"], entry_id=r["entry_id"], round_no=r["round_no"], final_round=r["final_round"],
            rubric_version=rubric.version,
            criteria=[CriterionDef(key=c.key, name=c.name, max_points=c.max_points, weight=c.weight,
                                   required=c.required) for c in rubric.criteria],
            sheets=js, mean_total=mean, trimmed_mean=trimmed, official_total=official, criterion_means=crit,
            disagreement=spread > self.settings.disagreement_threshold)
        result = payload.model_dump(mode="python", include={"mean_total", "trimmed_mean", "official_total",
                                                            "criterion_means", "disagreement"}) | {"spread": spread}
        return result, self._env(payload)

    # ------------------------------------------------------------ organisers

    async def progress(self, contest_id: str) -> Doc:
        reviews = await self.store.reviews.find({"contest_id": contest_id}, {outbox.OUTBOX: 0, "audit": 0}).to_list()
        judges = {j["_id"]: j for j in await self.store.judges.find().to_list()}
        per_judge: dict[str, dict[str, Any]] = {}
        for r in reviews:
            for jid, s in r["sheets"].items():
                row = per_judge.setdefault(jid, {"name": judges.get(jid, {}).get("full_name", jid), "assigned": 0,
                                                 "submitted": 0})
                row["assigned"] += 1
                row["submitted"] += s["status"] == "submitted"
        done = sum(1 for r in reviews if r.get("result"))
        return {"entries": len(reviews), "scored": done, "judges": per_judge, "reviews": reviews}

    async def close_round(self, contest_id: str, round_no: int) -> Doc:
        rid = f"{contest_id}:{round_no}"
        rnd = await self.store.rounds.find_one({"_id": rid})
        if rnd is None:
            raise HTTPException(404, detail="Không tìm thấy vòng chấm.")
        if rnd.get("closed"):
            raise HTTPException(409, detail="Vòng chấm đã đóng.")
        reviews = await self.store.reviews.find({"contest_id": contest_id, "round_no": round_no},
                                                {"entry_id": 1, "result": 1}).to_list()
        scored = sorted(r["entry_id"] for r in reviews if r.get("result"))
        contest = await self.contest(contest_id)
        events = [self._env(RoundClosed(contest_id=contest_id, round_no=round_no, final_round=rnd["final"],
                                        scored_entries=scored, advancing=[]))]
        if rnd["final"]:
            events.append(self._env(JudgingClosed(contest_id=contest_id, round_no=round_no,
                                                  rubric_version=contest["rubric"]["version"], entries=scored,
                                                  standardised=False)))
        now = datetime.now(UTC)
        res = await self.store.rounds.update_one(
            {"_id": rid, "closed": False}, outbox.with_events({"$set": {"closed": True, "closed_at": now}}, *events))
        if not res.matched_count:
            raise HTTPException(409, detail="Vòng chấm đã đóng.")
        if rnd["final"]:
            await self.store.contests.update_one({"_id": contest_id}, {"$set": {"judging_status": "closed"}})
        return {**rnd, "closed": True, "scored": scored}
