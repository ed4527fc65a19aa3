"""Every awards route, walked as anonymous, the winner, another participant, a judge and an
organiser, on an announced contest: each one refuses the wrong role or owner with the right
status. The table must list every route the service has (checked against the app itself)."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from services.awards.app import build
from tests.conftest import Api, new_judge, new_participant
from tests.integration.test_awards_scenario import (
    Spec,
    account_id,
    approve_and_announce,
    certificate_code,
    close_judging,
    open_contest,
    score_all,
)

pytestmark = pytest.mark.integration

ROLES = ("anonymous", "winner", "other", "judge", "organiser")
ORG_API = {"anonymous": 401, "winner": 403, "other": 403, "judge": 403}
ORG_PAGE = {"anonymous": 303, "winner": 403, "other": 403, "judge": 403}
PUBLIC = dict.fromkeys(ROLES, 200)


def app_routes() -> list[APIRoute]:
    """The service's routes, including those of routers it includes."""
    out: list[APIRoute] = []
    pending = list(build().routes)
    while pending:
        r = pending.pop()
        if isinstance(r, APIRoute):
            out.append(r)
        elif getattr(r, "original_router", None) is not None:
            pending.extend(r.original_router.routes)  # type: ignore[attr-defined]
    return out


def expected(organiser: int, base: dict[str, int]) -> dict[str, int]:
    return {**base, "organiser": organiser}


def test_every_route_refuses_the_wrong_role_or_owner(gateway: str, organiser: Api) -> None:
    winner, _ = new_participant(gateway)
    other, _ = new_participant(gateway, name="Đỗ Thị Khác")
    judge = new_judge(gateway, organiser, "Sở Y tế")
    spec = Spec("Chữ ký số cho hồ sơ một cửa", {"novelty": 27, "effectiveness": 36, "applicability": 17,
                                                 "presentation": 9})
    sc = open_contest(organiser, account_id(winner), [spec])
    score_all(organiser, sc, [spec])
    close_judging(organiser, sc, [spec.title])
    digest = approve_and_announce(organiser, sc)
    cid, eid = sc.contest_id, sc.entries[spec.title]
    code = certificate_code(winner.get(f"/awards/api/entries/{eid}/certificates/0.pdf").content)
    inputs = organiser.get(f"/awards/api/public/contests/{cid}/inputs.json").content
    prizes = organiser.get(f"/awards/api/contests/{cid}/prizes").json()["prizes"]

    api = f"/awards/api/contests/{cid}"
    # (method, route template, concrete path, body, expected status per role)
    table: list[tuple[str, str, str, object, dict[str, int]]] = [
        ("GET", "/awards/api/contests/{contest_id}/ranking", f"{api}/ranking", None, expected(200, ORG_API)),
        ("GET", "/awards/api/contests/{contest_id}/prizes", f"{api}/prizes", None, expected(200, ORG_API)),
        ("PUT", "/awards/api/contests/{contest_id}/prizes", f"{api}/prizes", prizes, expected(409, ORG_API)),
        ("GET", "/awards/api/contests/{contest_id}/allocation", f"{api}/allocation", None, expected(200, ORG_API)),
        ("POST", "/awards/api/contests/{contest_id}/overrides", f"{api}/overrides",
         {"entry_id": eid, "tier_key": None, "reason": "Lý do đủ dài để ghi nhận"}, expected(409, ORG_API)),
        ("DELETE", "/awards/api/contests/{contest_id}/overrides/{entry_id}", f"{api}/overrides/{eid}", None,
         expected(409, ORG_API)),
        ("POST", "/awards/api/contests/{contest_id}/approve", f"{api}/approve",
         {"confirm": True, "result_hash": digest}, expected(409, ORG_API)),
        ("POST", "/awards/api/contests/{contest_id}/announce", f"{api}/announce", {"confirm": True},
         expected(409, ORG_API)),
        ("GET", "/awards/api/contests/{contest_id}/result", f"{api}/result", None, expected(200, ORG_API)),
        ("GET", "/awards/api/contests/{contest_id}/export.xlsx", f"{api}/export.xlsx", None, expected(200, ORG_API)),
        ("GET", "/awards/api/contests/{contest_id}/export.csv", f"{api}/export.csv", None, expected(200, ORG_API)),
        ("GET", "/awards/api/contests/{contest_id}/certificates.zip", f"{api}/certificates.zip", None,
         expected(200, ORG_API)),
        ("GET", "/awards/api/contests/{contest_id}/season-report", f"{api}/season-report", None,
         expected(200, ORG_API)),
        ("GET", "/awards/api/contests/{contest_id}/season-report.pdf", f"{api}/season-report.pdf", None,
         expected(200, ORG_API)),
        ("GET", "/awards/api/contests/{contest_id}/season-report.xlsx", f"{api}/season-report.xlsx", None,
         expected(200, ORG_API)),
        ("GET", "/awards/api/my/certificates", "/awards/api/my/certificates", None,
         {"anonymous": 401, "winner": 200, "other": 200, "judge": 403, "organiser": 200}),
        ("GET", "/awards/api/entries/{entry_id}/certificates/{author_index}.pdf",
         f"/awards/api/entries/{eid}/certificates/0.pdf", None,
         {"anonymous": 401, "winner": 200, "other": 403, "judge": 403, "organiser": 200}),
        ("GET", "/awards/api/public/contests", "/awards/api/public/contests", None, PUBLIC),
        ("GET", "/awards/api/public/contests/{contest_id}/results", f"/awards/api/public/contests/{cid}/results",
         None, PUBLIC),
        ("GET", "/awards/api/public/contests/{contest_id}/inputs.json",
         f"/awards/api/public/contests/{cid}/inputs.json", None, PUBLIC),
        ("GET", "/awards/api/public/contests/{contest_id}/result.json",
         f"/awards/api/public/contests/{cid}/result.json", None, PUBLIC),
        ("GET", "/awards/api/public/certificates/{code}", f"/awards/api/public/certificates/{code}", None, PUBLIC),
        ("POST", "/awards/api/public/verify-result", f"/awards/api/public/verify-result?result_hash={digest}",
         inputs, PUBLIC),
        ("GET", "/awards/organiser", f"/awards/organiser?contest_id={cid}", None, expected(200, ORG_PAGE)),
        ("GET", "/awards/organiser/checklist", f"/awards/organiser/checklist?contest_id={cid}", None,
         expected(200, ORG_PAGE)),
        ("GET", "/awards/organiser/season-report", f"/awards/organiser/season-report?contest_id={cid}", None,
         expected(200, ORG_PAGE)),
        ("GET", "/awards/results", "/awards/results", None, PUBLIC),
        ("GET", "/awards/results/{contest_id}", f"/awards/results/{cid}", None, PUBLIC),
        ("GET", "/awards/verify", f"/awards/verify?code={code}", None, PUBLIC),
        ("GET", "/awards/my", "/awards/my", None,
         {"anonymous": 303, "winner": 200, "other": 200, "judge": 403, "organiser": 200}),
    ]

    unlisted = ("/health", "/health/live", "/health/ready", "/openapi.json", "/asyncapi.json", "/docs")
    routes = {(m, r.path) for r in app_routes() if r.path.startswith("/awards")
              and not r.path.endswith(unlisted) for m in (r.methods or set()) - {"HEAD"}}
    assert routes == {(m, t) for m, t, *_ in table}, "every route is in the table"

    clients = {"anonymous": Api(gateway), "winner": winner, "other": other, "judge": judge, "organiser": organiser}
    failures = []
    for method, _template, path, body, want in table:
        page = "/api/" not in path
        for role in ROLES:
            kwargs: dict[str, object] = {"headers": {"Accept": "text/html"} if page else {},
                                         "follow_redirects": False}
            if isinstance(body, bytes):
                kwargs["content"] = body
            elif body is not None:
                kwargs["json"] = body
            status = clients[role].request(method, path, **kwargs).status_code
            if status != want[role]:
                failures.append(f"{method} {path} as {role}: {status}, expected {want[role]}")
    assert not failures, "\n".join(failures)

    # Pages and public routes of a contest that does not exist (or is not announced) say 404.
    for path in ("/awards/results/nope", "/awards/api/public/contests/nope/results",
                 "/awards/api/public/contests/nope/inputs.json"):
        assert Api(gateway).get(path).status_code == 404
