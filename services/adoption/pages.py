"""Adoption's pages: organisers' plans, plan form, plan page and dashboard; a coordinator's
initiatives assigned to their unit, with the answer and report forms. Forms re-render with each
field's message when a rule refuses them."""

# No "from __future__ import annotations": FastAPI must resolve Depends(...) on closures at import.
import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from services.adoption import messages
from services.adoption.domain import evidence
from services.adoption.domain.indicators import MAX_INDICATORS, VALUE_TYPES
from services.adoption.domain.stages import STAGES
from services.adoption.service import Adoption, NewPlan, PlanTerms, Value
from shared.auth import Auth, Principal
from shared.errors import Invalid, Refused, TooLarge, Unsupported, status_of
from shared.units import UnitDirectory
from shared.web.i18n import N_
from shared.web.render import Web

INDICATOR_ROWS = 5
KEY = re.compile(r"[a-z0-9_]{1,40}")
MSG_DATE = N_("Ngày không hợp lệ (định dạng năm-tháng-ngày).")
MSG_NUMBER = N_("Giá trị phải là một số.")
MSG_CHOOSE_FILE = N_("Chọn một tệp để tải lên.")


def _number(text: str) -> float | None:
    """A number as typed in a Vietnamese or English form: '1.500.000', '1,5', '12.5'."""
    t = text.strip().replace(" ", "")
    if t.count(".") > 1 or (t.count(".") == 1 and t.count(",") == 1 and t.index(".") < t.index(",")):
        t = t.replace(".", "")
    t = t.replace(",", ".") if t.count(",") == 1 else t.replace(",", "")
    try:
        return float(t)
    except ValueError:
        return None


def _plain(number: float) -> str:
    """A number as the form shows it back: whole numbers without a fraction."""
    return str(int(number)) if float(number).is_integer() else str(number)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def build_pages(svc: Adoption, auth: Auth, web: Web, directory: Any) -> APIRouter:
    r = APIRouter(prefix="/adoption", include_in_schema=False)
    Organiser = Annotated[Principal, Depends(auth.role("organiser"))]
    Coordinator = Annotated[Principal, Depends(auth.role("coordinator"))]
    names: dict[str, Any] = {"stages": messages.STAGE_NAMES, "answers": messages.ANSWER_NAMES,
             "statuses": messages.PLAN_STATUS_NAMES, "types": messages.VALUE_TYPE_NAMES}

    def units_by_kind() -> dict[str, list[str]]:
        d: UnitDirectory = directory()
        kinds: dict[str, list[str]] = {}
        for u in d.units:
            if u.kind:
                kinds.setdefault(u.kind, []).append(u.name)
        return kinds

    async def plan_form(request: Request, form: dict[str, Any], errors: dict[str, str], status: int = 200,
                        plan: dict[str, Any] | None = None) -> Response:
        """The plan form: empty for a new plan, filled with a draft's terms when ``plan`` is given."""
        shown = max(INDICATOR_ROWS, len(plan["indicators"]) if plan else 0)
        return web.render(request, "plan_form.html", status_code=status, form=form, errors=errors, plan=plan,
                          initiatives=await svc.initiatives(), kinds=units_by_kind(),
                          unit_names=directory().names, value_types=VALUE_TYPES, rows=range(shown), **names)

    def filled(plan: dict[str, Any]) -> dict[str, Any]:
        """A draft's terms as the form's fields."""
        form: dict[str, Any] = {"initiative_id": plan["initiative_id"], "units": "\n".join(plan["units"]),
                                "lead_unit": plan["lead_unit"], "due": plan["due"]}
        for n, i in enumerate(plan["indicators"]):
            form |= {f"ind{n}_key": i["key"], f"ind{n}_name": i["name"], f"ind{n}_measure": i["measure"],
                     f"ind{n}_type": i["value_type"], f"ind{n}_baseline": _plain(i["baseline"])}
        return form

    def read_terms(request: Request, data: FormData, form: dict[str, Any]) -> tuple[PlanTerms | None, dict[str, str]]:
        """The plan's terms from the posted form, or the fields that are not even a date or a number.
        An indicator row keeps its key (a draft's, posted back hidden) so reported keys stay stable."""
        kinds = units_by_kind()
        units = [u for u in form.get("units", "").splitlines() if u.strip()]
        for kind in data.getlist("kinds"):
            units += kinds.get(str(kind), [])
        errors: dict[str, str] = {}
        due = _date(form.get("due", ""))
        if due is None:
            errors["due"] = web.t(request, MSG_DATE)
        indicators = []
        for n in range(MAX_INDICATORS):
            name = form.get(f"ind{n}_name", "").strip()
            if not name:
                continue
            baseline = _number(form.get(f"ind{n}_baseline", "") or "0")
            if baseline is None:
                errors[f"ind{n}_baseline"] = web.t(request, MSG_NUMBER)
            key = form.get(f"ind{n}_key", "")
            indicators.append({"key": key if KEY.fullmatch(key) else f"i{n + 1}", "name": name,
                               "measure": form.get(f"ind{n}_measure", ""),
                               "value_type": form.get(f"ind{n}_type", "number"), "baseline": baseline or 0})
        if errors or due is None:
            return None, errors
        return PlanTerms(units, form.get("lead_unit", ""), due, indicators), {}

    @r.get("/in-practice")
    async def in_practice(request: Request) -> Response:
        """Public: published plans' initiatives, where they are applied and what they changed."""
        await auth.optional_user(request)
        return web.render(request, "in_practice.html", plans=await svc.in_practice(), **names)

    @r.get("/organiser")
    async def plans(request: Request, _: Organiser) -> Response:
        return web.render(request, "plans.html", plans=await svc.plans(), **names)

    @r.get("/organiser/plans/new")
    async def new_plan(request: Request, _: Organiser, initiative_id: str = "") -> Response:
        return await plan_form(request, {"initiative_id": initiative_id}, {})

    @r.post("/organiser/plans")
    async def create_plan(request: Request, user: Organiser) -> Response:
        data: FormData = await request.form()
        form: dict[str, Any] = {k: str(v) for k, v in data.items()}
        terms, errors = read_terms(request, data, form)
        if terms is not None:
            try:
                plan = await svc.create_plan(NewPlan(form.get("initiative_id", ""), terms.units, terms.lead_unit,
                                                     terms.due, terms.indicators), user)
                return RedirectResponse(f"/adoption/organiser/plans/{plan['_id']}?created=1", status_code=303)
            except Refused as exc:
                errors = {k: web.t(request, v) for k, v in exc.errors.items()} or {
                    "initiative_id": web.t(request, exc.message)}
        form["kinds"] = [str(k) for k in data.getlist("kinds")]
        return await plan_form(request, form, errors, 400)

    @r.get("/organiser/plans/{plan_id}/edit")
    async def edit_form(request: Request, plan_id: str, _: Organiser) -> Response:
        """The plan form filled with a draft's terms (409 once published or withdrawn)."""
        plan = await svc.draft(plan_id)
        return await plan_form(request, filled(plan), {}, plan=plan)

    @r.post("/organiser/plans/{plan_id}/edit")
    async def edit_plan(request: Request, plan_id: str, user: Organiser) -> Response:
        plan = await svc.draft(plan_id)
        data: FormData = await request.form()
        form: dict[str, Any] = {k: str(v) for k, v in data.items()}
        terms, errors = read_terms(request, data, form)
        if terms is not None:
            try:
                await svc.edit_plan(plan_id, terms, user)
                return RedirectResponse(f"/adoption/organiser/plans/{plan_id}?edited=1", status_code=303)
            except Invalid as exc:
                errors = {k: web.t(request, v) for k, v in exc.errors.items()}
        form["kinds"] = [str(k) for k in data.getlist("kinds")]
        return await plan_form(request, form, errors, 400, plan=plan)

    @r.get("/organiser/plans/{plan_id}")
    async def plan(request: Request, plan_id: str, _: Organiser) -> Response:
        doc, rows, totals = await svc.plan_detail(plan_id)
        return web.render(request, "plan.html", plan=doc, rows=rows, totals=totals, **names)

    @r.post("/organiser/plans/{plan_id}/publish")
    async def publish(plan_id: str, user: Organiser) -> Response:
        await svc.publish(plan_id, user)
        return RedirectResponse(f"/adoption/organiser/plans/{plan_id}?published=1", status_code=303)

    @r.post("/organiser/plans/{plan_id}/withdraw")
    async def withdraw(plan_id: str, user: Organiser,
                       reason: Annotated[str, Form(max_length=1000)] = "") -> Response:
        await svc.withdraw(plan_id, reason, user)
        return RedirectResponse(f"/adoption/organiser/plans/{plan_id}?withdrawn=1", status_code=303)

    @r.get("/organiser/dashboard")
    async def dashboard(request: Request, _: Organiser) -> Response:
        return web.render(request, "dashboard.html", d=await svc.dashboard(), **names)

    @r.get("/unit")
    async def assigned(request: Request, user: Coordinator) -> Response:
        return web.render(request, "unit.html", rows=await svc.assigned_to(user), unit=user.unit, **names)

    async def assignment_page(request: Request, aid: str, user: Principal, errors: dict[str, str],
                              form: dict[str, str], status: int = 200) -> Response:
        a, plan = await svc.assignment(aid, user)
        return web.render(request, "assignment.html", status_code=status, a=a, plan=plan, errors=errors, form=form,
                          history=list(reversed(a.get("history", []))), stage_keys=STAGES,
                          file_types=[f".{t}" for t in sorted(evidence.TYPES)],
                          max_mb=evidence.MAX_BYTES // evidence.MB, max_files=evidence.MAX_FILES,
                          latest={v["indicator"]: v for v in a.get("values", [])}, **names)

    @r.get("/unit/{aid}")
    async def assignment(request: Request, aid: str, user: Coordinator) -> Response:
        return await assignment_page(request, aid, user, {}, {})

    @r.post("/unit/{aid}/answer")
    async def answer(request: Request, aid: str, user: Coordinator,
                     accept: Annotated[str, Form(max_length=3)] = "",
                     reason: Annotated[str, Form(max_length=1000)] = "") -> Response:
        try:
            await svc.answer(aid, accept == "yes", reason, user)
        except Invalid as exc:
            errors = {k: web.t(request, v) for k, v in exc.errors.items()}
            return await assignment_page(request, aid, user, errors, {"reason": reason}, 400)
        return RedirectResponse(f"/adoption/unit/{aid}?saved=1", status_code=303)

    @r.post("/unit/{aid}/report")
    async def report(request: Request, aid: str, user: Coordinator) -> Response:
        _, plan = await svc.assignment(aid, user)
        data = await request.form()
        form = {k: str(v) for k, v in data.items()}
        errors: dict[str, str] = {}
        values: list[Value] = []
        keys: list[str] = []
        for i in plan["indicators"]:
            k = i["key"]
            typed = form.get(f"v_{k}", "").strip()
            if not typed:
                continue
            number, on = _number(typed), _date(form.get(f"on_{k}", ""))
            if number is None:
                errors[f"v_{k}"] = web.t(request, MSG_NUMBER)
            if on is None:
                errors[f"on_{k}"] = web.t(request, MSG_DATE)
            if number is not None and on is not None:
                values.append(Value(k, number, on))
                keys.append(k)
        if not errors:
            try:
                await svc.report(aid, form.get("stage", ""), form.get("reason", ""), values, user)
                return RedirectResponse(f"/adoption/unit/{aid}?saved=1", status_code=303)
            except Invalid as exc:
                for field, text in exc.errors.items():
                    parts = field.split(".")  # values.<n>.value|on -> the row's own field
                    name = f"{'on' if parts[-1] == 'on' else 'v'}_{keys[int(parts[1])]}" \
                        if parts[0] == "values" else field
                    errors[name] = web.t(request, text)
        return await assignment_page(request, aid, user, errors, form, 400)

    @r.post("/unit/{aid}/evidence")
    async def add_evidence(request: Request, aid: str, user: Coordinator) -> Response:
        """A file from the form (one, read no further than the bound) kept as the report's evidence."""
        await svc.assignment(aid, user)  # before reading a stranger's upload
        data = await request.form(max_files=1, max_fields=4)
        upload = data.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await assignment_page(request, aid, user, {"file": web.t(request, MSG_CHOOSE_FILE)}, {}, 400)
        try:
            await svc.add_evidence(aid, upload.filename, await upload.read(evidence.MAX_BYTES + 1), user)
        except (Invalid, TooLarge, Unsupported) as exc:
            errors = {k: web.t(request, v) for k, v in exc.errors.items()}
            return await assignment_page(request, aid, user, errors, {}, status_of(exc))
        finally:
            await upload.close()
        return RedirectResponse(f"/adoption/unit/{aid}?saved=1#evidence", status_code=303)

    return r
