"""Awards' use cases: from judging's events to an approved, announced official result.

* Scores are recorded per entry and round as they arrive; the live ranking is a pure function
  of what is recorded (``domain.ranking.rank``), marked provisional until judging closes.
* The prize structure is configured per contest and frozen once judging has closed.
* After ``JudgingClosed`` the proposal is ``domain.result_hash.compute_official`` over the
  final round's results of exactly the entries the event listed (it waits for missing ones).
* Overrides (with a written reason) and the approval live in the contest document, with an
  append-only audit trail; every change is a compare-and-set on ``rev``.
* Announcing flips ``announced`` and queues ``ResultsAnnounced`` in the same single-document
  write (outbox); the announced inputs and result are stored content-addressed in ``results``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import structlog

from services.awards.domain.allocation import (
    MIN_REASON_CHARS,
    Allocation,
    AllocationError,
    Override,
    PrizeStructure,
    Tier,
    apply_overrides,
    rank_and_allocate,
)
from services.awards.domain.checklist import Facts, Step, steps
from services.awards.domain.participation import latest_statuses
from services.awards.domain.ranking import DEFAULT_CRITERION_LABELS, EntryScores, RankedEntry, RankingError, rank
from services.awards.domain.result_hash import compute_official, tiers_by_key
from services.awards.explanations import AUDIT, CATALOG
from services.awards.messages import text
from services.awards.repositories import AwardsRepositories
from services.awards.settings import AwardsSettings
from services.awards.store import AwardsStore, gunzip, gz  # noqa: F401  (the helpers test imports them here)
from shared.envelope import Envelope, EventPayload
from shared.errors import Conflict, Invalid, NotFound, Refused
from shared.events.authors import EntryAuthorsRecorded
from shared.events.awards import Outcome, ResultsAnnounced
from shared.events.contests import ContestClosed, ContestDeadlineExtended, ContestOpened, ContestUpdated
from shared.events.judging import EntryRoundScored, JudgingClosed, JudgingSetupChanged, RoundReopened
from shared.events.statuses import EntryStatusChanged
from shared.mongo import Doc
from shared.view_cache import Cached, ViewCache
from shared.web.i18n import N_

log = structlog.get_logger(__name__)

NEW_CONTEST: Doc = {"judging_closed": False, "announced": False, "rev": 0}  # a contest awards first hears of
DEFAULT_CHAIN: tuple[str, ...] = ("criterion:effectiveness", "median", "submitted_at")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def not_found() -> Refused:
    return NotFound("Không tìm thấy cuộc thi.")


def structure_from(doc: Mapping[str, Any]) -> PrizeStructure:
    tiers = tuple(Tier(key=t["key"], name=t["name"], count=int(t["count"]), prize_vnd=int(t["prize_vnd"]),
                       min_score=float(t["min_score"]), category=t.get("category"), name_en=t.get("name_en", ""))
                  for t in doc["tiers"])
    return PrizeStructure(tiers, tuple(doc.get("tie_break", ())))


def override_from(doc: Mapping[str, Any]) -> Override:
    return Override(entry_id=doc["entry_id"], tier_key=doc.get("tier_key"), position=doc.get("position"),
                    reason=doc["reason"], by=doc["by"], at=doc["at"])


@dataclass(frozen=True)
class Proposal:
    """The computed (and possibly overridden) allocation of a closed contest."""

    contest: Doc
    docs: dict[str, Doc]
    waiting: list[str]
    allocation: Allocation | None = None
    inputs_json: bytes = b""
    result: dict[str, Any] | None = None
    result_hash: str = ""
    error: str = ""

    @property
    def ready(self) -> bool:
        return self.allocation is not None and not self.waiting and not self.error


@dataclass
class AwardsService:
    repos: AwardsRepositories
    settings: AwardsSettings
    views: ViewCache = field(default_factory=ViewCache)  # the organisers' summaries, read once until a change

    async def contest_list(self, *, named_only: bool = False) -> list[Doc]:
        """Contests' names and closing times, latest closing first (``named_only``: those whose
        snapshot from submission arrived, not only judging's events)."""
        return await self.repos.contests.listing(named_only=named_only)

    async def ranking_view(self, contest_id: str) -> Cached[tuple[list[RankedEntry], dict[str, Doc]]]:
        """``ranking`` kept until something changes: it reads every entry of the contest."""
        await self.contest(contest_id)  # 404 for an unknown contest, before any caching
        return await self.views.get(("ranking", contest_id), lambda: self.ranking(contest_id))

    async def late_scores_view(self, contest_id: str) -> list[Doc]:
        return (await self.views.get(("late", contest_id), lambda: self.late_scores(contest_id))).value

    def _env(self, payload: EventPayload) -> Envelope:
        return Envelope.wrap(payload, producer=self.settings.service_name)

    # ------------------------------------------------------------ events in

    async def on_contest(self, e: ContestOpened | ContestUpdated | ContestDeadlineExtended | ContestClosed) -> None:
        known = await self.repos.contests.revision(e.contest_id)
        if known is not None and known >= e.revision:
            return
        await self.repos.contests.save_snapshot(
            e.contest_id,
            {"name": e.name, "code": e.code, "issuing_body": e.issuing_body, "revision": e.revision,
             "status": e.status, "categories": [c.model_dump() for c in e.categories], "closes_at": e.closes_at},
            on_insert=dict(NEW_CONTEST))

    async def on_authors(self, e: EntryAuthorsRecorded) -> None:
        await self.repos.entries.save_authors(e.entry_id, {
            "contest_id": e.contest_id, "code": e.code, "title": e.title, "category": e.category, "unit": e.unit,
            "summary": e.summary, "authors": [a.model_dump() for a in e.authors],
            "owner_account_id": e.owner_account_id, "submitted_at": e.submitted_at})

    async def on_scored(self, e: EntryRoundScored) -> None:
        """Record a round result; after the announcement it is kept and flagged, never applied."""
        record = e.model_dump(mode="python", exclude={"contest_id", "entry_id"})
        if await self.repos.contests.is_announced(e.contest_id):
            log.warning("awards.late_score_flagged", contest_id=e.contest_id, entry_id=e.entry_id,
                        round_no=e.round_no)
            await self.repos.entries.record_late_score(e.entry_id, e.round_no, record | {"at": datetime.now(UTC)})
            return
        await self.repos.entries.record_score(e.entry_id, e.contest_id, e.round_no, record)

    async def _announced(self, contest_id: str, event: str) -> bool:
        """Whether the result is already announced (then judging's late event changes nothing)."""
        if await self.repos.contests.is_announced(contest_id):
            log.warning(f"awards.{event}_after_announcement", contest_id=contest_id)
            return True
        return False

    async def on_judging_closed(self, e: JudgingClosed, at: datetime | None = None) -> None:
        """``at``: when judging closed (the event's time), for the season report's timeliness."""
        if await self._announced(e.contest_id, "judging_closed"):
            return
        fields: Doc = {"judging_closed": True, "final_round": e.round_no, "final_entries": sorted(set(e.entries)),
                       "rubric_version": e.rubric_version}
        if at is not None:
            fields["judging_closed_at"] = at
        await self.repos.contests.judging_closed(e.contest_id, fields, on_insert={"announced": False, "rev": 0})

    async def on_round_reopened(self, e: RoundReopened) -> None:
        """The final round was reopened: judging is open again, an approval no longer stands."""
        if not e.final_round or await self._announced(e.contest_id, "round_reopened"):
            return
        facts = {"round_no": e.round_no, "reason": e.reason}
        await self.repos.contests.judging_reopened(e.contest_id, {
            "at": datetime.now(UTC), "by": e.by, "action": "round_reopened",
            "detail": CATALOG.format(AUDIT["round_reopened"], "vi", facts), "facts": facts})

    async def on_judging_setup(self, e: JudgingSetupChanged) -> None:
        """Keep judging's newest set-up snapshot (for the checklist); an older one is ignored."""
        await self.repos.contests.keep_setup(e.contest_id, e.model_dump(mode="python", exclude={"contest_id"}),
                                             on_insert=dict(NEW_CONTEST))

    async def checklist(self, contest_id: str) -> list[Step]:
        c = await self.contest(contest_id)
        latest = latest_statuses(await self.repos.statuses.of_contest(contest_id))
        return steps(Facts(status=c.get("status", "open"), closes_at=c.get("closes_at"),
                           statuses={k: str(v["status"]) for k, v in latest.items()},
                           judging=c.get("judging_setup"), prizes_saved=bool(c.get("prizes")),
                           judging_closed=bool(c.get("judging_closed")), approved=bool(c.get("approval")),
                           announced=bool(c.get("announced"))), datetime.now(UTC))

    async def on_statuses(self, events: Sequence[EntryStatusChanged], event_ids: Sequence[str]) -> None:
        """Store status facts in one insert; a fact already stored (a redelivery) is skipped."""
        docs = [{"_id": eid, "entry_id": e.entry_id, "contest_id": e.contest_id, "category": e.category,
                 "unit": e.unit, "status": e.status, "author_group": e.author_group, "at": e.at}
                for e, eid in zip(events, event_ids, strict=True)]
        await self.repos.statuses.add(docs)
        # A screening decision changed (a copy found late, or an ineligible entry corrected): the
        # entry leaves or rejoins the ranking and the result. Rare, so one write per decision.
        # Exact-_id reads and writes only (FerretDB scans for anything else); one consumer handles
        # an entry's statuses in order (keyed by entry), so reading then writing is safe.
        for e in events:
            if e.status not in ("eligible", "ineligible", "withdrawn"):
                continue
            known = await self.repos.entries.status_at(e.entry_id)
            at = e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC)
            if known is not None and known >= at:
                continue  # a newer decision is already stored
            await self.repos.entries.set_excluded(e.entry_id, e.contest_id, e.status != "eligible", at)

    # ------------------------------------------------------------ reading

    async def contest(self, contest_id: str) -> Doc:
        c = await self.repos.contests.get(contest_id)
        if c is None:
            raise not_found()
        return c

    @staticmethod
    def _entry_scores(d: Doc, record: Doc) -> EntryScores:
        return EntryScores(
            entry_id=d["_id"], category=d.get("category", ""),
            submitted_at=d.get("submitted_at") or _EPOCH,
            judge_totals=tuple(float(s["total"]) for s in record["sheets"]),
            criterion_means={k: float(v) for k, v in record["criterion_means"].items()},
            official_total=float(record["official_total"]), title=d.get("title", ""))

    async def scores(self, contest_id: str) -> tuple[list[EntryScores], dict[str, Doc]]:
        """Each entry's latest round result: the final round's once there is one."""
        out: list[EntryScores] = []
        docs: dict[str, Doc] = {}
        for d in await self.repos.entries.scored(contest_id):
            rounds = d.get("rounds") or {}
            if not rounds or d.get("excluded"):
                continue
            last = max(rounds, key=lambda k: int(k[1:]))
            latest = rounds[last]
            docs[d["_id"]] = d | {"round_no": int(last[1:])}
            out.append(self._entry_scores(d, latest))
        return out, docs

    @staticmethod
    def chain_of(contest: Doc) -> tuple[str, ...]:
        prizes = contest.get("prizes")
        return tuple(prizes["tie_break"]) if prizes else DEFAULT_CHAIN

    async def criterion_labels(self, contest_id: str) -> dict[str, tuple[str, str]]:
        """The rubric's criteria as judging described them, English from the default rubric."""
        labels = dict(DEFAULT_CRITERION_LABELS)
        d = await self.repos.entries.any_scored(contest_id)
        for record in ((d or {}).get("rounds") or {}).values():
            for c in record.get("criteria", []):
                labels[c["key"]] = (c["name"], DEFAULT_CRITERION_LABELS.get(c["key"], (c["name"], c["name"]))[1])
        return labels

    async def ranking(self, contest_id: str) -> tuple[list[RankedEntry], dict[str, Doc]]:
        """Entries ranked round by round: those that reached the latest round first (once judging
        closed, only the final list, in official order), then those that stopped a round earlier,
        and so on. A preliminary total never sits among final totals. Each entry's round is
        ``docs[entry_id]["round_no"]``."""
        contest = await self.contest(contest_id)
        entries, docs = await self.scores(contest_id)
        labels = await self.criterion_labels(contest_id)
        return await asyncio.to_thread(self._rank_by_round, contest, entries, docs, labels)

    def _rank_by_round(self, contest: Doc, entries: list[EntryScores], docs: dict[str, Doc],
                       labels: dict[str, tuple[str, str]]) -> tuple[list[RankedEntry], dict[str, Doc]]:
        """CPU only, so in a thread: with thousands of entries the event loop would stall."""
        final = set(contest.get("final_entries") or []) if contest.get("judging_closed") else None
        groups: dict[int, list[EntryScores]] = {}
        for e in entries:
            round_no = docs[e.entry_id]["round_no"]
            if final is not None and round_no == contest.get("final_round") and e.entry_id not in final:
                round_no -= 1  # scored in the final round but not on the final list (withdrawn)
            groups.setdefault(round_no, []).append(e)
        out: list[RankedEntry] = []
        for round_no in sorted(groups, reverse=True):
            try:
                ranked = rank(groups[round_no], self.chain_of(contest), criterion_labels=labels)
            except RankingError:  # a tie-break criterion the rubric lacks: rank by total alone, say so elsewhere
                ranked = rank(groups[round_no], ("submitted_at",), criterion_labels=labels)
            offset = len(out)
            out += [replace(r, position=r.position + offset) if offset else r for r in ranked]
            for r in ranked:
                docs[r.entry_id]["round_no"] = round_no
        return out, docs

    # ------------------------------------------------------------ prize structure

    async def set_prizes(self, contest_id: str, prizes: Doc, who: str) -> Doc:
        """Save the prize structure, until the result is announced. Set after judging closed (an
        organiser who had not saved it, or who must correct it), it is recorded as such in the audit
        log, and an approval given before no longer stands: the result is approved again."""
        contest = await self.contest(contest_id)
        categories = {c["key"] for c in contest.get("categories", [])}
        labels = await self.criterion_labels(contest_id)
        errors: dict[str, str] = {}
        tiers: list[Tier] = []
        for i, t in enumerate(prizes["tiers"]):
            if t.get("category") and t["category"] not in categories:
                errors[f"tiers.{i}.category"] = N_("Lĩnh vực không có trong cuộc thi.")
                continue
            try:
                tiers.append(Tier(key=t["key"], name=t["name"], count=t["count"], prize_vnd=t["prize_vnd"],
                                  min_score=t["min_score"], category=t.get("category"), name_en=t.get("name_en", "")))
            except AllocationError as exc:
                errors[f"tiers.{i}"] = text(exc)
        for key in prizes["tie_break"]:
            if key.startswith("criterion:") and key.removeprefix("criterion:") not in labels:
                errors["tie_break"] = N_("Quy tắc phân định dùng một tiêu chí không có trong thang điểm.")
        if sum(int(t["count"]) for t in prizes["tiers"]) < 1:
            errors["tiers"] = N_("Tổng số giải phải lớn hơn 0.")
        if not errors:
            try:
                PrizeStructure(tuple(tiers), tuple(prizes["tie_break"]))
            except AllocationError as exc:
                errors["tie_break" if exc.code.startswith("chain.") else "tiers"] = text(exc)
        if errors:
            raise Invalid("Cơ cấu giải chưa hợp lệ.", errors=errors)
        now = datetime.now(UTC)
        facts = {"tiers": len(tiers), "late": bool(contest.get("judging_closed"))}
        await self._revise(contest, {"prizes": prizes}, {
            "at": now, "by": who, "action": "prizes_set", "facts": facts,
            "detail": CATALOG.format(AUDIT["prizes_set.late" if facts["late"] else "prizes_set"], "vi", facts)})
        return prizes

    async def _revise(self, contest: Doc, fields: Doc, audit: Doc, *, drop_approval: bool = True) -> None:
        """Apply the change only if nobody changed the contest meanwhile and it is not announced."""
        if not await self.repos.contests.revise(contest, fields, audit, drop_approval=drop_approval):
            fresh = await self.contest(contest["_id"])
            if fresh.get("announced"):
                raise Conflict("Kết quả đã được công bố, không thể thay đổi.")
            raise Conflict("Dữ liệu vừa được người khác thay đổi, vui lòng tải lại trang.")

    # ------------------------------------------------------------ proposal

    async def proposal(self, contest_id: str, contest: Doc | None = None) -> Proposal:
        """The allocation under the rules and the current overrides (Refused before judging closes)."""
        contest = contest or await self.contest(contest_id)
        if not contest.get("judging_closed"):
            raise Conflict("Chưa thể phân bổ giải: việc chấm điểm chưa kết thúc.")
        if not contest.get("prizes"):
            raise Conflict("Chưa cấu hình cơ cấu giải cho cuộc thi.")
        final_round = f"r{contest['final_round']}"
        wanted = contest.get("final_entries", [])
        docs = await self.repos.entries.many(wanted)
        entries: list[EntryScores] = []
        waiting: list[str] = []
        for entry_id in wanted:
            d = docs.get(entry_id)
            if d is not None and d.get("excluded"):  # found ineligible or withdrawn after judging closed
                continue
            record = ((d or {}).get("rounds") or {}).get(final_round)
            if d is None or record is None or not d.get("submitted_at"):
                waiting.append(entry_id)
                continue
            entries.append(self._entry_scores(d, record))
        if waiting:
            return Proposal(contest, docs, waiting)
        structure = structure_from(contest["prizes"])
        overrides = [override_from(o) for o in contest.get("overrides", [])]
        labels = await self.criterion_labels(contest_id)
        try:
            allocation, (inputs_json, result, digest) = await asyncio.to_thread(
                self._compute, entries, int(contest.get("rubric_version", 1)), structure, overrides, labels)
        except (AllocationError, RankingError) as exc:
            return Proposal(contest, docs, [], error=text(exc))
        return Proposal(contest, docs, [], allocation, inputs_json, result, digest)

    @staticmethod
    def _compute(entries: Sequence[EntryScores], rubric_version: int, structure: PrizeStructure,
                 overrides: Sequence[Override], labels: Mapping[str, tuple[str, str]],
                 ) -> tuple[Allocation, tuple[bytes, dict[str, Any], str]]:
        allocation = rank_and_allocate(entries, structure, criterion_labels=labels)
        if overrides:
            allocation = apply_overrides(allocation, overrides)
        return allocation, compute_official(entries, rubric_version, structure, overrides, criterion_labels=labels)

    async def ready_proposal(self, contest_id: str) -> Proposal:
        p = await self.proposal(contest_id)
        if p.waiting:
            raise Conflict("Đang chờ kết quả chấm của một số bài; vui lòng chờ rồi thử lại.")
        if p.error:
            raise Conflict(p.error)
        return p

    # ------------------------------------------------------------ overrides

    async def add_override(self, contest_id: str, entry_id: str, tier_key: str | None, position: int | None,
                           reason: str, who: str) -> Doc:
        contest = await self.contest(contest_id)
        if contest.get("announced"):
            raise Conflict("Kết quả đã được công bố, không thể thay đổi.")
        p = await self.ready_proposal(contest_id)
        assert p.allocation is not None
        if len("".join(reason.split())) < MIN_REASON_CHARS:
            raise Invalid("Cần ghi rõ lý do điều chỉnh (ít nhất 10 ký tự).", field="reason")
        if entry_id not in p.docs or entry_id not in contest.get("final_entries", []):
            raise Invalid("Bài dự thi không có trong kết quả chấm chung cuộc.", field="entry_id")
        structure = p.allocation.structure
        if tier_key is not None and tier_key not in {t.key for t in structure.tiers}:
            raise Invalid("Loại giải không tồn tại.", field="tier_key")
        if position is not None and not 1 <= position <= len(p.allocation.ranking):
            raise Invalid("Thứ hạng điều chỉnh nằm ngoài bảng xếp hạng.", field="position")
        now = datetime.now(UTC)
        new = {"entry_id": entry_id, "tier_key": tier_key, "position": position, "reason": reason.strip(),
               "by": who, "at": now}
        kept = [o for o in contest.get("overrides", []) if o["entry_id"] != entry_id]
        try:
            apply_overrides(await self._base_allocation(p), [override_from(o) for o in [*kept, new]])
        except AllocationError as exc:
            raise Invalid(text(exc), field="tier_key") from exc
        detail = CATALOG.format(AUDIT["override.detail.position" if position else "override.detail"], "vi", {
            "code": p.docs[entry_id].get("code", entry_id), "tier": tier_key or "—", "position": position,
            "reason": reason.strip()})
        await self._revise(contest, {"overrides": [*kept, new]}, {
            "at": now, "by": who, "action": "override", "detail": detail, "entry_id": entry_id,
            "facts": {"code": p.docs[entry_id].get("code", entry_id), "tier_key": tier_key, "position": position,
                      "reason": reason.strip()}})
        return new

    async def _base_allocation(self, p: Proposal) -> Allocation:
        """The allocation under the rules alone (no override)."""
        assert p.allocation is not None
        base = p.allocation
        structure = base.structure
        entries = [r.entry for r in base.ranking]
        labels = await self.criterion_labels(p.contest["_id"])
        return await asyncio.to_thread(rank_and_allocate, entries, structure, criterion_labels=labels)

    async def remove_override(self, contest_id: str, entry_id: str, who: str) -> None:
        contest = await self.contest(contest_id)
        if contest.get("announced"):
            raise Conflict("Kết quả đã được công bố, không thể thay đổi.")
        kept = [o for o in contest.get("overrides", []) if o["entry_id"] != entry_id]
        if len(kept) == len(contest.get("overrides", [])):
            raise NotFound("Không có điều chỉnh nào cho bài này.")
        p = await self.ready_proposal(contest_id)
        try:
            apply_overrides(await self._base_allocation(p), [override_from(o) for o in kept])
        except AllocationError as exc:
            raise Invalid(text(exc), field="tier_key") from exc
        code = p.docs.get(entry_id, {}).get("code", entry_id)
        await self._revise(contest, {"overrides": kept}, {
            "at": datetime.now(UTC), "by": who, "action": "override_removed",
            "detail": CATALOG.format(AUDIT["override_removed"], "vi", {"code": code}),
            "entry_id": entry_id, "facts": {"code": code}})

    # ------------------------------------------------------------ approval and announcement

    async def approve(self, contest_id: str, result_hash: str, who: str, who_id: str) -> Doc:
        contest = await self.contest(contest_id)
        if contest.get("announced"):
            raise Conflict("Kết quả đã được công bố.")
        p = await self.ready_proposal(contest_id)
        if result_hash.strip().lower() != p.result_hash:
            raise Conflict("Kết quả đã thay đổi kể từ khi bạn xem; vui lòng xem lại trước khi phê duyệt.")
        await self._store_result(contest_id, p)
        now = datetime.now(UTC)
        approval = {"by": who, "by_id": who_id, "at": now, "result_hash": p.result_hash,
                    "inputs_sha256": (p.result or {}).get("inputs_sha256", "")}
        await self._revise(contest, {"approval": approval},
                           {"at": now, "by": who, "action": "approved", "detail": f"SHA-256 {p.result_hash}"},
                           drop_approval=False)
        log.info("awards.approved", contest_id=contest_id, result_hash=p.result_hash)
        return approval

    async def _store_result(self, contest_id: str, p: Proposal) -> None:
        """Content-addressed, so concurrent approvals can never overwrite each other's result."""
        assert p.result is not None
        result_bytes = json.dumps(p.result, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        await self.repos.results.keep(contest_id, p.result_hash, inputs_sha256=p.result["inputs_sha256"],
                                      inputs=p.inputs_json, result=result_bytes, at=datetime.now(UTC))

    async def announce(self, contest_id: str, who: str) -> Doc:
        contest = await self.contest(contest_id)
        if contest.get("announced"):
            raise Conflict("Kết quả đã được công bố.")
        approval = contest.get("approval")
        if not approval:
            raise Conflict("Cần phê duyệt kết quả trước khi công bố.")
        p = await self.ready_proposal(contest_id)
        if p.result_hash != approval["result_hash"]:
            raise Conflict("Dữ liệu đã thay đổi sau khi phê duyệt; vui lòng xem lại và phê duyệt lại.")
        await self._store_result(contest_id, p)
        assert p.result is not None
        now = datetime.now(UTC)
        tiers = tiers_by_key(p.result)
        outcomes = [Outcome(entry_id=r["entry_id"], rank=r["position"], tier_key=r["tier_key"],
                            tier_name=tiers[r["tier_key"]]["name"] if r["tier_key"] else None,
                            official_total=r["official_total"]) for r in p.result["rows"]]
        event = self._env(ResultsAnnounced(contest_id=contest_id, announced_at=now, result_hash=p.result_hash,
                                           outcomes=outcomes))
        audit = {"at": now, "by": who, "action": "announced", "detail": f"SHA-256 {p.result_hash}"}
        if not await self.repos.contests.announce(contest_id, p.result_hash, now, audit, [event]):
            fresh = await self.contest(contest_id)
            if fresh.get("announced"):
                raise Conflict("Kết quả đã được công bố.")
            raise Conflict("Dữ liệu đã thay đổi sau khi phê duyệt; vui lòng xem lại và phê duyệt lại.")
        log.info("awards.announced", contest_id=contest_id, result_hash=p.result_hash)
        return {"contest_id": contest_id, "announced_at": now, "result_hash": p.result_hash}

    async def late_scores(self, contest_id: str) -> list[Doc]:
        """Scores that arrived after the announcement: recorded, flagged, never applied."""
        return await self.repos.entries.late(contest_id)
