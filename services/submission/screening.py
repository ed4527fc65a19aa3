"""Screening: the organisers' queue, eligible/ineligible decisions, and the copy detector.

Each submitted text's fingerprint (MinHash signature + shingle hashes) is kept in its own
collection (``fingerprints.py``: computed in the background after the rush, or here when
missing); the detector rebuilds an LSH index from the fingerprints of this contest and every
earlier one, so a re-submitted past initiative is
caught as well as two near-identical entries of the same round.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from cachetools import LRUCache

from services.submission.core import tr
from services.submission.domain.contest_rules import window_state
from services.submission.domain.initiative import InitiativeForm, version_at
from services.submission.domain.messages import Lang
from services.submission.domain.similarity import SimilarityIndex, side_by_side
from services.submission.files import judge_path, neutral_name
from services.submission.fingerprints import text_key
from services.submission.repositories import SubmissionRepositories
from services.submission.service import (
    CHANGED_MEANWHILE,
    ENTRY_NOT_FOUND,
    IN_JUDGING,
    FieldErrors,
    SubmissionService,
    conflict_unit,
    rules_of,
    versions_of,
)
from shared.auth import Principal
from shared.envelope import Envelope
from shared.errors import Conflict, NotFound
from shared.events.authors import Author, EntryAuthorsRecorded
from shared.events.entries import AttachmentRef, EntryBecameEligible, EntryWithdrawnFromJudging, Sections
from shared.mongo import Doc
from shared.view_cache import Cached, ViewCache
from shared.web.i18n import N_
from shared.web.paging import search_key

log = structlog.get_logger(__name__)

MSG_TOO_LATE = N_("Vòng sơ khảo đã kết thúc; không thể đưa sáng kiến này vào chấm nữa.")
MSG_NOT_INELIGIBLE = N_("Chỉ có thể đề nghị xem xét lại một sáng kiến bị đánh giá là không hợp lệ.")
MSG_ALREADY_ASKED = N_("Bạn đã đề nghị xem xét lại; Ban tổ chức sẽ trả lời.")

#: Entries that were submitted at some point and not withdrawn: what a copy can be compared with.
SUBMITTED_STATUSES = ["submitted", "eligible", "ineligible", "under_review", "scored", "awarded", "not_awarded"]
SECTIONS = ("current_situation", "solution", "novelty", "effectiveness", "applicability")


@dataclass
class Screening:
    svc: SubmissionService
    views: ViewCache = field(default_factory=ViewCache)
    _similar: LRUCache[tuple[str, str], dict[str, list[Doc]]] = field(default_factory=lambda: LRUCache(maxsize=8))

    @property
    def repos(self) -> SubmissionRepositories:
        return self.svc.repos

    async def queue_view(self, contest_id: str) -> Cached[list[Doc]]:
        """The queue below, computed once until something changes (``shared.view_cache``): with
        thousands of entries, reading them and comparing every text takes seconds."""
        await self.svc.contest(contest_id)  # 404 for an unknown contest, before any caching
        return await self.views.get(("screening", contest_id), lambda: self.queue(contest_id))

    async def queue(self, contest_id: str) -> list[Doc]:
        """Submitted entries of the contest, each with the entries its text is nearly the same as
        (in this contest or an earlier one). One read of the entries: FerretDB parses the whole
        collection for any filter, so two reads cost twice as much."""
        contest = await self.svc.contest(contest_id)
        earlier = await self.repos.contests.opened_by(contest["closes_at"])
        docs = await self.repos.entries.submitted_in({*earlier, contest_id}, SUBMITTED_STATUSES)
        similar = await self.similar(contest, docs)
        entries = sorted((e for e in docs if e["contest_id"] == contest_id),
                         key=lambda e: (e.get("submitted_at") or datetime.min.replace(tzinfo=UTC), e["_id"]))
        for e in entries:
            e["similar"] = similar.get(e["_id"], [])
            # What the screening page's search compares, folded once here rather than per request.
            e["search"] = search_key(f"{e['code']} {e['fields'].get('title', '')} {e['fields'].get('author_unit', '')}")
        return entries

    async def similar(self, contest: Doc, docs: list[Doc]) -> dict[str, list[Doc]]:
        """Entry id -> its near-copies among ``docs``. Kept by the texts compared (their ids and
        hashes): screening decisions change statuses, not texts, so they cost no new comparison."""
        texts = sorted(text_key(e) for e in docs)
        key = (contest["_id"], hashlib.sha256("\n".join(texts).encode()).hexdigest())
        found = self._similar.get(key)
        if found is None:
            found = self._similar[key] = await self._compare(contest, docs)
        return found

    async def _compare(self, contest: Doc, docs: list[Doc]) -> dict[str, list[Doc]]:
        names = await self.repos.contests.names()
        index = SimilarityIndex()
        info: dict[str, Doc] = {}
        fingerprints = await self.svc.fingerprints.of(docs)
        for e in docs:
            index.add_fingerprint(e["_id"], e["contest_id"], fingerprints[e["_id"]])
            info[e["_id"]] = {"code": e["code"], "title": e.get("fields", {}).get("title", ""),
                              "contest_id": e["contest_id"], "contest_name": names.get(e["contest_id"], "")}
        out: dict[str, list[Doc]] = {}
        threshold = self.svc.settings.similarity_threshold
        for entry_id, meta in info.items():
            if meta["contest_id"] != contest["_id"]:
                continue
            found = index.matches(entry_id, threshold)
            if found:
                out[entry_id] = [{"entry_id": m.other_id, "score": round(m.score, 3), **info[m.other_id]}
                                 for m in found]
        return out

    async def entry(self, entry_id: str) -> Doc:
        e = await self.repos.entries.past_submission(entry_id)
        if e is None:
            raise NotFound(ENTRY_NOT_FOUND)
        return e

    async def request_review(self, user: Principal, entry_id: str, reason: str, lang: Lang = "vi") -> Doc:
        """A participant asks the organisers to look again at an ineligible decision (once per
        decision: the organisers' next decision closes the request)."""
        entry = await self.svc.own_entry(user, entry_id)
        if entry["status"] != "ineligible":
            raise Conflict(tr(MSG_NOT_INELIGIBLE, lang))
        if entry.get("review_request"):
            raise Conflict(tr(MSG_ALREADY_ASKED, lang))
        now = datetime.now(UTC)
        request = {"reason": reason.strip(), "at": now}
        if not await self.repos.entries.request_review(entry_id, request, now):
            raise Conflict(CHANGED_MEANWHILE)
        log.info("entry.review_requested", entry_id=entry_id)
        entry["review_request"] = request
        return entry

    async def on_round_closed(self, contest_id: str, round_no: int) -> None:
        """Judging closed a round: an entry found ineligible can no longer join its judging."""
        await self.repos.contests.close_round(contest_id, round_no)

    async def on_round_reopened(self, contest_id: str, round_no: int) -> None:
        await self.repos.contests.reopen_round(contest_id, round_no)

    async def compare(self, a_id: str, b_id: str) -> Doc:
        """Two entries' texts aligned sentence by sentence, section by section."""
        a, b = await self.entry(a_id), await self.entry(b_id)
        fa, fb = InitiativeForm.from_mapping(a["fields"]), InitiativeForm.from_mapping(b["fields"])
        contests = await self.repos.contests.names({a["contest_id"], b["contest_id"]})
        sections = [{"key": "title", "rows": [r._asdict() for r in side_by_side(fa.title, fb.title)]}]
        sections += [{"key": k, "rows": [r._asdict() for r in side_by_side(getattr(fa, k), getattr(fb, k))]}
                     for k in SECTIONS]
        side = [{"entry_id": e["_id"], "code": e["code"], "title": e["fields"].get("title", ""),
                 "contest_id": e["contest_id"], "contest_name": contests.get(e["contest_id"], ""),
                 "status": e["status"], "unit": e["fields"].get("author_unit", "")} for e in (a, b)]
        return {"a": side[0], "b": side[1], "sections": sections}

    async def decide(self, by: Principal, entry_id: str, eligible: bool, reason: str, lang: Lang = "vi") -> Doc:
        """Mark a submitted entry eligible (it goes to judging) or ineligible (it never does).

        An entry already in judging may still be found ineligible (a copy found late): it is
        then taken out of judging.
        """
        entry = await self.repos.entries.get(entry_id)
        if entry is None or entry["status"] == "draft":
            raise NotFound(ENTRY_NOT_FOUND)
        contest = await self.svc.contest(entry["contest_id"])
        now = datetime.now(UTC)
        if window_state(rules_of(contest), contest["status"], now) != "closed":
            raise Conflict("Chỉ sàng lọc sau khi hết hạn nhận hồ sơ.")
        reason = reason.strip()
        if not eligible and len(reason) < 5:
            msg = tr("Cần ghi rõ lý do không hợp lệ.", lang)
            raise FieldErrors({"reason": msg}, lang=lang)
        revoke = not eligible and entry["status"] in IN_JUDGING
        # A decision found wrong is corrected with the reason, until judging has moved past it.
        reinstate = eligible and entry["status"] == "ineligible"
        if reinstate:
            if len(reason) < 5:
                msg = tr("Cần ghi rõ lý do thay đổi quyết định.", lang)
                raise FieldErrors({"reason": msg}, lang=lang)
            if 1 in contest.get("closed_rounds", []):
                raise Conflict(tr(MSG_TOO_LATE, lang))
        if entry["status"] != "submitted" and not revoke and not reinstate:
            raise Conflict("Sáng kiến đã được sàng lọc hoặc không ở trạng thái đã nộp.")
        status = "eligible" if eligible else "ineligible"
        correction = entry["status"] != "submitted"
        events = [self.svc._status_event(entry, status, now, reason)]
        extra: Doc = {}
        if eligible:
            events += self._eligible_events(entry, contest, now)
            extra["in_judging"] = True
        if revoke:
            events.append(self.svc._env(EntryWithdrawnFromJudging(
                entry_id=entry_id, contest_id=entry["contest_id"], reason="ineligible")))
            extra["in_judging"] = False
        decided = await self.repos.entries.screen(
            entry_id, entry["status"],
            {"status": status, "updated_at": now, **extra,
             "screening": {"eligible": eligible, "reason": reason, "by": by.account_id, "at": now}},
            {"status": status, "at": now, "reason": reason, "by": by.account_id, "correction": correction,
             "previous": entry["status"]}, events)
        if not decided:
            raise Conflict(CHANGED_MEANWHILE)
        log.info("entry.screened", entry_id=entry_id, eligible=eligible, revoked=revoke)
        for row in self.views.peek(("screening", entry["contest_id"])) or []:
            if row["_id"] == entry_id:  # the copy on show until the recomputed one is ready
                row.update(status=status, screening={"eligible": eligible, "reason": reason, "at": now})
                row.pop("review_request", None)
        entry.update(status=status, screening={"eligible": eligible, "reason": reason})
        return entry

    def _eligible_events(self, entry: Doc, contest: Doc, now: datetime) -> list[Envelope]:
        """Judging gets the version that stood at the deadline, without the authors."""
        version = version_at(versions_of(entry), contest["closes_at"])
        if version is None:
            raise Conflict("Không có phiên bản nào trước hạn chót.")
        stored = next(v for v in entry["versions"] if v["number"] == version.number)
        secret = self.svc.settings.secret_key.encode()
        expires = now + timedelta(days=self.svc.settings.judge_link_days)
        # Judges see neutral names (the author's file name often says who they are); the files
        # themselves reach them without metadata (``services.submission.scrub``).
        attachments = [AttachmentRef(file_id=a["file_id"], filename=neutral_name(i, a["content_type"]),
                                     content_type=a["content_type"], size=a["size"],
                                     download_path=judge_path(secret, a["file_id"], entry["_id"], expires),
                                     expires_at=expires)
                       for i, a in enumerate(stored.get("attachments", []), start=1)]
        f = version.fields
        blind = EntryBecameEligible(
            entry_id=entry["_id"], contest_id=entry["contest_id"], code=entry["code"], title=f.title,
            category=f.category,
            sections=Sections(current_situation=f.current_situation, solution=f.solution, novelty=f.novelty,
                              effectiveness=f.effectiveness, applicability=f.applicability, cost=f.cost),
            attachments=attachments, version=version.number, submitted_at=entry["submitted_at"],
            conflict_unit=conflict_unit(f.author_unit),
        )
        authors = [Author(full_name=entry["owner_name"], unit=f.author_unit, contribution_pct=f.main_author_share)]
        authors += [Author(full_name=c.full_name, unit=c.unit, position=c.position, contribution_pct=c.contribution_pct)
                    for c in f.co_authors]
        named = EntryAuthorsRecorded(
            entry_id=entry["_id"], contest_id=entry["contest_id"], code=entry["code"],
            owner_account_id=entry["owner_id"], title=f.title, category=f.category, unit=f.author_unit,
            summary=f.solution[:600], authors=authors, submitted_at=entry["submitted_at"],
        )
        return [self.svc._env(blind), self.svc._env(named)]
