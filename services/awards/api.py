"""Awards' JSON API under /awards/api."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from typing import Annotated

from fastapi import APIRouter, Depends

from services.awards.service import AwardsService
from shared.auth import Auth, Principal
from shared.mongo import Doc


def build_router(svc: AwardsService, auth: Auth) -> APIRouter:
    r = APIRouter(prefix="/awards/api", tags=["awards"])
    organiser = auth.role("organiser")

    @r.get("/contests/{contest_id}/ranking")
    async def ranking(contest_id: str, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        contest = await svc.contest(contest_id)
        ranked, docs = await svc.ranking(contest_id)
        return {"contest_id": contest_id, "provisional": not contest.get("judging_closed", False),
                "entries": [{"position": x.position, "entry_id": x.entry_id, "code": docs[x.entry_id].get("code"),
                             "title": docs[x.entry_id].get("title"), "official_total": x.official_total,
                             "explanation": x.explanation_vi} for x in ranked]}

    return r
