"""Every route of the submission service, called through the gateway by an anonymous visitor,
the entry's owner, another participant, a judge and an organiser: each gets exactly the status
the route's role and ownership rules give it. The table must list every route the app has, so
a new route without access rules fails this test."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.routing import Route

from services.submission.app import build
from tests.conftest import Api, initiative, new_contest, new_judge, new_participant

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n%%EOF\n"
WHO = ("anonymous", "owner", "other", "judge", "organiser")
SKIP = None  # the allowed caller would change shared state here; the flow tests cover that success
# (method, path) -> expected status for each caller, in WHO's order. Bodies: see BODIES.
API: dict[tuple[str, str], tuple[int | None, ...]] = {
    ("GET", "/submission/api/contests"): (200, 200, 200, 200, 200),
    ("POST", "/submission/api/contests"): (401, 403, 403, 403, 422),
    ("GET", "/submission/api/contests/{contest_id}"): (200, 200, 200, 200, 200),
    ("PUT", "/submission/api/contests/{contest_id}"): (401, 403, 403, 403, 422),
    ("POST", "/submission/api/contests/{contest_id}/open"): (401, 403, 403, 403, SKIP),
    ("POST", "/submission/api/contests/{contest_id}/extend"): (401, 403, 403, 403, 422),
    ("POST", "/submission/api/contests/{contest_id}/close"): (401, 403, 403, 403, SKIP),
    ("GET", "/submission/api/contests/{contest_id}/counts"): (200, 200, 200, 200, 200),
    ("POST", "/submission/api/contests/{contest_id}/entries"): (401, 422, 422, 403, 403),
    ("GET", "/submission/api/my/entries"): (401, 200, 200, 403, 403),
    ("GET", "/submission/api/entries/{entry_id}"): (401, 200, 404, 403, 403),
    ("PUT", "/submission/api/entries/{entry_id}"): (401, 422, 404, 403, 403),
    ("POST", "/submission/api/entries/{entry_id}/submit"): (401, SKIP, 404, 403, 403),
    ("POST", "/submission/api/entries/{entry_id}/withdraw"): (401, SKIP, 404, 403, 403),
    ("POST", "/submission/api/entries/{entry_id}/attachments"): (401, 415, 404, 403, 403),
    ("DELETE", "/submission/api/entries/{entry_id}/attachments/{file_id}"): (401, SKIP, 404, 403, 403),
    ("GET", "/submission/api/attachments/{file_id}"): (401, 200, 404, 403, 200),
    ("GET", "/submission/api/judge-files/{file_id}"): (401, 403, 403, 403, 403),
    ("GET", "/submission/api/contests/{contest_id}/screening"): (401, 403, 403, 403, 200),
    ("GET", "/submission/api/screening/entries/{entry_id}"): (401, 403, 403, 403, 200),
    ("GET", "/submission/api/screening/compare"): (401, 403, 403, 403, 200),
    ("POST", "/submission/api/entries/{entry_id}/screening"): (401, 403, 403, 403, 422),
    ("POST", "/submission/api/entries/{entry_id}/review-request"): (401, 422, 422, 403, 403),
    ("GET", "/submission/api/docs"): (200, 200, 200, 200, 200),
    ("GET", "/submission/api/openapi.json"): (200, 200, 200, 200, 200),
    ("GET", "/submission/api/asyncapi.json"): (200, 200, 200, 200, 200),
    ("GET", "/submission/health"): (200, 200, 200, 200, 200),
    ("GET", "/submission/health/live"): (200, 200, 200, 200, 200),
    ("GET", "/submission/health/ready"): (200, 200, 200, 200, 200),
}
PAGES: dict[tuple[str, str], tuple[int | None, ...]] = {
    ("GET", "/submission/"): (302, 302, 302, 302, 302),
    ("GET", "/submission/contests"): (200, 200, 200, 200, 200),
    ("GET", "/submission/contests/{contest_id}"): (200, 200, 200, 200, 200),
    ("GET", "/submission/contests/{contest_id}/new"): (303, 200, 200, 403, 403),
    ("GET", "/submission/entries/{entry_id}"): (303, 200, 404, 403, 403),
    ("GET", "/submission/my"): (303, 200, 200, 403, 403),
    ("GET", "/submission/screening"): (303, 403, 403, 403, 200),
    ("GET", "/submission/screening/entries/{entry_id}"): (303, 403, 403, 403, 200),
    ("GET", "/submission/screening/compare"): (303, 403, 403, 403, 200),
    ("GET", "/submission/manage/contests/new"): (303, 403, 403, 403, 200),
    ("GET", "/submission/manage/contests/{contest_id}"): (303, 403, 403, 403, 200),
}
QUERY = {
    "/submission/api/entries/{entry_id}/attachments": "?filename=x.pdf",
    "/submission/api/judge-files/{file_id}": "?entry={entry_id}&exp=4102444800&sig=forged",
    "/submission/api/screening/compare": "?a={entry_id}&b={entry_id}",
    "/submission/screening/compare": "?a={entry_id}&b={entry_id}",
}


def app_routes() -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    todo: list[Any] = list(build().routes)
    while todo:
        r = todo.pop()
        included = getattr(r, "original_router", None)  # FastAPI's included routers
        if included is not None:
            todo.extend(included.routes)
        elif isinstance(r, Route) and r.path.startswith("/submission"):
            out.update((m, r.path) for m in (r.methods or set()) if m != "HEAD")
    return out


def test_the_table_lists_every_route_of_the_service() -> None:
    assert app_routes() == set(API) | set(PAGES)


def body_for(method: str, path: str, who: str) -> dict[str, Any]:
    if path.endswith("/attachments"):
        return {"content": b"not a real file"}
    if (method in ("POST", "PUT") and path.endswith("/entries/{entry_id}")) or path.endswith("/entries"):
        # the owner gets a malformed body (422, nothing changes); others a valid one (to reach the owner check)
        return {"json": [] if who == "owner" or path.endswith("/entries") else initiative()}
    if method in ("POST", "PUT"):
        return {"json": {}}
    return {}


def test_every_route_refuses_the_wrong_role_and_the_wrong_owner(organiser: Api, gateway: str) -> None:
    contest = new_contest(organiser)
    owner, _ = new_participant(gateway)
    other, _ = new_participant(gateway)
    judge = new_judge(gateway, organiser, "Sở Tư pháp")
    entry = owner.post(f"/submission/api/contests/{contest['contest_id']}/entries", json=initiative()).json()
    assert owner.post(f"/submission/api/entries/{entry['entry_id']}/submit").status_code == 200
    ref = owner.post(f"/submission/api/entries/{entry['entry_id']}/attachments?filename=a.pdf", content=PDF).json()
    ids = {"contest_id": contest["contest_id"], "entry_id": entry["entry_id"], "file_id": ref["file_id"]}
    callers = dict(zip(WHO, (Api(gateway), owner, other, judge, organiser), strict=True))
    wrong = []
    for table, accept in ((API, "application/json"), (PAGES, "text/html")):
        for (method, path), expected in table.items():
            url = (path + QUERY.get(path, "")).format(**ids)
            for who, want in zip(WHO, expected, strict=True):
                if want is SKIP:
                    continue
                r = callers[who].request(method, url, headers={"Accept": accept}, follow_redirects=False,
                                         **body_for(method, path, who))
                if r.status_code != want:
                    wrong.append(f"{method} {path} as {who}: {r.status_code}, expected {want}")
                if want == 303:
                    assert r.headers["location"].startswith("/identity/signin")
    assert not wrong, "\n".join(wrong)
