"""The console's ``create-account --role coordinator``: a unit's coordinator is made like a judge
or an organiser, and never without the unit they answer for."""

from __future__ import annotations

from typing import Any

import pytest

from services.identity import cli

PASSWORD = "Ke-Hoach#Vung2026!"


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    async def create_account(settings: object, **kwargs: Any) -> int:
        calls.append(kwargs)
        return 0

    monkeypatch.setattr(cli, "create_account", create_account)
    return calls


def test_a_coordinator_is_made_with_the_unit(made: list[dict[str, Any]]) -> None:
    code = cli.main(["create-account", "--email", "daumoi@so-yte.example", "--full-name", "Trần Đầu Mối",
                     "--unit", "Sở Y tế", "--role", "coordinator", "--password", PASSWORD])
    assert code == 0
    (call,) = made
    assert call["roles"] == ["coordinator"] and call["unit"] == "Sở Y tế"
    assert call["email"] == "daumoi@so-yte.example" and call["categories"] == []


def test_a_coordinator_without_a_unit_is_refused(made: list[dict[str, Any]]) -> None:
    code = cli.main(["create-account", "--email", "daumoi@so-yte.example", "--full-name", "Trần Đầu Mối",
                     "--unit", "  ", "--role", "coordinator", "--password", PASSWORD])
    assert code == 2 and made == []


def test_an_unknown_role_is_refused_by_the_parser(made: list[dict[str, Any]]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["create-account", "--email", "x@y.example", "--full-name", "X", "--unit", "Sở Y tế",
                  "--role", "chairman", "--password", PASSWORD])
    assert made == []


def test_the_first_organiser_is_still_an_organiser(made: list[dict[str, Any]]) -> None:
    assert cli.main(["create-organiser", "--email", "btc@so-noivu.example", "--full-name", "Ban Tổ chức",
                     "--unit", "Sở Nội vụ", "--password", PASSWORD]) == 0
    assert made[0]["roles"] == ["organiser"]
