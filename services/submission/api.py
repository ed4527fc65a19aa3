"""Submission's JSON API under /submission/api: the pages use it too."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response
from pydantic import Field, field_validator

from services.submission import schemas as out
from services.submission.domain.messages import Lang
from services.submission.files import HARD_CAP_BYTES, content_disposition, valid_signature
from services.submission.screening import Screening
from services.submission.service import SubmissionService
from services.submission.verification import require_verified
from shared import outbox
from shared.auth import Auth, Principal
from shared.errors import ERROR_RESPONSES, Forbidden, TooLarge
from shared.idempotency import IdempotencyKey
from shared.mongo import Doc
from shared.schemas import DateTimeIn, In
from shared.web.i18n import N_, request_lang

MSG_INVALID = N_("Dữ liệu không hợp lệ.")
MSG_FILE_TOO_LARGE = N_("Tệp quá lớn (tối đa 15 MB).")
FileType = Literal["pdf", "docx", "xlsx", "png", "jpg"]
FILE_TYPES: tuple[FileType, ...] = ("pdf", "docx", "xlsx", "png", "jpg")


class CategoryIn(In):
    key: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    name: str = Field(min_length=2, max_length=120)


def _aware(v: datetime) -> datetime:
    if v.tzinfo is None:
        raise ValueError(N_("Thời điểm cần có múi giờ (ví dụ +07:00)."))
    return v


class ContestIn(In):
    code: str = Field(min_length=2, max_length=12, pattern=r"^[A-Z0-9]+$", description="Short code, e.g. SK2026")
    name: str = Field(min_length=5, max_length=200)
    issuing_body: str = Field(min_length=2, max_length=200, description="e.g. Sở Nội vụ tỉnh Bắc Ninh")
    description: str = Field(default="", max_length=5000)
    rules_text: str = Field(default="", max_length=20000)
    categories: list[CategoryIn] = Field(min_length=1, max_length=30)
    eligible_groups: list[str] = Field(default_factory=list, max_length=10,
                                       description="Who may take part; empty means anyone.")
    opens_at: DateTimeIn = Field(description="ISO 8601 with offset, e.g. 2026-03-01T08:00:00+07:00")
    closes_at: DateTimeIn
    max_coauthors: int = Field(default=5, ge=0, le=20)
    allowed_types: list[FileType] = Field(default_factory=lambda: list(FILE_TYPES), min_length=1)
    max_file_mb: int = Field(default=10, ge=1, le=15)
    max_files: int = Field(default=5, ge=1, le=20)
    max_entries_per_participant: int = Field(
        default=10, ge=1, le=1000, description="Initiatives one participant may keep open (draft or submitted).")

    _aware = field_validator("opens_at", "closes_at")(_aware)


class ContestCreate(ContestIn):
    status: Literal["draft", "open"] = Field(default="open", description="Create as a draft and open it later.")


class ContestEdit(ContestIn):
    expected_revision: int | None = Field(default=None, description="Refuse (409) if someone saved meanwhile.")


class Extension(In):
    closes_at: DateTimeIn
    reason: str = Field(max_length=2000)

    _aware = field_validator("closes_at")(_aware)


class ReviewRequest(In):
    reason: str = Field(min_length=10, max_length=2000, description="Why the decision should be looked at again.")


class Screening_(In):
    eligible: bool
    reason: str = Field(default="", max_length=2000)


def public_contest(c: Doc) -> Doc:
    hidden = (outbox.OUTBOX, outbox.PENDING, outbox.SEQ, "created_by", "updated_by", "opened_by")
    out = {k: v for k, v in c.items() if k not in hidden} | {"contest_id": c["_id"]}
    out["extensions"] = [{k: x[k] for k in ("from", "to", "reason", "at")} for x in c.get("extensions", [])]
    return out


def own_entry_view(e: Doc) -> Doc:
    versions = e.get("versions", [])
    return {
        "entry_id": e["_id"], "contest_id": e["contest_id"], "code": e["code"], "status": e["status"],
        "fields": e.get("fields", {}), "attachments": e.get("attachments", []),
        "submitted_at": e.get("submitted_at"), "updated_at": e.get("updated_at"),
        "versions": [{"number": v["number"], "saved_at": v["saved_at"]} for v in versions],
        "review_request": e.get("review_request"),
        "screening": {k: v for k, v in (e.get("screening") or {}).items() if k in ("eligible", "reason", "at")}
        or None,
        "result": e.get("result"),
        "outcome": e.get("outcome"),
    }


def screening_view(e: Doc) -> Doc:
    return own_entry_view(e) | {"author": e.get("owner_name"), "similar": e.get("similar", [])}


async def lang_of(request: Request) -> Lang:  # async: a plain def would run in a worker thread
    return "en" if request_lang(request) == "en" else "vi"


def build_router(svc: SubmissionService, screening: Screening, auth: Auth) -> APIRouter:
    r = APIRouter(prefix="/submission/api", tags=["submission"], responses=ERROR_RESPONSES)
    organiser = auth.role("organiser")
    participant = auth.role("participant")
    judge = auth.role("judge", "organiser")
    Fields = Annotated[dict[str, Any], Body(description="The initiative form fields")]
    L = Annotated[Lang, Depends(lang_of)]

    # ---------------------------------------------------------------- contests

    @r.get("/contests", response_model=list[out.ContestOut], response_model_exclude_unset=True)
    async def list_contests(request: Request) -> list[Doc]:
        """Contests anyone may see; organisers also see drafts."""
        user = await auth.optional_user(request)
        return [public_contest(c) for c in await svc.contests(include_drafts=bool(user and user.has("organiser")))]

    @r.post("/contests", status_code=201, response_model=out.ContestOut, response_model_exclude_unset=True)
    async def create_contest(body: ContestCreate, user: Annotated[Principal, Depends(organiser)], lang: L,
                             key: IdempotencyKey = None) -> Doc:
        return public_contest(await svc.create_contest(user, body.model_dump(mode="python"), lang, key))

    @r.get("/contests/{contest_id}", response_model=out.ContestOut, response_model_exclude_unset=True)
    async def get_contest(contest_id: str, request: Request) -> Doc:
        user = await auth.optional_user(request)
        return public_contest(await svc.contest(contest_id, include_draft=bool(user and user.has("organiser"))))

    @r.put("/contests/{contest_id}", response_model=out.ContestOut, response_model_exclude_unset=True)
    async def edit_contest(contest_id: str, body: ContestEdit, user: Annotated[Principal, Depends(organiser)],
                           lang: L) -> Doc:
        data = body.model_dump(mode="python")
        expected = data.pop("expected_revision")
        return public_contest(await svc.update_contest(user, contest_id, data, expected, lang))

    @r.post("/contests/{contest_id}/open", response_model=out.ContestOut, response_model_exclude_unset=True)
    async def open_contest(contest_id: str, user: Annotated[Principal, Depends(organiser)]) -> Doc:
        return public_contest(await svc.open_contest(user, contest_id))

    @r.post("/contests/{contest_id}/extend", response_model=out.ContestOut, response_model_exclude_unset=True)
    async def extend_contest(contest_id: str, body: Extension, user: Annotated[Principal, Depends(organiser)],
                             lang: L) -> Doc:
        return public_contest(await svc.extend_contest(user, contest_id, body.closes_at, body.reason, lang))

    @r.post("/contests/{contest_id}/close", response_model=out.ContestOut, response_model_exclude_unset=True)
    async def close_contest(contest_id: str, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        return public_contest(await svc.close_contest(contest_id))

    @r.get("/contests/{contest_id}/counts", response_model=out.Counts, response_model_exclude_unset=True)
    async def contest_counts(contest_id: str, request: Request) -> dict[str, dict[str, int]]:
        """Live counts of entries by status and category; by unit for organisers only (before
        the result is announced, a unit's count narrows a small contest's entry to its authors)."""
        user = await auth.optional_user(request)
        organiser_view = bool(user and user.has("organiser"))
        await svc.contest(contest_id, include_draft=organiser_view)
        counts = await svc.counts(contest_id)
        return counts if organiser_view else {k: v for k, v in counts.items() if k != "unit"}

    # ---------------------------------------------------------------- the participant's entries

    @r.post("/contests/{contest_id}/entries", status_code=201, response_model=out.EntryOut)
    async def create_entry(contest_id: str, fields: Fields, user: Annotated[Principal, Depends(participant)],
                           lang: L, submit: Annotated[bool, Query(description="Submit at once")] = False,
                           key: IdempotencyKey = None) -> Doc:
        """Create an entry. Send an ``Idempotency-Key`` and repeat it on every retry: a retry returns
        the entry the first request created (with the retry's fields saved as its next version).
        Submitting at once needs a verified address (403 otherwise); a draft does not."""
        if submit:
            require_verified(user)
        return own_entry_view(await svc.save_draft(user, contest_id, None, fields, lang, submit=submit,
                                                   idempotency_key=key))

    @r.get("/my/entries", response_model=list[out.MyEntry])
    async def my_entries(user: Annotated[Principal, Depends(participant)]) -> list[Doc]:
        """The participant's own entries, each with the judges' feedback once released (to its owner only)
        and where it is being applied (the published replication plans of it)."""
        return [own_entry_view(e) | {"feedback": e.get("feedback"), "adoption": e.get("adoption", [])}
                for e in await svc.my_entries(user)]

    @r.get("/entries/{entry_id}", response_model=out.EntryOut)
    async def get_entry(entry_id: str, user: Annotated[Principal, Depends(participant)]) -> Doc:
        return own_entry_view(await svc.own_entry(user, entry_id))

    @r.put("/entries/{entry_id}", response_model=out.EntryOut)
    async def save_entry(entry_id: str, fields: Fields, user: Annotated[Principal, Depends(participant)],
                         lang: L) -> Doc:
        entry = await svc.own_entry(user, entry_id)
        return own_entry_view(await svc.save_draft(user, entry["contest_id"], entry_id, fields, lang))

    @r.post("/entries/{entry_id}/submit", response_model=out.EntryOut)
    async def submit(entry_id: str, user: Annotated[Principal, Depends(participant)], lang: L) -> Doc:
        """Submit a draft; needs a verified address (403 with ``email_verification_required``)."""
        require_verified(user)
        return own_entry_view(await svc.submit(user, entry_id, lang))

    @r.post("/entries/{entry_id}/withdraw", response_model=out.EntryOut)
    async def withdraw(entry_id: str, user: Annotated[Principal, Depends(participant)], lang: L) -> Doc:
        return own_entry_view(await svc.withdraw(user, entry_id, lang))

    @r.post("/entries/{entry_id}/attachments", status_code=201, response_model=out.AttachmentOut,
            openapi_extra={"requestBody": {
                "required": True,
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                "description": "The file's bytes as the request body; its name in ?filename=. 413 too big, "
                               "415 wrong type."}})
    async def upload(entry_id: str, request: Request, user: Annotated[Principal, Depends(participant)], lang: L,
                     filename: Annotated[str, Query(min_length=1, max_length=255)],
                     key: IdempotencyKey = None) -> Doc:
        """Add a file. With an ``Idempotency-Key``, a retry returns the file the first request added."""
        too_big = TooLarge(MSG_INVALID, {"attachments": MSG_FILE_TOO_LARGE})  # the edge translates both
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > HARD_CAP_BYTES:
            raise too_big
        await svc.own_entry(user, entry_id)  # before reading a stranger's upload
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > HARD_CAP_BYTES:
                raise too_big
            chunks.append(chunk)
        return await svc.add_attachment(user, entry_id, filename, b"".join(chunks), lang, idempotency_key=key)

    @r.delete("/entries/{entry_id}/attachments/{file_id}", status_code=204)
    async def remove_attachment(entry_id: str, file_id: str, user: Annotated[Principal, Depends(participant)],
                                lang: L) -> Response:
        await svc.remove_attachment(user, entry_id, file_id, lang)
        return Response(status_code=204)

    @r.get("/attachments/{file_id}", response_class=Response, responses=out.FILE_RESPONSE)
    async def download(file_id: str, user: Annotated[Principal, Depends(auth.role("participant", "organiser"))],
                       ) -> Response:
        """The file, for the participant who uploaded it and for organisers."""
        return _file_response(await svc.attachment(user, file_id))

    @r.get("/judge-files/{file_id}", response_class=Response, responses=out.FILE_RESPONSE)
    async def judge_download(file_id: str, user: Annotated[Principal, Depends(judge)],
                             entry: str, exp: Annotated[int, Query(ge=0, le=2**40)], sig: str) -> Response:
        """A file of an entry in judging, through the signed, expiring link judging received."""
        if not valid_signature(svc.settings.secret_key.encode(), file_id, entry, exp, sig, datetime.now(UTC)):
            raise Forbidden("Liên kết tải tệp không hợp lệ hoặc đã hết hạn.")
        return _file_response(await svc.judge_attachment(file_id, entry, user))

    @r.post("/entries/{entry_id}/review-request", response_model=out.EntryOut)
    async def request_review(entry_id: str, body: ReviewRequest, user: Annotated[Principal, Depends(participant)],
                             lang: L) -> Doc:
        """Ask the organisers to look again at an ineligible decision, saying why."""
        return own_entry_view(await screening.request_review(user, entry_id, body.reason, lang))

    # ---------------------------------------------------------------- screening

    @r.get("/contests/{contest_id}/screening", response_model=list[out.ScreeningRow],
           responses={200: {"headers": out.PAGE_HEADERS}})
    async def screening_queue(contest_id: str, response: Response, _: Annotated[Principal, Depends(organiser)],
                              status: Annotated[str | None, Query(max_length=40)] = None,
                              offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                              limit: Annotated[int, Query(ge=1, le=500)] = 500) -> list[Doc]:
        """Submitted entries in order of submission, ``limit`` at a time from ``offset`` (each
        with its whole text: pages of 500 keep a response of a 5,000-entry contest to a few MB).
        ``X-Total-Count`` says how many there are in all; ``X-Data-As-Of`` when the list was read."""
        view = await screening.queue_view(contest_id)
        rows = [e for e in view.value if status is None or e["status"] == status]
        response.headers["X-Total-Count"] = str(len(rows))
        response.headers["X-Data-As-Of"] = view.as_of.isoformat()
        return [screening_view(e) for e in rows[offset:offset + limit]]

    @r.get("/screening/entries/{entry_id}", response_model=out.ScreeningEntry)
    async def screening_entry(entry_id: str, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        e = await screening.entry(entry_id)
        return screening_view(e) | {"author_email": e.get("owner_email")}

    @r.get("/screening/compare", response_model=out.Comparison)
    async def compare(a: str, b: str, _: Annotated[Principal, Depends(organiser)]) -> Doc:
        """Two entries side by side, sentence by sentence (shared sentences flagged)."""
        return await screening.compare(a, b)

    @r.post("/entries/{entry_id}/screening", response_model=out.EntryOut)
    async def screen(entry_id: str, body: Screening_, user: Annotated[Principal, Depends(organiser)],
                     lang: L) -> Doc:
        return own_entry_view(await screening.decide(user, entry_id, body.eligible, body.reason, lang))

    return r


def _file_response(f: Doc) -> Response:
    return Response(bytes(f["data"]), media_type=f["content_type"], headers={
        "Content-Disposition": content_disposition(f["filename"]), "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"})
