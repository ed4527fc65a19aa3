"""The compose stack cannot run here, so its file is checked against the code: every service is
defined, every variable a service must be deployed with is set (and no unknown ones), and the
ports and routes agree with the nginx files the local runner uses too."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.adoption.settings import AdoptionSettings
from services.awards.settings import AwardsSettings
from services.identity.settings import IdentitySettings
from services.judging.settings import JudgingSettings
from services.notifications.settings import NotificationsSettings
from services.submission.settings import SubmissionSettings
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS: dict[str, type[ServiceSettings]] = {
    "identity": IdentitySettings, "submission": SubmissionSettings, "judging": JudgingSettings,
    "awards": AwardsSettings, "notifications": NotificationsSettings, "adoption": AdoptionSettings,
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def prefix(cls: type[ServiceSettings]) -> str:
    return str(cls.model_config.get("env_prefix", ""))


def test_every_service_and_the_infrastructure_is_defined(compose: dict[str, Any]) -> None:
    assert {"kafka", "mongo", "topics", "gateway", *SETTINGS} <= set(compose["services"])
    assert compose["services"]["kafka"]["image"].startswith("apache/kafka:4")
    assert compose["services"]["mongo"]["image"].startswith("mongo:")
    assert "--replSet" in compose["services"]["mongo"]["command"]


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_every_deployment_variable_is_set_and_none_is_unknown(compose: dict[str, Any], service: str) -> None:
    cls = SETTINGS[service]
    env: dict[str, str] = compose["services"][service]["environment"]
    needed = {prefix(cls) + f.upper() for f in cls.deployment_fields}
    assert needed <= set(env), f"{service} is missing {sorted(needed - set(env))}"
    known = {prefix(cls) + f.upper() for f in cls.model_fields}
    assert set(env) <= known, f"{service} sets variables it never reads: {sorted(set(env) - known)}"
    assert env[f"{prefix(cls)}ENVIRONMENT"] == "production"
    assert env[f"{prefix(cls)}KAFKA_GROUP"] == service, "each service has its own consumer group"
    assert env[f"{prefix(cls)}MONGO_DB"] == f"contest_{service}", "each service has its own database"
    assert compose["services"][service]["command"] == [f"contest-{service}"]


def test_the_databases_are_distinct(compose: dict[str, Any]) -> None:
    dbs = [compose["services"][s]["environment"][f"{prefix(c)}MONGO_DB"] for s, c in SETTINGS.items()]
    assert len(set(dbs)) == len(dbs)


def test_console_scripts_exist_for_each_service() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    for service in SETTINGS:
        assert f'contest-{service} = "services.{service}.main:run"' in text


def test_nginx_upstreams_match_the_compose_services_and_ports(compose: dict[str, Any]) -> None:
    conf = (ROOT / "deploy" / "nginx" / "compose.conf").read_text()
    upstreams = dict(re.findall(r"upstream (\w+) \{ server ([\w.:-]+);", conf))
    assert set(upstreams) == set(SETTINGS)
    for service, target in upstreams.items():
        host, port = target.split(":")
        assert host == service and host in compose["services"]
        assert compose["services"][service]["environment"][f"{prefix(SETTINGS[service])}HTTP_PORT"] == port
    mounts = compose["services"]["gateway"]["volumes"]
    assert "./deploy/nginx/routes.conf:/etc/nginx/routes.conf:ro" in mounts
    assert "include /etc/nginx/routes.conf;" in conf


def test_routes_cover_every_service_prefix() -> None:
    routes = (ROOT / "deploy" / "nginx" / "routes.conf").read_text()
    for service in SETTINGS:
        assert re.search(rf"location /{service}/ \{{[^}}]*proxy_pass http://{service};", routes), service
    assert "location = / " in routes


def test_jwks_url_points_at_identity_everywhere(compose: dict[str, Any]) -> None:
    for service, cls in SETTINGS.items():
        url = compose["services"][service]["environment"][f"{prefix(cls)}JWKS_URL"]
        assert url == "http://identity:8000/identity/.well-known/jwks.json"


def test_the_dockerfile_builds_the_packages_the_services_run_from() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    for part in ("COPY shared", "COPY services", "pip install .", "fonts-noto-core"):
        assert part in dockerfile


def test_the_demo_s_initiatives_name_no_author_and_no_unit_in_what_judges_read() -> None:
    from deploy.local.seed_data import INITIATIVES, JUDGES, PARTICIPANTS, UNITS, sections

    names = {p[0] for p in PARTICIPANTS} | {j[0] for j in JUDGES} | set(UNITS) | {p[1] for p in PARTICIPANTS}
    for _cat, title, problem, solution, benefit in INITIATIVES:
        text = " ".join([title, *sections(problem, solution, benefit).values()])
        assert not [n for n in names if n in text], title
