"""Schemathesis against every service's OpenAPI, through the gateway, as each kind of user: no
request it can make (bounded: a few examples per operation, coverage and fuzzing phases) may
answer a 5xx. Contract mismatches (what ``--checks all`` adds: undeclared statuses, bodies that
differ from the schema) are not gated here: typing every operation is the architecture issue's.

In ``tests/resilience`` so it runs after the other integration tests: it signs up accounts,
fails sign-ins and uses up the public API's rate limit of this client address."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import PROFILE, new_judge, new_participant, sign_in

pytestmark = pytest.mark.integration
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))


def _fresh_token(gateway: str, role: str, organiser_email: str) -> str:
    if role == "participant":
        api, _ = new_participant(gateway)
    elif role == "judge":
        api = new_judge(gateway, sign_in(gateway, organiser_email, "Organiser#Test2026"), "Sở Y tế")
    elif role == "organiser":
        api = sign_in(gateway, organiser_email, "Organiser#Test2026")
    else:
        return ""
    return str(api.http.headers["Authorization"]).removeprefix("Bearer ")


@pytest.mark.parametrize("role", ["organiser", "participant", "judge", "anonymous"])
@pytest.mark.parametrize("service", ["submission", "judging", "awards", "identity"])
def test_no_request_makes_a_service_answer_5xx(gateway: str, organiser_email: str, service: str, role: str) -> None:
    token = _fresh_token(gateway, role, organiser_email)  # its own: a fuzzed sign-out revokes it
    args = [SCHEMATHESIS, "run", f"{gateway}/{service}/api/openapi.json", "--url", gateway,
            "--checks", "not_a_server_error", "--max-examples", "4", "--seed", "2026",
            "--phases", "coverage,fuzzing", "--request-timeout", "30", "--no-color"]
    if token:
        args += ["-H", f"Authorization: Bearer {token}"]
    run = subprocess.run(args, capture_output=True, text=True, timeout=600)
    tail = "\n".join(run.stdout.splitlines()[-60:])
    assert run.returncode == 0, f"schemathesis found server errors on {service} as {role}:\n{tail}"
    assert " passed" in tail and "generated" in tail, tail
    assert httpx.get(f"{PROFILE.gateway}/healthz").status_code == 200
