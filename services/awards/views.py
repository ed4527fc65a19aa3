"""Plain dicts for the API and the pages, built from the service's objects."""

from __future__ import annotations

from typing import Any

from services.awards.explanations import AUDIT, CATALOG, in_lang, render
from services.awards.service import AwardsService, Proposal
from shared.mongo import Doc


def tier_name(tier: Doc | None, lang: str) -> str:
    if not tier:
        return ""
    return in_lang(str(tier["name"]), tier.get("name_en"), lang)


async def allocation_view(svc: AwardsService, contest_id: str, lang: str) -> dict[str, Any]:
    """``proposal_view`` of the current proposal, kept until something changes: with thousands
    of finalists its rows and explanations take a while to build."""
    async def build() -> dict[str, Any]:
        return proposal_view(await svc.proposal(contest_id), lang)
    return (await svc.views.get(("allocation", contest_id, lang), build)).value


def proposal_view(p: Proposal, lang: str) -> dict[str, Any]:
    contest = p.contest
    view: dict[str, Any] = {
        "contest_id": contest["_id"], "ready": p.ready,
        "error": CATALOG.word(p.error, lang) if p.error else p.error,
        "waiting": [p.docs.get(e, {}).get("code") or e for e in p.waiting],
        "result_hash": p.result_hash, "inputs_sha256": (p.result or {}).get("inputs_sha256", ""),
        "announced": bool(contest.get("announced")), "approval": contest.get("approval"),
        "overrides": contest.get("overrides", []), "audit": contest.get("audit", []),
        "tiers": contest.get("prizes", {}).get("tiers", []), "rows": [], "unfilled": {}, "unfilled_named": [],
    }
    alloc = p.allocation
    if alloc is None:
        return view
    names = {t["key"]: tier_name(t, lang) for t in view["tiers"]}
    view["unfilled"] = dict(alloc.unfilled)
    view["unfilled_named"] = [(names.get(k, k), n) for k, n in alloc.unfilled.items()]
    for r in alloc.ranking:
        eid = r.entry_id
        award = alloc.award_for(eid)
        d = p.docs.get(eid, {})
        view["rows"].append({
            "position": r.position, "entry_id": eid, "code": d.get("code", ""), "title": d.get("title", ""),
            "unit": d.get("unit", ""), "category": r.category, "official_total": r.official_total,
            "judges_count": len(r.entry.judge_totals), "criterion_means": dict(r.entry.criterion_means),
            "tier_key": award.tier.key if award else None,
            "tier_name": in_lang(award.tier.name, award.tier.display_name_en, lang) if award else None,
            "computed_tier_key": alloc.computed_tier_key(eid), "overridden": alloc.override_for(eid) is not None,
            "tied_with": list(r.tied_with),
            "explanation": f"{render(r.explanation, lang)} {render(alloc.explain(eid), lang)}",
        })
    return view


def audit_detail(entry: Doc, tiers: list[Doc], lang: str) -> str:
    """An audit row's detail in the reader's language, from the facts stored with it (rows
    written before facts were stored keep their Vietnamese sentence)."""
    f = entry.get("facts")
    if not f:
        return str(entry.get("detail", ""))
    match entry.get("action"):
        case "prizes_set":
            return CATALOG.format(AUDIT["prizes_set.late" if f["late"] else "prizes_set"], lang, f)
        case "override":
            tier = next((t for t in tiers if t["key"] == f["tier_key"]), None)
            prize = tier_name(tier, lang) or f["tier_key"] or CATALOG.format(AUDIT["override.no_prize"], lang)
            return CATALOG.format(AUDIT["override.position" if f.get("position") else "override"], lang,
                                  {**f, "prize": prize})
        case "override_removed" | "round_reopened" as action:
            return CATALOG.format(AUDIT[action], lang, f)
    return str(entry.get("detail", ""))
