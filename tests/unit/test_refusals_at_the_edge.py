"""The edge's one mapping of use-case refusals (``shared.errors``) to HTTP: status per kind,
message and field messages in the user's language, extra keys, Retry-After; an error page for
a browser. No stack: a Runtime's app in process, its store never asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from shared.app import Runtime
from shared.errors import STATUS, Busy, Conflict, Forbidden, Invalid, NotFound, Refused, Throttled, status_of
from shared.settings import ServiceSettings

AWARDS = Path(__file__).resolve().parents[2] / "services" / "awards"  # any service's templates and catalogue


@pytest.fixture
def client() -> TestClient:
    rt = Runtime(ServiceSettings(service_name="awards", mongo_url="mongodb://127.0.0.1:1/"), AWARDS)
    rt.prepared.set()
    r = APIRouter()
    cases: dict[str, Refused] = {
        "missing": NotFound("Không tìm thấy cuộc thi."),
        "closed": Conflict("Kết quả đã được công bố."),
        "fields": Invalid("Cơ cấu giải chưa hợp lệ.", {"tiers": "Kết quả đã được công bố."}),
        "declare": Forbidden("Không tìm thấy cuộc thi.", extra={"declaration_required": True}),
        "slow": Throttled("Kết quả đã được công bố.", retry_after=42),
        "busy": Busy("Kết quả đã được công bố."),
    }

    def route(case: str) -> None:
        async def raise_it() -> None:
            raise cases[case]
        r.add_api_route(f"/x/{case}", raise_it)

    for case in cases:
        route(case)
    return TestClient(rt.create_app(title="t", routers=[r]))


def test_every_kind_has_one_status() -> None:
    assert {k.__name__: status_of(k("")) for k in STATUS} == {
        "NotSignedIn": 401, "NotFound": 404, "Forbidden": 403, "Conflict": 409, "Gone": 410, "Invalid": 422,
        "TooLarge": 413, "Unsupported": 415, "Throttled": 429, "Busy": 503}
    assert status_of(Refused("")) == 400


def test_refusals_answer_their_status_with_translated_messages(client: TestClient) -> None:
    r = client.get("/x/missing", headers={"accept": "application/json"})
    assert r.status_code == 404 and r.json() == {"detail": "Không tìm thấy cuộc thi.", "errors": {}}
    r = client.get("/x/closed?lang=en", headers={"accept": "application/json"})
    assert r.status_code == 409 and r.json()["detail"] == "The result has already been announced."
    r = client.get("/x/fields?lang=en", headers={"accept": "application/json"})
    assert r.status_code == 422 and r.json()["errors"] == {"tiers": "The result has already been announced."}
    r = client.get("/x/declare", headers={"accept": "application/json"})
    assert r.status_code == 403 and r.json()["declaration_required"] is True


def test_try_again_later_says_when(client: TestClient) -> None:
    r = client.get("/x/slow", headers={"accept": "application/json"})
    assert r.status_code == 429 and r.headers["retry-after"] == "42"
    r = client.get("/x/busy", headers={"accept": "application/json"})
    assert r.status_code == 503 and int(r.headers["retry-after"]) > 0


def test_a_browser_gets_the_error_page_in_its_language(client: TestClient) -> None:
    r = client.get("/x/closed?lang=en", headers={"accept": "text/html"})
    assert r.status_code == 409 and "text/html" in r.headers["content-type"]
    assert "The result has already been announced." in r.text


def test_message_values_and_coded_rules_are_worded_in_the_readers_language() -> None:
    """A refusal's ``params`` fill its placeholders after translation; a value or a field
    message that is a ``Text`` (a domain code worded by the service) is translated too."""
    from services.judging.domain.assignment import AssignmentError, EntryRef, JudgeRef, assign_judges
    from services.judging.domain.rubric import Rubric
    from services.judging.messages import text
    from shared.coded import CodedError

    judging = AWARDS.parent / "judging"
    rt = Runtime(ServiceSettings(service_name="judging", mongo_url="mongodb://127.0.0.1:1/"), judging)
    rt.prepared.set()
    with pytest.raises(AssignmentError) as short:
        assign_judges([EntryRef("hs1", "A", "x")], [JudgeRef("a", "A")], 1, 0)
    with pytest.raises(CodedError) as bad:
        Rubric(1, ())
    r = APIRouter()

    async def conflict() -> None:
        raise Conflict("Không đủ giám khảo để phân công: {reason}", params={"reason": text(short.value)})

    async def invalid() -> None:
        raise Invalid("Dữ liệu không hợp lệ.", {"criteria": text(bad.value)})

    r.add_api_route("/x/conflict", conflict)
    r.add_api_route("/x/invalid", invalid)
    client = TestClient(rt.create_app(title="t", routers=[r]))
    json = {"accept": "application/json"}
    assert client.get("/x/conflict", headers=json).json()["detail"] == (
        "Không đủ giám khảo để phân công: Không đủ 1 giám khảo hợp lệ (khác đơn vị, không xung đột) cho 1 hồ sơ: hs1")
    assert client.get("/x/conflict?lang=en", headers=json).json()["detail"] == (
        "Not enough judges to assign: Fewer than 1 eligible judges (another unit, no conflict) for 1 entries: hs1")
    assert client.get("/x/invalid?lang=en", headers=json).json() == {
        "detail": "Invalid data.", "errors": {"criteria": "The rubric needs at least one criterion"}}
    assert client.get("/x/invalid", headers=json).json()["errors"] == {
        "criteria": "Thang điểm phải có ít nhất một tiêu chí"}
