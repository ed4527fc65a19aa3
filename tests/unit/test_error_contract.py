"""Every API operation documents its error answers with the body the edge really sends
(``shared.errors.ErrorBody``: detail + field errors), not FastAPI's own 422 shape."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.errors import ErrorBody, Invalid, status_of


@pytest.mark.parametrize("service", [
    "identity", "submission", "judging", "awards", "notifications", "adoption"])
def test_every_operation_declares_the_error_body_it_returns(service: str) -> None:
    client = TestClient(import_module(f"services.{service}.app").build())
    spec: dict[str, Any] = client.get(f"/{service}/api/openapi.json").json()
    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert operations
    for path, method, op in operations:
        for status in ("404", "409", "422", "503"):
            ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorBody"), (method, path, status, ref)
    schemas = spec["components"]["schemas"]
    assert {"detail", "errors"} <= set(schemas["ErrorBody"]["properties"]) and "HTTPValidationError" not in schemas


def test_the_declared_body_is_what_a_refusal_becomes() -> None:
    refusal = Invalid("Dữ liệu không hợp lệ.", {"title": "Vui lòng nhập tên sáng kiến."})
    body = ErrorBody(detail=refusal.message, errors=refusal.errors)
    assert status_of(refusal) == 422 and body.model_dump() == {"detail": refusal.message, "errors": refusal.errors}
