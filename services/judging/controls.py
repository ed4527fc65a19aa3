"""Organisers correct a review: void a sheet, pin a judge."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from services.judging.core import (
    MSG_CHANGED,
    invalid,
)
from services.judging.domain.assignment import (
    swap_problem,
)
from services.judging.messages import swap_msgid
from services.judging.work import JudgesWork
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.mongo import Doc
from shared.web.i18n import N_

log = structlog.get_logger(__name__)


class OrganiserControls(JudgesWork):
    """Organisers correct a review: void a sheet, pin a judge."""

    async def void_sheet(self, rid: str, judge_id: str, reason: str, by: Principal, to: str | None = None) -> Doc:
        """An organiser voids a judge's sheet (e.g. a conflict found after scoring) with a reason:
        the judge leaves the entry, another takes it; the result follows their sheet."""
        async with self.locks.hold(rid):
            r = await self._organiser_review(rid)
            if judge_id not in r["judge_ids"]:
                raise invalid({"judge_id": N_("Giám khảo này không chấm hồ sơ này.")})
            added = await self._replace_judge(r, judge_id, kind="voided", by=by.account_id, note=reason, to=to,
                                              by_name=by.full_name or by.email)
        log.info("judging.sheet_voided", review_id=rid, judge=judge_id, replaced_by=added, by=by.account_id)
        return {"review_id": rid, "removed": judge_id, "added": added}

    async def _organiser_review(self, rid: str) -> Doc:
        r = await self.repos.reviews.get(rid)
        if r is None or r.get("withdrawn") is True:
            raise NotFound("Không tìm thấy hồ sơ chấm.")
        if r.get("closed"):
            raise Conflict("Vòng chấm đã đóng; hãy mở lại vòng trước khi thay giám khảo.")
        return r

    async def review_for_organiser(self, rid: str) -> Doc:
        """One entry's judges in a round, and who else could take it (load in the round, and the
        rule that forbids it, if any), for the organiser's page."""
        r = await self.repos.reviews.get(rid)
        if r is None:
            raise NotFound("Không tìm thấy hồ sơ chấm.")
        contest = await self.contest(r["contest_id"])
        reviews = await self._open_reviews(r["contest_id"], r["round_no"]) if not r.get("closed") else [r]
        judges, entries, _ = await self._refs(contest, reviews)
        entry = next((e for e in entries if e.entry_id == r["entry_id"]), None)
        names = await self.repos.judges.names()
        loads = {j.judge_id: sum(j.judge_id in x["judge_ids"] for x in reviews) for j in judges}
        return {
            "review": r, "entry": await self.entry_brief(r["entry_id"]), "contest": contest,
            "on_entry": [{"judge_id": j, "name": names.get(j, {}).get("full_name", j),
                          "unit": names.get(j, {}).get("unit", ""), "status": r["sheets"][j]["status"],
                          "pinned": j in r.get("pinned", [])} for j in r["judge_ids"]],
            "candidates": sorted(({"judge_id": j.judge_id, "name": names.get(j.judge_id, {}).get("full_name", ""),
                                   "unit": j.unit, "load": loads[j.judge_id],
                                   "problem": swap_msgid(swap_problem(entry, j, r["judge_ids"], r.get("excluded", [])))}
                                  for j in judges if j.judge_id not in r["judge_ids"]),
                                 key=lambda c: (bool(c["problem"]), c["load"], c["name"])),
        }

    async def pin(self, rid: str, judge_id: str, pinned: bool, by: Principal) -> Doc:
        """Keep a judge on an entry whatever later rebalancing does (or release the pin)."""
        async with self.locks.hold(rid):
            r = await self._organiser_review(rid)
            if judge_id not in r["judge_ids"]:
                raise invalid({"judge_id": N_("Giám khảo này không chấm hồ sơ này.")})
            audit = {"kind": "pinned" if pinned else "unpinned", "at": datetime.now(UTC), "by": by.account_id,
                     "by_name": by.full_name or by.email, "note": "", "added": [judge_id] if pinned else []}
            pins = sorted(set(r.get("pinned", [])) | {judge_id}) if pinned else \
                [j for j in r.get("pinned", []) if j != judge_id]
            if not await self.repos.reviews.set_pins(r, pins, audit):
                raise Conflict(MSG_CHANGED)
        self._forget_rounds()
        return {"review_id": rid, "pinned": pins}

