"""The OpenAPI schema of Idempotency-Key (idempotency.middleware): on every POST under /api/v1/, the
optional header, its 409 and 422 answers, and `Idempotent-Replayed` on the successful answers."""

from typing import Any

from alliance.api import PROBLEM_JSON

from .middleware import HEADER, PREFIX, REPLAYED, RETRYABLE

PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    # The middleware's KEY: printable ASCII, no space at either end, at most 255 characters.
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[!-~]([ -~]*[!-~])?$"},
    "description": "A key of yours, unique per operation you mean (e.g. a UUID), to retry this request safely: "
    f"a retry with the same key, from the same client, of the same request gets the first answer again, with "
    f"`{REPLAYED}: true`, and nothing is done twice. Keys are kept 24 hours (by default). Answers of server "
    f"errors and of refusals a retry may get past ({', '.join(map(str, sorted(RETRYABLE)))}) are not kept.",
}
IN_USE = "Or: the first request with this `Idempotency-Key` is still running; retry after `Retry-After` seconds."
REUSED = "This `Idempotency-Key` was sent before with another request (method, address or body)."
MALFORMED = "Or: a malformed `Idempotency-Key` (1 to 255 printable ASCII characters)."
RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
REPLAYED_HEADER = {
    "schema": {"type": "string", "enum": ["true"]},
    "description": "This answer is the stored answer to the first request with this `Idempotency-Key`.",
}


def _problem(response: dict[str, Any] | None, description: str) -> dict[str, Any]:
    """An error answer documented by document_http, with `description` added; or a new one."""
    if response is None:
        return {
            "description": description,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    if description not in response.get("description", ""):
        response["description"] = f"{response.get('description', '')} {description}".strip()
    return response


def _document_post(operation: dict[str, Any], known_headers: set[str]) -> None:
    parameters = operation.setdefault("parameters", [])
    if not any(p.get("in") == "header" and p.get("name") == HEADER for p in parameters):
        parameters.append(PARAMETER)
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses["400"] = _problem(responses.get("400"), MALFORMED)
    responses["409"] = _problem(responses.get("409"), IN_USE)
    responses["409"].setdefault("headers", {})["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
    responses["422"] = _problem(None, REUSED)
    # Counted by the rate limit like every answer (document_http's headers, where it ran first).
    responses["422"]["headers"] = {
        name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS if name in known_headers
    }
    for code, response in responses.items():
        if code.startswith("2"):
            response.setdefault("headers", {})[REPLAYED] = {"$ref": f"#/components/headers/{REPLAYED}"}


def document_idempotency(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook, registered after alliance.api.document_http (whose Problem schema and
    headers it uses): the Idempotency-Key header of every POST under /api/v1/, with its answers."""
    components = result.setdefault("components", {})
    components.setdefault("headers", {})[REPLAYED] = REPLAYED_HEADER
    components["headers"].setdefault(
        "Retry-After", {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}
    )
    for path, item in result.get("paths", {}).items():
        operation = item.get("post")
        if path.startswith(PREFIX) and isinstance(operation, dict):
            _document_post(operation, set(components["headers"]))
    return result
