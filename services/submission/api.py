"""Submission's JSON API under /submission/api: the pages use it too."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, Field, field_validator

from services.submission.service import SubmissionService
from shared import outbox
from shared.auth import Auth, Principal
from shared.mongo import Doc


class CategoryIn(BaseModel):
    key: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    name: str = Field(min_length=2, max_length=120)


class ContestIn(BaseModel):
    code: str = Field(min_length=2, max_length=12, pattern=r"^[A-Z0-9]+$", description="Short code, e.g. SK2026")
    name: str = Field(min_length=5, max_length=200)
    issuing_body: str = Field(min_length=2, max_length=200, description="e.g. Sở Nội vụ tỉnh Bắc Ninh")
    description: str = Field(default="", max_length=5000)
    rules_text: str = Field(default="", max_length=20000)
    categories: list[CategoryIn] = Field(min_length=1, max_length=30)
    eligible_groups: list[str] = Field(default_factory=list, max_length=10)
    opens_at: datetime
    closes_at: datetime
    max_coauthors: int = Field(default=5, ge=0, le=20)
    allowed_types: list[str] = Field(default_factory=lambda: ["pdf", "docx", "xlsx", "png", "jpg"])
    max_file_mb: int = Field(default=10, ge=1, le=15)
    max_files: int = Field(default=5, ge=0, le=20)

    @field_validator("opens_at", "closes_at")
    @classmethod
    def aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("Thời điểm cần có múi giờ (ví dụ +07:00).")
        return v


class Screening(BaseModel):
    eligible: bool
    reason: str = Field(default="", max_length=2000)


def public_contest(c: Doc) -> Doc:
    return {k: v for k, v in c.items() if k not in (outbox.OUTBOX, outbox.PENDING, outbox.SEQ, "created_by")} | {
        "contest_id": c["_id"]}


def own_entry_view(e: Doc) -> Doc:
    return {
        "entry_id": e["_id"], "contest_id": e["contest_id"], "code": e["code"], "status": e["status"],
        "fields": e.get("fields", {}), "submitted_at": e.get("submitted_at"), "updated_at": e.get("updated_at"),
        "versions": len(e.get("versions", [])) or None, "screening": e.get("screening"), "result": e.get("result"),
    }


def build_router(svc: SubmissionService, auth: Auth) -> APIRouter:
    r = APIRouter(prefix="/submission/api", tags=["submission"])
    organiser = auth.role("organiser")
    participant = auth.role("participant")
    Fields = Annotated[dict[str, Any], Body(description="The initiative form fields")]

    @r.get("/contests")
    async def list_contests() -> list[Doc]:
        return [public_contest(c) for c in await svc.contests()]

    @r.post("/contests", status_code=201)
    async def create_contest(body: ContestIn, user: Annotated[Principal, Depends(organiser)]) -> Doc:
        return public_contest(await svc.create_contest(user, body.model_dump(mode="python")))

    @r.get("/contests/{contest_id}")
    async def get_contest(contest_id: str) -> Doc:
        return public_contest(await svc.contest(contest_id))

    @r.post("/contests/{contest_id}/close")
    async def close_contest(contest_id: str, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        return public_contest(await svc.close_contest(contest_id))

    @r.post("/contests/{contest_id}/entries", status_code=201)
    async def create_entry(contest_id: str, fields: Fields, user: Annotated[Principal, Depends(participant)]) -> Doc:
        return own_entry_view(await svc.save_draft(user, contest_id, None, fields))

    @r.get("/my/entries")
    async def my_entries(user: Annotated[Principal, Depends(participant)]) -> list[Doc]:
        return [own_entry_view(e) for e in await svc.my_entries(user)]

    @r.get("/entries/{entry_id}")
    async def get_entry(entry_id: str, user: Annotated[Principal, Depends(participant)]) -> Doc:
        return own_entry_view(await svc.own_entry(user, entry_id))

    @r.put("/entries/{entry_id}")
    async def save_entry(entry_id: str, fields: Fields, user: Annotated[Principal, Depends(participant)]) -> Doc:
        entry = await svc.own_entry(user, entry_id)
        return own_entry_view(await svc.save_draft(user, entry["contest_id"], entry_id, fields))

    @r.post("/entries/{entry_id}/submit")
    async def submit(entry_id: str, user: Annotated[Principal, Depends(participant)]) -> Doc:
        return own_entry_view(await svc.submit(user, entry_id))

    @r.get("/contests/{contest_id}/screening")
    async def screening_queue(contest_id: str, _: Annotated[Principal, Depends(organiser)]) -> list[Doc]:
        return [own_entry_view(e) | {"author": e.get("owner_name")} for e in await svc.screening_queue(contest_id)]

    @r.post("/entries/{entry_id}/screening")
    async def screen(entry_id: str, body: Screening, user: Annotated[Principal, Depends(organiser)]) -> Doc:
        return own_entry_view(await svc.screen(user, entry_id, body.eligible, body.reason))

    return r
