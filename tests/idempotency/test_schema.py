"""The schema documents Idempotency-Key on every POST under /api/v1/ (idempotency.schema's hook)."""

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from idempotency.schema import document_idempotency

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        generated = SchemaGenerator().get_schema(request=None, public=True)
    return document_idempotency(generated, None, None, True)


def operations(schema: dict[str, Any], method: str) -> list[tuple[str, dict[str, Any]]]:
    return [(path, item[method]) for path, item in schema["paths"].items() if method in item]


def test_every_post_takes_the_optional_header_and_documents_409_and_422(schema: dict[str, Any]) -> None:
    posts = operations(schema, "post")
    assert {path for path, _ in posts} >= {"/api/v1/submissions/", "/api/v1/reports/"}
    for path, operation in posts:
        headers = [p for p in operation["parameters"] if p["in"] == "header" and p["name"] == "Idempotency-Key"]
        assert len(headers) == 1, path
        assert headers[0]["required"] is False
        assert headers[0]["schema"]["maxLength"] == 255
        for code in ("409", "422"):
            content = operation["responses"][code]["content"]
            assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}, path
        assert "Idempotency-Key" in operation["responses"]["422"]["description"]
        successes = [code for code in operation["responses"] if code.startswith("2")]
        assert successes, path
        for code in successes:
            assert "Idempotent-Replayed" in operation["responses"][code]["headers"], (path, code)
    assert "Idempotent-Replayed" in schema["components"]["headers"]


def test_reads_are_left_alone(schema: dict[str, Any]) -> None:
    for path, operation in operations(schema, "get"):
        assert "422" not in operation["responses"], path
        assert all(p["name"] != "Idempotency-Key" for p in operation.get("parameters", [])), path


def test_the_hook_runs_once_or_twice_alike(schema: dict[str, Any]) -> None:
    again = document_idempotency(schema, None, None, True)
    operation = again["paths"]["/api/v1/submissions/"]["post"]
    assert [p["name"] for p in operation["parameters"]].count("Idempotency-Key") == 1
