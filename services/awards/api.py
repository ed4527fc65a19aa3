"""Awards' JSON API under /awards/api: organisers' routes, winners' certificates, public reads."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
import asyncio
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import Field

from services.awards import schemas as out
from services.awards.domain.certificates import DEFAULT_SIGNER_TITLE
from services.awards.domain.result_hash import result_rows
from services.awards.explanations import render
from services.awards.publication import MAX_INPUTS_BYTES, Publication
from services.awards.season import SeasonReports, season_json
from services.awards.season_files import filename, render_pdf, render_xlsx
from services.awards.service import AwardsService
from services.awards.views import allocation_view
from shared.auth import Auth, Principal
from shared.errors import ERROR_RESPONSES, Invalid, NotFound, TooLarge
from shared.mongo import Doc
from shared.schemas import In
from shared.throttle import Throttle
from shared.web.i18n import N_, request_lang


class TierIn(In):
    key: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=80)
    name_en: str = Field(default="", max_length=80)
    count: int = Field(ge=0, le=1000)
    prize_vnd: int = Field(ge=0, le=10**12)
    min_score: float = Field(ge=0, le=100)
    category: str | None = Field(default=None, max_length=60)


class PrizesIn(In):
    tiers: list[TierIn] = Field(min_length=1, max_length=20)
    tie_break: list[str] = Field(default_factory=list, max_length=6)
    place: str = Field(default="", max_length=60)
    signer_name: str = Field(default="", max_length=80)
    signer_title: str = Field(default=DEFAULT_SIGNER_TITLE, max_length=80)


class OverrideIn(In):
    entry_id: str = Field(min_length=1, max_length=64)
    tier_key: str | None = Field(default=None, max_length=40)
    position: int | None = Field(default=None, ge=1)
    reason: str = Field(default="", max_length=2000)


class ApproveIn(In):
    confirm: bool = False
    result_hash: str = Field(default="", max_length=64)


class AnnounceIn(In):
    confirm: bool = False


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"


def _confirmed(flag: bool) -> None:
    if not flag:
        raise Invalid("Cần đánh dấu xác nhận trước khi thực hiện.", field="confirm")


def _who(user: Principal) -> str:
    return user.full_name or user.email or user.account_id


def _file(data: bytes, media: str, name: str) -> Response:
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                     "Cache-Control": "no-store"})


MSG_SLOW_DOWN = N_("Bạn gửi quá nhiều yêu cầu; vui lòng thử lại sau ít phút.")


def build_router(svc: AwardsService, pub: Publication, season: SeasonReports, auth: Auth) -> APIRouter:
    r = APIRouter(prefix="/awards/api", tags=["awards"], responses=ERROR_RESPONSES)
    organiser = auth.role("organiser")
    winner = auth.role("participant", "organiser")
    Org = Annotated[Principal, Depends(organiser)]
    public_throttle = Throttle("10/minute;60/hour")  # recomputing a result costs CPU
    browse_throttle = Throttle("300/minute")

    async def browsing(request: Request) -> None:
        """The anonymous public API is open to anyone, not to anyone's flood."""
        await browse_throttle.check(request, "public", MSG_SLOW_DOWN)

    # ---------------------------------------------------------------- organisers

    @r.get("/contests/{contest_id}/ranking", response_model=out.RankingOut)
    async def ranking(contest_id: str, _: Org) -> Doc:
        contest = await svc.contest(contest_id)
        view = await svc.ranking_view(contest_id)
        ranked, docs = view.value
        return {"contest_id": contest_id, "provisional": not contest.get("judging_closed", False),
                "as_of": view.as_of,
                "tie_break": list(svc.chain_of(contest)),
                "entries": [{"position": x.position, "entry_id": x.entry_id, "code": docs[x.entry_id].get("code"),
                             "title": docs[x.entry_id].get("title"), "official_total": x.official_total,
                             "round_no": docs[x.entry_id]["round_no"],
                             "explanation": render(x.explanation, "vi")} for x in ranked]}

    @r.get("/contests/{contest_id}/prizes", response_model=out.PrizesOut, response_model_exclude_unset=True)
    async def get_prizes(contest_id: str, _: Org) -> Doc:
        contest = await svc.contest(contest_id)
        return {"contest_id": contest_id, "prizes": contest.get("prizes"),
                "locked": bool(contest.get("announced"))}

    @r.put("/contests/{contest_id}/prizes", response_model=out.PrizesOut, response_model_exclude_unset=True)
    async def put_prizes(contest_id: str, body: PrizesIn, user: Org) -> Doc:
        prizes = await svc.set_prizes(contest_id, body.model_dump(), _who(user))
        return {"contest_id": contest_id, "prizes": prizes, "locked": False}

    @r.get("/contests/{contest_id}/allocation", response_model=out.AllocationOut, response_model_exclude_unset=True)
    async def allocation(request: Request, contest_id: str, _: Org) -> dict[str, Any]:
        view = dict(await allocation_view(svc, contest_id, request_lang(request)))
        view["late_scores"] = [{"entry_id": d["_id"], "code": d.get("code"), "rounds": sorted(d["late_scores"])}
                               for d in await svc.late_scores_view(contest_id)]
        return view

    @r.post("/contests/{contest_id}/overrides", status_code=201, response_model=out.Override)
    async def add_override(contest_id: str, body: OverrideIn, user: Org) -> Doc:
        return await svc.add_override(contest_id, body.entry_id, body.tier_key or None, body.position, body.reason,
                                      _who(user))

    @r.delete("/contests/{contest_id}/overrides/{entry_id}", status_code=204)
    async def remove_override(contest_id: str, entry_id: str, user: Org) -> Response:
        await svc.remove_override(contest_id, entry_id, _who(user))
        return Response(status_code=204)

    @r.post("/contests/{contest_id}/approve", response_model=out.Approval)
    async def approve(contest_id: str, body: ApproveIn, user: Org) -> Doc:
        _confirmed(body.confirm)
        return await svc.approve(contest_id, body.result_hash, _who(user), user.account_id)

    @r.post("/contests/{contest_id}/announce", response_model=out.Announced)
    async def announce(contest_id: str, body: AnnounceIn, user: Org) -> Doc:
        _confirmed(body.confirm)
        return await svc.announce(contest_id, _who(user))

    @r.get("/contests/{contest_id}/result", response_model=out.ResultOut, response_model_exclude_unset=True)
    async def result(contest_id: str, _: Org) -> dict[str, Any]:
        off = await pub.official(contest_id)
        docs = await pub.entry_docs([x["entry_id"] for x in off.result["rows"]])
        # Each row with its figures (a format-2 result holds decisions; figures are in the inputs).
        typed = {r.entry_id: r for r in await asyncio.to_thread(result_rows, off.result, off.inputs_json)}
        rows = [{**asdict(typed[x["entry_id"]]), **x, "code": docs.get(x["entry_id"], {}).get("code", ""),
                 "unit": docs.get(x["entry_id"], {}).get("unit", ""),
                 "authors": [a["full_name"] for a in docs.get(x["entry_id"], {}).get("authors", [])]}
                for x in off.result["rows"]]
        return {"contest_id": contest_id, "announced": bool(off.contest.get("announced")),
                "result_hash": off.result_hash, "result": {**off.result, "rows": rows}}

    @r.get("/contests/{contest_id}/export.xlsx", response_class=Response, responses=out.file_response(
        XLSX, "The official result as a spreadsheet."))
    async def export_xlsx(contest_id: str, _: Org) -> Response:
        data = await pub.export(contest_id, "xlsx")
        return _file(data, XLSX, f"ket-qua-{contest_id}.xlsx")

    @r.get("/contests/{contest_id}/export.csv", response_class=Response, responses=out.file_response(
        CSV, "The official result as CSV."))
    async def export_csv(contest_id: str, _: Org) -> Response:
        return _file(await pub.export(contest_id, "csv"), f"{CSV}; charset=utf-8", f"ket-qua-{contest_id}.csv")

    @r.get("/contests/{contest_id}/certificates.zip", response_class=Response, responses=out.file_response(
        "application/zip", "Every winner's certificate (PDF) in one archive."))
    async def certificates_zip(contest_id: str, _: Org) -> Response:
        return _file(await pub.bulk(contest_id), "application/zip", f"giay-chung-nhan-{contest_id}.zip")

    # ---------------------------------------------------------------- the season report

    @r.get("/contests/{contest_id}/season-report", response_model=out.SeasonReportOut)
    async def season_report(contest_id: str, _: Org) -> dict[str, Any]:
        return season_json(await season.season(contest_id))

    @r.get("/contests/{contest_id}/season-report.pdf", response_class=Response, responses=out.file_response(
        "application/pdf", "The season report as PDF (Vietnamese, or English with ?lang=en)."))
    async def season_report_pdf(request: Request, contest_id: str, _: Org) -> Response:
        s = await season.season(contest_id)
        pdf = await asyncio.to_thread(render_pdf, s, request_lang(request))
        return _file(pdf, "application/pdf", filename(s, "pdf"))

    @r.get("/contests/{contest_id}/season-report.xlsx", response_class=Response, responses=out.file_response(
        XLSX, "The season report as a spreadsheet, one sheet per section."))
    async def season_report_xlsx(request: Request, contest_id: str, _: Org) -> Response:
        s = await season.season(contest_id)
        data = await asyncio.to_thread(render_xlsx, s, request_lang(request))
        return _file(data, XLSX, filename(s, "xlsx"))

    # ---------------------------------------------------------------- winners

    @r.get("/my/certificates", response_model=list[out.MyCertificate])
    async def my_certificates(user: Annotated[Principal, Depends(winner)]) -> list[dict[str, Any]]:
        return await pub.my_certificates(user)

    @r.get("/entries/{entry_id}/certificates/{author_index}.pdf", response_class=Response,
           responses=out.file_response("application/pdf", "One author's certificate."))
    async def certificate(entry_id: str, author_index: Annotated[int, Path(ge=0, le=50)],
                          user: Annotated[Principal, Depends(winner)]) -> Response:
        pdf, name = await pub.certificate(entry_id, author_index, user)
        return _file(pdf, "application/pdf", name)

    # ---------------------------------------------------------------- public (announced results only)

    @r.get("/public/contests", dependencies=[Depends(browsing)], response_model=list[out.PublicContest])
    async def public_contests() -> list[Doc]:
        return [{"contest_id": c["_id"], "name": c.get("name"), "announced_at": c.get("announced_at")}
                for c in await pub.announced_contests()]

    @r.get("/public/contests/{contest_id}/results", dependencies=[Depends(browsing)],
           response_model=out.PublicResults)
    async def public_results(contest_id: str) -> dict[str, Any]:
        off = await pub.announced(contest_id)
        return {"contest_id": contest_id, "name": off.contest.get("name"),
                "announced_at": off.contest.get("announced_at"), "result_hash": off.result_hash,
                "inputs_sha256": off.result["inputs_sha256"], "tiers": await pub.winners(off),
                "statistics": await pub.statistics(off.contest)}

    @r.get("/public/contests/{contest_id}/inputs.json", dependencies=[Depends(browsing)], response_class=Response,
           responses=out.INPUTS_FILE)
    async def public_inputs(contest_id: str) -> Response:
        off = await pub.announced(contest_id)
        return _file(off.inputs_json, "application/json", f"du-lieu-dau-vao-{contest_id}.json")

    @r.get("/public/contests/{contest_id}/result.json", dependencies=[Depends(browsing)],
           response_model=out.OfficialResult, response_model_exclude_unset=True)
    async def public_result(contest_id: str) -> dict[str, Any]:
        return (await pub.announced(contest_id)).result

    @r.get("/public/certificates/{code}", dependencies=[Depends(browsing)], response_model=out.CertificateCheck)
    async def verify_certificate(code: str) -> dict[str, Any]:
        found = await pub.verify_code(code)
        if found is None:
            raise NotFound("Mã xác thực không khớp với giấy chứng nhận nào đã công bố.", field="code")
        return found

    @r.post("/public/verify-result", dependencies=[Depends(browsing)], response_model=out.ResultCheck)
    async def verify_result(request: Request,
                            result_hash: Annotated[str, Query(min_length=64, max_length=64,
                                                              pattern="^[0-9a-fA-F]{64}$")]) -> dict[str, Any]:
        """Anyone may recompute a published result, a few times a minute: each check costs CPU."""
        await public_throttle.check(request, "verify-result", MSG_SLOW_DOWN)
        declared = request.headers.get("content-length") or ""
        if declared.isdigit() and int(declared) > MAX_INPUTS_BYTES:
            raise TooLarge("Tệp dữ liệu đầu vào quá lớn.")
        body = bytearray()
        async for chunk in request.stream():  # a chunked body has no length to check up front
            body += chunk
            if len(body) > MAX_INPUTS_BYTES:
                raise TooLarge("Tệp dữ liệu đầu vào quá lớn.")
        return await pub.verify_inputs(bytes(body), result_hash)

    return r
