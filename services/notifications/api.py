"""Notifications' JSON API under /notifications/api: a person's own choices; organisers' outbox."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from services.notifications import schemas as io
from services.notifications.service import Notifications
from shared.auth import Auth, Principal
from shared.errors import ERROR_RESPONSES
from shared.mongo import Doc

MAX_LIMIT = 500


def summary(doc: Doc) -> dict[str, Any]:
    return {**{k: v for k, v in doc.items() if k not in ("_id", "html", "text", "cause", "next_at")},
            "id": doc["_id"]}


def build_router(svc: Notifications, auth: Auth) -> APIRouter:
    r = APIRouter(prefix="/notifications/api", tags=["notifications"], responses=ERROR_RESPONSES)
    organiser = auth.role("organiser")

    @r.get("/preferences", response_model=io.PreferencesOut)
    async def preferences(user: Annotated[Principal, Depends(auth.user)]) -> Doc:
        return await svc.preferences(user.account_id)

    @r.put("/preferences", response_model=io.PreferencesOut)
    async def set_preferences(body: io.PreferencesIn, user: Annotated[Principal, Depends(auth.user)]) -> Doc:
        return await svc.set_preferences(user.account_id, body.lang, list(body.opted_out))

    @r.get("/outbox", response_model=list[io.MailSummary],
           responses={200: {"headers": {"X-Total-Count": {"schema": {"type": "integer"}}}}})
    async def outbox(response: Response, _: Annotated[Principal, Depends(organiser)],
                     status: io.Status | None = None,
                     offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
                     limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100) -> list[dict[str, Any]]:
        mails = await svc.outbox(status)
        response.headers["X-Total-Count"] = str(len(mails))
        return [summary(m) for m in mails[offset:offset + limit]]

    @r.get("/outbox/{mail_id}", response_model=io.MailDetail)
    async def mail(mail_id: str, _: Annotated[Principal, Depends(organiser)]) -> dict[str, Any]:
        doc = await svc.mail(mail_id)
        return {**summary(doc), "text": doc["text"], "html": doc["html"]}

    @r.post("/outbox/{mail_id}/resend", response_model=io.ResendOut, status_code=202)
    async def resend(mail_id: str, body: io.ResendIn, user: Annotated[Principal, Depends(organiser)]) -> Doc:
        return {"id": await svc.resend(mail_id, body.token, user.account_id)}

    return r
