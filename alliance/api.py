"""What every API endpoint shares: access, pagination, throttling, parsing and JSON errors.

Every error of the API answers JSON: `{"detail": "..."}`, or for invalid input
`{"errors": {"field": ["message", ...]}, "detail": "..."}`.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from accounts.models import ApiKey
from alliance.proxies import client_ip
from commitments import services as workflow

if TYPE_CHECKING:
    from rest_framework.views import APIView


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class ApiAccess(BasePermission):
    """Reads are open (each queryset is scoped to what the client may see); writes need an account,
    and never a reading key. What a writing key may change is its owner's role's business: a
    reporting key is a contact's, a review key the secretariat's (see ApiKey.scopes_for)."""

    message = _("This API key reads only; writing needs a key with the reporting or review scope.")

    def has_permission(self, request: Request, view: "APIView") -> bool:
        if request.method in SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        return not (isinstance(request.auth, ApiKey) and request.auth.scope == ApiKey.Scope.READ)


class AnonymousThrottle(AnonRateThrottle):
    """Per client address, as our proxies vouch for it (a forged X-Forwarded-For changes nothing)."""

    scope = "anonymous"

    def get_ident(self, request: Request) -> str:
        return client_ip(request)


class KeyThrottle(SimpleRateThrottle):
    """Per API key (or per account for browser sessions)."""

    scope = "key"

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        if isinstance(request.auth, ApiKey):
            ident = f"key-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class SafeJSONParser(JSONParser):
    """JSON that is too deeply nested is a 400, not a crash of the parser."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError("JSON parse error - the document is nested too deeply.") from error


def _field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return detail
    return {"non_field_errors": detail if isinstance(detail, list) else [detail]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus the domain's errors: invalid data 400, workflow conflicts 409, stale
    versions 412, oversized bodies 413."""
    if isinstance(exc, workflow.EditConflict | workflow.StaleReview):
        return Response(
            {"detail": str(exc) or "The object changed since you read it; read it again."},
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
    if isinstance(exc, workflow.IncompleteSubmission):
        return Response(
            {"detail": str(exc), "missing_commitments": [c.pk for c in exc.missing]}, status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, workflow.WorkflowError):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({"detail": "Invalid input.", "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "The request body is too large."}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    from rest_framework.views import exception_handler as drf_exception_handler  # DRF's views import settings

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Invalid input.", "errors": _field_errors(exc.detail)}
    return response


class ApiRequestGuardMiddleware:
    """Refuse, with a JSON answer, API requests Django would otherwise answer with an HTML page:
    bodies over the size limit (413) and NUL characters in the path or query (400)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_path = request.META.get("PATH_INFO", "") + "?" + request.META.get("QUERY_STRING", "")
        if "\x00" in raw_path or "%00" in raw_path.lower():
            return JsonResponse({"detail": "NUL characters are not allowed in the address."}, status=400)
        if is_api(request):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse({"detail": "Invalid Content-Length."}, status=400)
            if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                return JsonResponse({"detail": "The request body is too large."}, status=413)
        return self.get_response(request)


# Django's own error views, answering JSON under /api/ and the HTML pages elsewhere.


def _json_or(default: Callable[..., HttpResponse], status_code: int, message: str) -> Callable[..., HttpResponse]:
    def view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        if is_api(request):
            return JsonResponse({"detail": message}, status=status_code)
        return default(request, exception) if exception is not None else default(request)

    return view


def _defaults() -> dict[str, Any]:
    from django.views import defaults

    return {
        "400": _json_or(defaults.bad_request, 400, "Bad request."),
        "403": _json_or(defaults.permission_denied, 403, "You do not have permission to do this."),
        "404": _json_or(defaults.page_not_found, 404, "Not found."),
        "500": _json_or(defaults.server_error, 500, "Server error."),
    }


ERROR_VIEWS = _defaults()


ERROR_RESPONSES = {
    "400": "Invalid input: `errors` names each field.",
    "401": "No valid credentials (send `Authorization: Token <key>`).",
    "403": "Not allowed for this client.",
    "404": "Not found, or not visible to this client.",
    "405": "Method not allowed.",
    "406": "The requested format is not available.",
    "409": "The workflow does not allow this now.",
    "412": "Stale `If-Match`: the object changed since it was read.",
    "413": "The request body is too large.",
    "415": "Unsupported media type (send JSON).",
    "428": "`If-Match` missing (or `*`): GET the object and send its `ETag` in `If-Match`.",
    "429": "Too many requests; see `Retry-After`.",
}
_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
        "missing_commitments": {"type": "array", "items": {"type": "integer"}},
    },
    "required": ["detail"],
}


def _takes_if_match(operation: dict[str, Any]) -> bool:
    return any(p.get("in") == "header" and p.get("name") == "If-Match" for p in operation.get("parameters", []))


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook: every operation documents the JSON errors the API answers (428 only
    where an `If-Match` header is asked for: the writes on an existing versioned object)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = dict(ERROR_RESPONSES)
            if not _takes_if_match(operation):
                del codes["428"]
            if method == "get":
                codes["304"] = "Not modified (`If-None-Match` matched)."
            for code, description in codes.items():
                if code == "304":
                    operation["responses"].setdefault(code, {"description": description})
                else:
                    operation["responses"].setdefault(
                        code, {"description": description, "content": {"application/json": {"schema": reference}}}
                    )
    return result
