"""Notifications' pages: a person's e-mail choices and recent messages; the organisers' outbox
(what was sent to whom, what failed and why, resend)."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.notifications.domain.kinds import OPTIONAL
from services.notifications.service import Notifications
from shared.auth import Auth, Principal
from shared.web.paging import MAX_PAGE, paginate, search_key
from shared.web.render import Web

STATUSES = ("pending", "sending", "sent", "failed", "suppressed")


def build_pages(svc: Notifications, auth: Auth, web: Web) -> APIRouter:
    r = APIRouter(prefix="/notifications", include_in_schema=False)
    organiser = auth.role("organiser")

    @r.get("/preferences")
    async def preferences(request: Request, user: Annotated[Principal, Depends(auth.user)]) -> Response:
        return web.render(request, "preferences.html", prefs=await svc.preferences(user.account_id),
                          categories=OPTIONAL, mails=await svc.mails_of(user.account_id),
                          saved=bool(request.query_params.get("saved")))

    @r.post("/preferences")
    async def save_preferences(user: Annotated[Principal, Depends(auth.user)],
                               lang: Annotated[str, Form(max_length=2)] = "vi",
                               keep: Annotated[list[str] | None, Form(max_length=3)] = None) -> Response:
        wanted = set(keep or [])
        await svc.set_preferences(user.account_id, lang, [c for c in OPTIONAL if c not in wanted])
        return RedirectResponse("/notifications/preferences?saved=1", status_code=303)

    @r.get("/organiser/outbox")
    async def outbox(request: Request, _: Annotated[Principal, Depends(organiser)],
                     status: Annotated[str | None, Query(max_length=10)] = None,
                     q: Annotated[str, Query(max_length=200)] = "",
                     page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1) -> Response:
        status = status if status in STATUSES else None
        mails = await svc.outbox(status)
        counts = {s: 0 for s in STATUSES}
        for m in await svc.outbox() if status else mails:
            counts[m["status"]] = counts.get(m["status"], 0) + 1
        if q.strip():
            key = search_key(q)
            mails = [m for m in mails if key in search_key(f"{m['to_email']} {m.get('to_name', '')} {m['subject']}")]
        paged = paginate(mails, page, params={"status": status, "q": q.strip() or None})
        return web.render(request, "outbox.html", paged=paged, status=status, q=q, counts=counts,
                          statuses=STATUSES, token=secrets.token_urlsafe(16),
                          resent=bool(request.query_params.get("resent")))

    @r.get("/organiser/outbox/{mail_id}")
    async def mail(request: Request, mail_id: str, _: Annotated[Principal, Depends(organiser)]) -> Response:
        return web.render(request, "mail.html", mail=await svc.mail(mail_id), token=secrets.token_urlsafe(16))

    @r.post("/organiser/outbox/{mail_id}/resend")
    async def resend(mail_id: str, user: Annotated[Principal, Depends(organiser)],
                     token: Annotated[str, Form(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]) -> Response:
        copy_id = await svc.resend(mail_id, token, user.account_id)
        return RedirectResponse(f"/notifications/organiser/outbox/{copy_id}?resent=1", status_code=303)

    return r
