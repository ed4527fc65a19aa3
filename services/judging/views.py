"""What organisers read: live progress, calibration of judges, the audit trail. Read-only."""

from __future__ import annotations

from typing import Any

from services.judging.domain.aggregation import calibration, mean, z_score_totals
from services.judging.domain.rounds import competition_ranks
from services.judging.service import JudgingService
from shared.mongo import Doc
from shared.view_cache import Cached


async def _names(svc: JudgingService, ids: set[str]) -> dict[str, Doc]:
    return await svc.repos.judges.names(ids)


async def _entries(svc: JudgingService, ids: list[str]) -> dict[str, Doc]:
    return await svc.repos.entries.briefs(ids)


def _stamped(view: Cached[Doc]) -> Doc:
    """The cached summary with when it was read (``as_of``) and whether a newer one is coming."""
    return {**view.value, "as_of": view.as_of, "fresh": view.fresh}


async def progress(svc: JudgingService, contest_id: str, round_no: int | None = None) -> Doc:
    """Per judge and per entry of one round (default: the latest released one), read once until
    something changes: with thousands of reviews the read takes seconds on FerretDB."""
    round_no = round_no or await svc.current_round(contest_id)
    if round_no is None:
        return {"round_no": None, "entries": 0, "scored": 0, "judges": {}, "items": [], "as_of": None,
                "fresh": True}
    rn = round_no
    return _stamped(await svc.views.get(("progress", contest_id, rn), lambda: _progress(svc, contest_id, rn)))


async def _progress(svc: JudgingService, contest_id: str, round_no: int) -> Doc:
    reviews = await svc.repos.reviews.in_round(contest_id, round_no)
    judge_ids = {j for r in reviews for j in r["sheets"]}
    names = await _names(svc, judge_ids)
    entries = await _entries(svc, [r["entry_id"] for r in reviews])
    reminders = await svc.repos.reminders.counts(contest_id)
    per_judge: dict[str, dict[str, Any]] = {}
    items = []
    for r in reviews:
        for jid, s in r["sheets"].items():
            row = per_judge.setdefault(jid, {"name": names.get(jid, {}).get("full_name", jid),
                                             "unit": names.get(jid, {}).get("unit", ""), "assigned": 0,
                                             "draft": 0, "submitted": 0, "reminders": reminders.get(jid, 0)})
            row["assigned"] += 1
            row["draft"] += s["status"] == "draft"
            row["submitted"] += s["status"] == "submitted"
        e = entries.get(r["entry_id"], {})
        res = r.get("result") or {}
        items.append({"entry_id": r["entry_id"], "review_id": r["_id"], "code": e.get("code", ""),
                      "title": e.get("title", ""),
                      "judges": len(r["sheets"]),
                      "submitted": sum(s["status"] == "submitted" for s in r["sheets"].values()),
                      "official_total": res.get("official_total"), "disagreement": res.get("disagreement", False)})
    items.sort(key=lambda x: x["code"])
    return {"round_no": round_no, "entries": len(reviews), "scored": sum(1 for r in reviews if r.get("result")),
            "judges": dict(sorted(per_judge.items(), key=lambda x: x[1]["name"])), "items": items}


async def next_round_preview(svc: JudgingService, contest_id: str, round_no: int) -> Doc:
    """The assignment the next round would get, computed once until something changes."""
    return (await svc.views.get(("preview", contest_id, round_no),
                                lambda: svc.preview(contest_id, round_no, None, None))).value


async def calibration_view(svc: JudgingService, contest_id: str, round_no: int) -> Doc:
    """Each judge's mean and spread against the panel; raw and z-score rankings side by side
    (computed once until something changes, like ``progress``)."""
    await svc.contest(contest_id)  # 404 for an unknown contest, before any caching
    return _stamped(await svc.views.get(("calibration", contest_id, round_no),
                                        lambda: _calibration(svc, contest_id, round_no)))


async def _calibration(svc: JudgingService, contest_id: str, round_no: int) -> Doc:
    contest = await svc.contest(contest_id)
    results = await svc.round_results(contest_id, round_no)
    if not results:
        return {"round_no": round_no, "standardised": svc.standardised(contest), "panel": None, "judges": [],
                "ranking": []}
    stats = calibration(results)
    z = z_score_totals(results, stats)
    raw = {r.entry_id: r.official_total for r in results}
    all_totals = [t for r in results for t in r.judge_totals.values()]
    panel_mean = mean(all_totals)
    panel_sd = (sum((t - panel_mean) ** 2 for t in all_totals) / (len(all_totals) - 1)) ** 0.5 \
        if len(all_totals) > 1 else 0.0
    names = await _names(svc, set(stats))
    entries = await _entries(svc, list(raw))
    raw_rank, z_rank = competition_ranks(raw), competition_ranks(z)
    ranking = [{"entry_id": e, "code": entries.get(e, {}).get("code", ""), "title": entries.get(e, {}).get("title", ""),
                "raw": raw[e], "raw_rank": raw_rank[e], "z": z[e], "z_rank": z_rank[e],
                "moved": raw_rank[e] - z_rank[e]} for e in sorted(raw, key=lambda x: (raw_rank[x], x))]
    judges = [{"judge_id": j, "name": names.get(j, {}).get("full_name", j), "mean": s.mean, "stdev": s.stdev,
               "count": s.count, "bias": s.bias} for j, s in stats.items()]
    return {"round_no": round_no, "standardised": svc.standardised(contest),
            "panel": {"mean": panel_mean, "stdev": panel_sd}, "judges": judges, "ranking": ranking}


async def audit(svc: JudgingService, contest_id: str, entry_id: str | None = None) -> list[Doc]:
    """Every score change, recusal, declaration and reassignment, oldest first."""
    reviews = await svc.repos.reviews.audits(contest_id, entry_id)
    people = {a.get("by", "") for r in reviews for a in r.get("audit", [])}
    names = await _names(svc, people)
    entries = await _entries(svc, [r["entry_id"] for r in reviews])
    rows = [{"entry_id": r["entry_id"], "code": entries.get(r["entry_id"], {}).get("code", ""),
             "round_no": r["round_no"], **a,
             "by_name": a.get("by_name") or names.get(a.get("by", ""), {}).get("full_name")
             or ("" if a.get("by") == "system" else a.get("by"))}
            for r in reviews for a in r.get("audit", [])]
    rows.sort(key=lambda x: (x["at"], x["code"]))
    return rows
