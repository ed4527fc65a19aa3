"""Every service's API keeps its OpenAPI contract: Schemathesis runs all its checks (the
equivalent of ``--checks all``: status codes, content types, headers, response bodies against
the declared models, negative and positive data, auth, methods) on every operation, through
the gateway, as an anonymous client and signed in with the role the operation is for.

Reads (GET) of a positive case also run against a real contest, entry and judge, so success
bodies are checked against their models, not only the 404 body. Examples per operation are
bounded (``MAX_EXAMPLES``) so the five services take a few minutes. A check excluded for an
operation is listed in ``EXCLUDED`` with why; anything else that fails is a contract regression.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.schemas import BaseSchema

from tests.conftest import (
    ORGANISER_PASSWORD,
    PROFILE,
    Api,
    initiative,
    new_contest,
    new_judge,
    new_participant,
    sign_in,
    unique,
)
from tests.integration.test_adoption import PASSWORD as COORDINATOR_PASSWORD
from tests.integration.test_adoption import PDF, announced_winner

pytestmark = pytest.mark.integration
#: The client address the cases come from (nginx passes it on): the public API's rate limits
#: are per address, so this test does not use up the limits of the tests that run after it.
ADDRESS = f"127.{random.randint(10, 250)}.{random.randint(1, 250)}.{random.randint(1, 250)}"
MAX_EXAMPLES = 4
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))

#: Which signed-in role each operation is for ((method, path regex) -> role, first match wins);
#: every operation also runs anonymously.
ROLES: dict[str, list[tuple[str, str, str]]] = {
    "identity": [("*", r"/api/(units|accounts)", "organiser"), ("*", r"/api/(me|signout)$", "participant")],
    "submission": [("GET", r"/judge-files/", "judge"),
                   ("*", r"/(my/entries|contests/[^/]+/entries|entries/|attachments/)", "participant"),
                   ("*", r"", "organiser")],
    "judging": [("*", r"/reviews/[^/]+/(void|pin)$", "organiser"),
                ("*", r"/(queue|reminders|reviews/)", "judge"), ("*", r"", "organiser")],
    "awards": [("*", r"/(my/certificates|entries/)", "participant"), ("*", r"", "organiser")],
    "notifications": [("*", r"/preferences$", "participant"), ("*", r"", "organiser")],
    "adoption": [("*", r"/(my/assignments|assignments/)", "coordinator"), ("*", r"", "organiser")],
}


@dataclass(frozen=True)
class Exclusion:
    service: str
    method: str
    path: str  # regex over the operation's path
    check: str
    why: str


#: Checks that cannot be clean for an operation, each with the reason.
EXCLUDED: list[Exclusion] = [
    # nginx answers TRACE (and CONNECT) itself with a 405 that names no methods: the request never
    # reaches a service, so no service can add the ``Allow`` header the check asks of that answer.
    *(Exclusion(s, "*", r"", "unsupported_method", "nginx answers TRACE itself, without Allow")
      for s in ROLES),
    # Schema-valid but refused by a rule the schema cannot state (422 with the field and why):
    Exclusion("identity", "POST", r"/api/(signup|accounts)$", "positive_data_acceptance",
              "the password's strength and the e-mail's deliverability are rules, not schema"),
    Exclusion("identity", "POST", r"/api/(password-reset|email-verification)/confirm$", "positive_data_acceptance",
              "a token is good only if identity issued it, unused and unexpired (410 with link_state)"),
    Exclusion("identity", "PUT", r"/api/units$", "positive_data_acceptance",
              "unit codes and names must be unique within the directory"),
    Exclusion("submission", "*", r"/contests(/\{contest_id\})?$", "positive_data_acceptance",
              "closes_at must come after opens_at (and other cross-field rules of a contest)"),
    Exclusion("submission", "*", r"/(contests/\{contest_id\}/entries|entries/\{entry_id\})$",
              "positive_data_acceptance", "the initiative's fields are checked by the contest's form rules"),
    Exclusion("submission", "POST", r"/attachments$", "positive_data_acceptance",
              "a file's bytes must be of the type its name says"),
    Exclusion("awards", "POST", r"/(approve|announce)$", "positive_data_acceptance",
              "confirm must be true: an explicit confirmation, refused field by field when missing"),
    Exclusion("awards", "POST", r"/public/verify-result$", "positive_data_acceptance",
              "the body is an exported inputs file, refused when it is not one"),
]


class FromAddress(requests.adapters.HTTPAdapter):
    """Connections from ``ADDRESS`` (any 127.x.y.z is this machine)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, source_address=(ADDRESS, 0), **kwargs)


SESSION = requests.Session()
SESSION.mount("http://", FromAddress())


def role_for(service: str, method: str, path: str) -> str:
    for m, pattern, role in ROLES[service]:
        if m in ("*", method) and re.search(pattern, path):
            return role
    return "anonymous"


def excluded(service: str, method: str, path: str) -> list[Any]:
    load_all_checks()
    names = {x.check for x in EXCLUDED
             if x.service == service and x.method in ("*", method) and re.search(x.path, path)}
    return [c for c in CHECKS.get_all() if getattr(c, "__name__", "") in names]


@dataclass
class World:
    """Signed-in clients and real ids for reads to hit."""

    tokens: dict[str, str]
    fresh: Callable[[str], str]
    ids: dict[str, str]


@pytest.fixture(scope="module")
def world(gateway: str, organiser_email: str) -> Iterator[World]:
    organiser = sign_in(gateway, organiser_email, ORGANISER_PASSWORD)
    participant, email = new_participant(gateway)
    judge = new_judge(gateway, organiser, "Sở Y tế")
    contest = new_contest(organiser)
    r = participant.post(f"/submission/api/contests/{contest['contest_id']}/entries", json=initiative(),
                         params={"submit": "true"})
    assert r.status_code == 201, r.text
    me = participant.get("/identity/api/me").json()
    mail_id = ""
    for _ in range(60):  # the participant's welcome or verification mail, planned from identity's event
        mails = organiser.get("/notifications/api/outbox").json()
        if mails:
            mail_id = mails[0]["id"]
            break
        time.sleep(0.5)
    assert mail_id, "notifications planned no mail"
    plan_id, file_id, unit_contact = adoption_world(gateway, organiser)

    def token(api: Api) -> str:
        return str(api.http.headers["Authorization"]).removeprefix("Bearer ")

    def fresh(role: str) -> str:
        """A session of its own (a fuzzed sign-out revokes the token it is sent with)."""
        login = {"participant": email, "organiser": organiser_email, "judge": judge.email,
                 "coordinator": unit_contact}[role]
        password = {"participant": "TacGia#Test2026", "organiser": ORGANISER_PASSWORD,
                    "judge": "GiamKhao#Test2026", "coordinator": COORDINATOR_PASSWORD}[role]
        return str(httpx.post(f"{gateway}/identity/api/token", json={"email": login, "password": password},
                              timeout=30).json()["access_token"])

    yield World(tokens={"organiser": token(organiser), "participant": token(participant), "judge": token(judge),
                        "coordinator": fresh("coordinator")},
                fresh=fresh, ids={"contest_id": contest["contest_id"], "entry_id": r.json()["entry_id"],
                                  "account_id": me["account_id"], "judge_id": judge.account_id, "round_no": "1",
                                  "mail_id": mail_id, "plan_id": plan_id, "file_id": file_id})
    for api in (organiser, participant, judge):
        api.http.close()


def adoption_world(gateway: str, organiser: Api) -> tuple[str, str, str]:
    """A published plan of an announced winner, accepted by its unit's coordinator with an evidence
    file: the plan id, the file id and the coordinator's e-mail."""
    initiative_id = announced_winner()
    for _ in range(120):  # adoption learns the winner over Kafka
        if any(i["_id"] == initiative_id for i in organiser.get("/adoption/api/initiatives").json()):
            break
        time.sleep(0.5)
    unit, email = unique("Sở Kế hoạch "), f"{unique('daumoi-')}@test.example"
    r = organiser.post("/identity/api/accounts", json={"email": email, "password": COORDINATOR_PASSWORD,
                                                       "full_name": "Đầu mối", "unit": unit, "roles": ["coordinator"]})
    assert r.status_code == 201, r.text
    r = organiser.post("/adoption/api/plans", json={
        "initiative_id": initiative_id, "units": [unit], "lead_unit": "Sở Nội vụ", "due": "2099-01-01",
        "indicators": [{"key": "days", "name": "Thời gian xử lý", "value_type": "days", "baseline": 10}]})
    assert r.status_code == 201, r.text
    plan_id = r.json()["_id"]
    assert organiser.post(f"/adoption/api/plans/{plan_id}/publish").status_code == 200
    contact = sign_in(gateway, email, COORDINATOR_PASSWORD)
    (mine,) = contact.get("/adoption/api/my/assignments").json()
    assert contact.post(f"/adoption/api/assignments/{mine['_id']}/answer", json={"accept": True}).status_code == 200
    r = contact.post(f"/adoption/api/assignments/{mine['_id']}/evidence", params={"filename": "minh-chung.pdf"},
                     content=PDF, headers={"content-type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    contact.http.close()
    return plan_id, r.json()["id"], email


def schema_of(service: str) -> BaseSchema:
    """The service's OpenAPI document as the gateway serves it (loaded at collection: Schemathesis's
    lazy fixture loader does not work with this pytest). Without a running stack the document is
    built in process, only so collection works: the tests are then skipped (``tests/conftest.py``)."""
    try:
        schema = schemathesis.openapi.from_url(f"{PROFILE.gateway}/{service}/api/openapi.json", timeout=10)
    except Exception:
        app = import_module(f"services.{service}.app").build()
        schema = schemathesis.openapi.from_dict(app.openapi())
    schema.config.update(base_url=PROFILE.gateway)
    schema.config.checks.update(included_check_names=["all"])
    return schema


def check(service: str, case: Case, world: World) -> None:
    """The case as anonymous and as its role; a positive read also on real ids."""
    method, path = case.operation.method.upper(), case.operation.path
    skip = excluded(service, method, path)
    role = role_for(service, method, path)
    as_whom = ["anonymous"] + ([role] if role != "anonymous" else [])
    for who in as_whom:
        token = "" if who == "anonymous" else (
            world.fresh(who) if path.endswith("/signout") else world.tokens[who])
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        case.call_and_validate(session=SESSION, headers=headers, excluded_checks=skip)
        positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
        known = {k: world.ids[k] for k in (case.path_parameters or {}) if k in world.ids}
        if method == "GET" and positive and known and who != "anonymous":
            real = case.operation.Case(path_parameters={**(case.path_parameters or {}), **known},
                                       query=case.query, headers=case.headers)
            real.call_and_validate(session=SESSION, headers=headers, excluded_checks=skip)


@schemathesis.pytest.parametrize(**{s: schema_of(s) for s in ROLES})
@SETTINGS
def test_every_operation_keeps_its_contract(case: Case, world: World) -> None:
    check(case.operation.path.split("/")[1], case, world)


def test_the_exclusions_name_real_checks() -> None:
    """An exclusion naming no check would silently exclude nothing (or hide a typo)."""
    load_all_checks()
    assert {x.check for x in EXCLUDED} <= set(CHECKS.get_all_names())


def test_a_method_a_path_lacks_is_refused_with_allow(gateway: str) -> None:
    """What ``unsupported_method`` checks, for the methods that reach a service (nginx keeps TRACE)."""
    r = httpx.delete(f"{gateway}/submission/api/contests", timeout=30)  # 405 before any rate limit
    assert r.status_code == 405 and set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert r.json() == {"detail": "Thao tác này không được hỗ trợ.", "errors": {}}
