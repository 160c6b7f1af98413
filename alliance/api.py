"""What every API endpoint shares: access, pagination, filtering, throttling, parsing, errors, and
the HTTP rules of the API's addresses (redirects, conditional requests).

Every error of the API is a problem details object (RFC 9457), sent as `application/problem+json`:
`{"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "...", ...}`. Invalid
input also names each field in `errors` (`{"field": ["message", ...]}`), and an incomplete
submission lists its `missing_commitments`.

The rules of the query string hold for every list, by construction (`query_value`, `FilterBackend`,
`OrderingFilter`, `SearchFilter`, `Pagination`): a parameter the list knows, given empty, is a 400
naming it; one that takes a single value, given twice, is a 400 naming it; a filter that takes a
list takes its values repeated or comma-separated (`member=FR,DE` is `member=FR&member=DE`).
"""

import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast

import django_filters
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware import common, http
from django.urls import reverse
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import escape_leading_slashes, parse_http_date_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from redis.commands.core import Script
from rest_framework import exceptions, filters, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle
from rest_framework.utils.urls import remove_query_param, replace_query_param

from accounts.models import ApiKey
from alliance.cache import UNREACHABLE, FailSoftRedisCache
from alliance.proxies import client_ip
from commitments import services as workflow

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from rest_framework.views import APIView

PROBLEM_JSON = "application/problem+json"
READS = ("GET", "HEAD")


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


# --- Errors: problem details -------------------------------------------------------------------


def problem(code: int, detail: Any, **extra: Any) -> dict[str, Any]:
    """The body of an error (RFC 9457). Its `type` is about:blank: the status says what kind of
    problem it is, `title` names the status and `detail` says what happened to this request."""
    return {"type": "about:blank", "title": HTTPStatus(code).phrase, "status": code, "detail": str(detail), **extra}


def problem_response(code: int, detail: Any, **extra: Any) -> JsonResponse:
    """An error answered outside DRF's views (Django's error views, the middleware below)."""
    return JsonResponse(problem(code, detail, **extra), status=code, content_type=PROBLEM_JSON)


def _field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return detail
    return {"non_field_errors": detail if isinstance(detail, list) else [detail]}


def _error_response(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus the domain's errors: invalid data 400, workflow conflicts 409, stale
    versions 412, oversized bodies 413."""
    if isinstance(exc, workflow.EditConflict | workflow.StaleReview):
        return Response(
            {"detail": str(exc) or gettext("The object changed since you read it; read it again.")},
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
        return Response({"detail": gettext("Invalid input."), "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": gettext("The request body is too large.")}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )
    from rest_framework.views import exception_handler as drf_exception_handler  # DRF's views import settings

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": gettext("Invalid input."), "errors": _field_errors(exc.detail)}
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error a view raises, as problem details (its headers, e.g. Retry-After, kept)."""
    response = _error_response(exc, context)
    if response is not None:
        data = dict(response.data) if isinstance(response.data, dict) else {"detail": response.data}
        detail = data.pop("detail", HTTPStatus(response.status_code).phrase)
        response.data = problem(response.status_code, detail, **data)
        response.content_type = PROBLEM_JSON
    return response


# --- Access --------------------------------------------------------------------------------------


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


def location(request: Request, view_name: str, **kwargs: Any) -> dict[str, str]:
    """The Location header of a created (or accepted) object: its absolute URL, as a plain `str`. A
    WSGI server refuses any other type of header value (a DRF Hyperlink is a str subclass), and
    answers 500 instead."""
    return {"Location": str(request.build_absolute_uri(reverse(view_name, kwargs=kwargs)))}


# --- The query string --------------------------------------------------------------------------

DIGITS = re.compile(r"[0-9]+")


def query_value(request: Request, name: str) -> str | None:
    """A query parameter that takes one value: None when it is not given; a 400 naming it when it is
    given empty or more than once (never silently the last one)."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise exceptions.ValidationError({name: [gettext("Give this parameter once.")]})
    if not values[0].strip():
        raise exceptions.ValidationError(
            {name: [gettext("This parameter is empty: give a value, or leave the parameter out.")]}
        )
    return str(values[0])


def check_filter_values(request: Request, filterset: type[django_filters.FilterSet]) -> None:
    """Every filter of a list, given empty, is a 400 naming it (on the pages an empty choice means
    "any", so this is the API's rule, not the FilterSet's). A filter that takes a list
    (commitments.filtersets.ListSelect) takes its values repeated or comma-separated, none of them
    empty; any other filter takes one value."""
    errors: dict[str, list[str]] = {}
    for name, declared in filterset.base_filters.items():
        values = request.query_params.getlist(name)
        if not values:
            continue
        if isinstance(declared, django_filters.MultipleChoiceFilter):
            if any(not part.strip() for value in values for part in value.split(",")):
                errors[name] = [gettext("A value of this list is empty: give its values separated by commas.")]
        elif len(values) > 1:
            errors[name] = [gettext("Give this filter once: it takes one value.")]
        elif not values[0].strip():
            errors[name] = [gettext("This filter is empty: give a value, or leave the filter out.")]
    if errors:
        raise exceptions.ValidationError(errors)


class FilterBackend(DjangoFilterBackend):
    """django-filter's, with the API's rules of the query string (check_filter_values); an invalid
    value is a 400 naming the filter (django-filter's own rule)."""

    def filter_queryset(self, request: HttpRequest, queryset: "QuerySet[Any]", view: "APIView") -> "QuerySet[Any]":
        filterset = self.get_filterset_class(view, queryset)
        if filterset is not None:
            assert isinstance(request, Request)
            check_filter_values(request, filterset)
        return super().filter_queryset(request, queryset, view)


class OrderingFilter(filters.OrderingFilter):
    """DRF's, except that a field the list cannot be ordered by is a 400 naming `ordering` (DRF
    ignores it, and the client gets an order it did not ask for). Repeated, it is one list."""

    ordering_description = "Fields to order by, separated by commas, `-` before one for descending; another is a 400."

    def get_ordering(self, request: Request, queryset: "QuerySet[Any]", view: "APIView") -> Any:
        values = request.query_params.getlist(self.ordering_param)
        if not values:
            return self.get_default_ordering(view)
        fields = [part.strip() for value in values for part in value.split(",")]
        if not all(fields):
            raise exceptions.ValidationError(
                {self.ordering_param: [gettext("A field of the ordering is empty: give fields separated by commas.")]}
            )
        valid = [name for name, _label in self.get_valid_fields(queryset, view, {"request": request})]
        unknown = [field for field in fields if field.removeprefix("-") not in valid]
        if unknown:
            message = gettext("Cannot order by %(unknown)s: order by %(valid)s, with - before for descending.") % {
                "unknown": ", ".join(unknown),
                "valid": ", ".join(valid),
            }
            raise exceptions.ValidationError({self.ordering_param: [message]})
        return fields

    def get_schema_operation_parameters(self, view: "APIView") -> list[dict[str, Any]]:
        # The fields it takes, as a pattern: a generated client or fuzzer sends only what is accepted.
        fields = getattr(view, "ordering_fields", None)
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        if isinstance(fields, (list, tuple)):
            field = "-?(" + "|".join(re.escape(name) for name in fields) + ")"
            for parameter in parameters:
                parameter["schema"] = {"type": "string", "pattern": f"^{field}(,{field})*$"}
        return parameters


# Text with something other than spaces in it (an empty parameter is a 400: query_value). Spaces as
# Python's str.strip() sees them, which DRF trims: the information separators (U+001C to U+001F) and
# U+0085 too, which a regex engine's \s may not count.
NOT_BLANK = r"^[\s\S]*[^\s\x1c-\x1f\x85][\s\S]*$"


class SearchFilter(filters.SearchFilter):
    """DRF's, with the rules of the query string: an empty or repeated `search` is a 400."""

    def get_schema_operation_parameters(self, view: "APIView") -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {"type": "string", "pattern": NOT_BLANK}
        return parameters

    def get_search_terms(self, request: Request) -> list[str]:
        query_value(request, self.search_param)
        return list(super().get_search_terms(request))


class Pagination(PageNumberPagination):
    """Pages of 50 (`page_size` up to 500; more is answered with 500), with RFC 8288 `Link`
    headers (next, prev, first, last) beside `next` and `previous` in the body. A `page_size` or
    `page` that is not a whole number from 1 is a 400 naming it; a page past the last is a 404."""

    page_size_query_param = "page_size"
    max_page_size = 500
    page_query_description = "A page number from 1, or `last`; past the last page: 404."
    page_size_query_description = "Results per page, from 1 (50 by default; more than 500 is answered with 500)."

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        # What the page parameters take, stated in the schema that clients and fuzzers generate from.
        schemas = {
            self.page_query_param: {
                "oneOf": [
                    {"type": "integer", "minimum": 1},
                    {"type": "string", "enum": sorted(self.last_page_strings)},
                ]
            },
            self.page_size_query_param: {"type": "integer", "minimum": 1},
        }
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        return [
            {**parameter, "schema": schemas.get(parameter["name"], parameter["schema"])} for parameter in parameters
        ]

    def get_page_size(self, request: Request) -> int:
        raw = query_value(request, self.page_size_query_param)
        if raw is None:
            return int(self.page_size or 50)
        if not DIGITS.fullmatch(raw) or int(raw) == 0:
            message = gettext("Give a whole number from 1 (larger than %(max)d is answered with %(max)d).") % {
                "max": self.max_page_size
            }
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return min(int(raw), self.max_page_size)

    def check_query(self, request: Request) -> None:
        """A 400 naming `page` or `page_size` when either is given and is not what it takes: also
        where an answer is not paged (a CSV table), so that a mistake never passes unnoticed."""
        self.get_page_size(request)
        raw = query_value(request, self.page_query_param)
        if raw is not None and raw not in self.last_page_strings and not (DIGITS.fullmatch(raw) and int(raw) > 0):
            raise exceptions.ValidationError(
                {self.page_query_param: [gettext("Give a page number: a whole number from 1, or last.")]}
            )

    def paginate_queryset(self, queryset: Any, request: Request, view: "APIView | None" = None) -> Any:
        self.check_query(request)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response["Link"] = self.link_header()
        return response

    def link_header(self) -> str:
        assert self.request is not None
        assert self.page is not None
        url = self.request.build_absolute_uri()
        first = remove_query_param(url, self.page_query_param)
        pages = self.page.paginator.num_pages
        links = {
            "next": self.get_next_link(),
            "prev": self.get_previous_link(),
            "first": first,
            "last": replace_query_param(url, self.page_query_param, pages) if pages > 1 else first,
        }
        return ", ".join(f'<{target}>; rel="{rel}"' for rel, target in links.items() if target)


# --- Throttling ----------------------------------------------------------------------------------

RATE_LIMIT = "_api_rate_limit"


@dataclass(frozen=True)
class RateLimit:
    """What a throttle counted for a request: its limit per window, the requests left in the
    window, and the seconds until the earliest request counted leaves the window (the window
    slides: each request counts for its own minute)."""

    limit: int
    remaining: int
    reset: int


# The sliding window of a throttle in one round trip to Redis, instead of DRF's read and write of a
# pickled list of times: drop the requests that left the window, count the rest, count this one if
# there is room, and answer how many are counted and when the earliest was (a string: Lua turns
# numbers into integers).
SLIDING_WINDOW = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil(window * 1000))
  count = count + 1
  allowed = 1
end
local earliest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
return {allowed, count, earliest or ''}
"""


def _sliding_window(backend: FailSoftRedisCache) -> Script:
    """The script, registered once per cache client (redis-py hashes it on registration)."""
    client = backend.client
    script: Script | None = getattr(client, "_sliding_window", None)
    if script is None:
        script = client.get_client(write=True).register_script(SLIDING_WINDOW)
        client._sliding_window = script  # type: ignore[attr-defined]
    return script


class CountedThrottle(SimpleRateThrottle):
    """DRF's sliding window, counted in Redis by one script call per request (in the cache's
    memory when there is no Redis). Notes on the request what it counted, for the RateLimit-*
    headers (the IETF draft "RateLimit header fields for HTTP") that ApiRequestGuardMiddleware adds
    to the answer. While Redis is unreachable nothing is counted and every request goes through
    (alliance/cache.py says why)."""

    # Not DRF's name: its entries there are pickled lists, these are sorted sets.
    cache_format = "throttle:%(scope)s:%(ident)s"
    num_requests: int  # set by DRF from the rate (the stubs do not declare them)
    duration: int
    _wait: float | None = None

    def allow_request(self, request: Request, view: "APIView") -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        backend = caches["default"]  # DRF's `cache` is a proxy to it
        if isinstance(backend, FailSoftRedisCache):
            allowed, count, earliest = self._count_in_redis(backend, self.key)
        else:
            allowed, count, earliest = self._count_in_cache(backend, self.key)
        limit, duration = int(self.num_requests or 0), int(self.duration or 0)
        reset = duration - (self.now - earliest) if earliest is not None else duration
        self._wait = None if allowed else max(reset, 0.0)
        counted = RateLimit(limit, max(limit - count, 0), max(math.ceil(reset), 0))
        earlier = getattr(request._request, RATE_LIMIT, None)
        if earlier is None or counted.remaining < earlier.remaining:
            setattr(request._request, RATE_LIMIT, counted)
        return allowed

    def _count_in_redis(self, cache: FailSoftRedisCache, key: str) -> tuple[bool, int, float | None]:
        if not cache.client.reachable():
            return True, 1, self.now
        member = f"{self.now!r}:{secrets.token_hex(4)}"  # two requests in the same microsecond count twice
        args: list[str | int] = [repr(self.now), self.duration, self.num_requests, member]
        try:
            allowed, count, earliest = _sliding_window(cache)(keys=[cache.make_and_validate_key(key)], args=args)
        except UNREACHABLE as error:
            cache.client._failed(error)
            return True, 1, self.now
        return bool(allowed), int(count), float(earliest) if earliest else None

    def _count_in_cache(self, backend: BaseCache, key: str) -> tuple[bool, int, float | None]:
        # DRF's own list of times, newest first, for a cache without Redis (one process's memory).
        history: list[float] = [t for t in backend.get(key, []) if t > self.now - (self.duration or 0)]
        allowed = len(history) < (self.num_requests or 0)
        if allowed:
            history.insert(0, self.now)
            backend.set(key, history, self.duration)
        self.history = history
        return allowed, len(history), history[-1] if history else None

    def wait(self) -> float | None:
        return self._wait


class AnonymousThrottle(CountedThrottle, AnonRateThrottle):
    """Per client address, as our proxies vouch for it (a forged X-Forwarded-For changes nothing)."""

    scope = "anonymous"

    def get_ident(self, request: Request) -> str:
        return client_ip(request)


class KeyThrottle(CountedThrottle):
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


# --- Parsing -------------------------------------------------------------------------------------


class SafeJSONParser(JSONParser):
    """JSON that is too deeply nested is a 400, not a crash of the parser."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError("JSON parse error - the document is nested too deeply.") from error


# --- Middleware ----------------------------------------------------------------------------------


class ApiRequestGuardMiddleware:
    """Refuse, with problem details, API requests Django would otherwise answer with an HTML page:
    bodies over the size limit (413) and NUL characters in the path or query (400). Add to each
    answer that went through a throttle its RateLimit-* headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        raw_path = request.META.get("PATH_INFO", "") + "?" + request.META.get("QUERY_STRING", "")
        if "\x00" in raw_path or "%00" in raw_path.lower():
            return problem_response(400, gettext("NUL characters are not allowed in the address."))
        if is_api(request):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return problem_response(400, gettext("Invalid Content-Length."))
            if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                return problem_response(413, gettext("The request body is too large."))
        response = self.get_response(request)
        counted = getattr(request, RATE_LIMIT, None)
        if isinstance(counted, RateLimit):
            response["RateLimit-Limit"] = str(counted.limit)
            response["RateLimit-Remaining"] = str(counted.remaining)
            response["RateLimit-Reset"] = str(counted.reset)
        return response


class CommonMiddleware(common.CommonMiddleware):
    """Django's, except for an API address missing its final slash: GET and HEAD are redirected
    with 301, any other method with 308, which keeps the method and the body (clients repeat a
    request redirected with 301 as a GET: a write would be lost), to the absolute address. The
    pages keep Django's redirects."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if is_api(request) and response.status_code == 404 and self.should_redirect_with_slash(request):
            path = escape_leading_slashes(request.get_full_path(force_append_slash=True))
            return HttpResponsePermanentRedirect(
                request.build_absolute_uri(path), preserve_request=request.method not in READS
            )
        return super().process_response(request, response)


class ConditionalGetMiddleware(http.ConditionalGetMiddleware):
    """Django's, for HEAD as well as GET: a HEAD answer is its GET answer without the body (the
    body is still rendered here; the server leaves it out), so it carries the same ETag and is
    answered 304 alike. If-Match compares strongly (a weak tag never matches), and a failed
    condition under /api/ is answered with problem details."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if request.method not in READS:
            return response
        if self.needs_etag(response) and not response.has_header("ETag"):
            set_response_etag(response)
        etag = response.get("ETag")
        modified = response.get("Last-Modified")
        last_modified = parse_http_date_safe(modified) if modified else None
        if not (etag or last_modified):
            return response
        answer = get_conditional_response(
            request, etag=etag, last_modified=last_modified, response=cast("HttpResponse", response)
        )
        if answer is not None and answer.status_code == 412 and is_api(request):
            return problem_response(412, gettext("If-Match names no current version of this resource."))
        return answer or response


# Django's own error views, answering problem details under /api/ and the HTML pages elsewhere.


def _problem_or(default: Callable[..., HttpResponse], status_code: int, message: str) -> Callable[..., HttpResponse]:
    def view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        if is_api(request):
            return problem_response(status_code, gettext(message))
        return default(request, exception) if exception is not None else default(request)

    return view


def _defaults() -> dict[str, Any]:
    from django.views import defaults

    return {
        "400": _problem_or(defaults.bad_request, 400, "Bad request."),
        "403": _problem_or(defaults.permission_denied, 403, "You do not have permission to do this."),
        "404": _problem_or(defaults.page_not_found, 404, "Not found."),
        "500": _problem_or(defaults.server_error, 500, "Server error."),
    }


ERROR_VIEWS = _defaults()


# --- The OpenAPI schema --------------------------------------------------------------------------

ERROR_RESPONSES = {
    "400": "Invalid input: `errors` names each field (or query parameter).",
    "401": "No valid credentials (send `Authorization: Token <key>` or `Bearer <key>`), or an `Authorization` "
    "header that is not a valid key.",
    "403": "Not allowed for this client.",
    "404": "Not found, or not visible to this client.",
    "405": "Method not allowed.",
    "406": "The requested format is not available.",
    "409": "The workflow does not allow this now.",
    "412": "A condition failed: a stale or weak `If-Match`, or `If-None-Match: *` on an object that exists.",
    "413": "The request body is too large.",
    "415": "Unsupported media type (send JSON).",
    "428": "`If-Match` missing (or `*`): GET the object and send its `ETag` in `If-Match`.",
    "429": "Too many requests; wait the seconds in `Retry-After`.",
}
_PROBLEM_SCHEMA = {
    "type": "object",
    "description": "Problem details (RFC 9457), as `application/problem+json`.",
    "properties": {
        "type": {"type": "string", "description": "`about:blank`: the status says what kind of problem it is."},
        "title": {"type": "string", "description": "The status's name."},
        "status": {"type": "integer", "description": "The HTTP status."},
        "detail": {"type": "string", "description": "What went wrong, in words."},
        "errors": {
            "type": "object",
            "additionalProperties": True,
            "description": "Invalid input: the messages of each field or query parameter.",
        },
        "missing_commitments": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "Submitting an incomplete report: the commitments with no update yet.",
        },
    },
    "required": ["type", "title", "status", "detail"],
}
_HEADERS = {
    "ETag": ("string", "The version of this answer: send it in `If-None-Match` (reads) or `If-Match` (writes)."),
    "Link": ("string", 'RFC 8288 links to the `next`, `prev`, `first` and `last` pages (`<url>; rel="next"`).'),
    "Location": ("string", "The absolute URL of the object."),
    "RateLimit-Limit": ("integer", "The requests allowed in the window of this client's rate limit."),
    "RateLimit-Remaining": ("integer", "The requests left in the window."),
    "RateLimit-Reset": ("integer", "Seconds until the earliest request counted leaves the window, giving one back."),
    "Retry-After": ("integer", "Seconds to wait before trying again."),
}
_RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
_CONDITIONAL_READ = [
    {
        "in": "header",
        "name": "If-None-Match",
        "required": False,
        "schema": {"type": "string"},
        "description": "The `ETag` of the answer you have: 304 with no body while it is unchanged.",
    },
    {
        "in": "header",
        "name": "If-Match",
        "required": False,
        "schema": {"type": "string"},
        "description": "Answer only if the current `ETag` is one of these (strong comparison: a weak `W/` tag "
        "never matches); 412 otherwise.",
    },
]


def _header(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _header_names(operation: dict[str, Any]) -> set[str]:
    return {p.get("name", "") for p in operation.get("parameters", []) if p.get("in") == "header"}


def _paginated(response: dict[str, Any]) -> bool:
    schemas = [media.get("schema", {}) for media in response.get("content", {}).values()]
    return any(str(schema.get("$ref", "")).startswith("#/components/schemas/Paginated") for schema in schemas)


def _document_operation(path: str, method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation["responses"]
    codes = dict(ERROR_RESPONSES)
    # 428 only where a write on an existing versioned object asks for If-Match.
    if method == "get" or "If-Match" not in _header_names(operation):
        del codes["428"]
    if method == "get":
        codes["304"] = "Not modified (`If-None-Match` matched)."
        asked = _header_names(operation)
        operation.setdefault("parameters", []).extend(p for p in _CONDITIONAL_READ if p["name"] not in asked)
    for code, description in codes.items():
        if code == "304":
            responses.setdefault(code, {"description": description})
        else:
            schema = {"$ref": "#/components/schemas/Problem"}
            responses[code] = {"description": description, "content": {PROBLEM_JSON: {"schema": schema}}}
    versioned = method == "get" or path.startswith("/api/v1/submissions/")
    for code, response in responses.items():
        headers = response.setdefault("headers", {})
        names = list(_RATE_LIMIT_HEADERS)
        if code == "429":
            names.append("Retry-After")
        if versioned and (code.startswith("2") or code == "304"):
            names.append("ETag")
        if code in ("201", "202"):
            names.append("Location")
        if code == "200" and method == "get" and _paginated(response):
            names.append("Link")
        headers.update({name: _header(name) for name in names})


def document_http(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook: every operation documents its errors as problem details, the
    RateLimit-* headers, and where they apply `ETag`, `Link`, `Location`, `Retry-After`,
    `If-None-Match` and `If-Match` (the latter two on every read; If-Match and 428 on the writes
    of an existing versioned object, as their views declare)."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = _PROBLEM_SCHEMA
    components["headers"] = {
        name: {"schema": {"type": kind}, "description": description} for name, (kind, description) in _HEADERS.items()
    }
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                _document_operation(path, method, operation)
                _name_operation(path, method, operation, collection="get" in item)
                if method in ("get", "head"):
                    # Reads are open: anonymous clients see published data (ApiAccess).
                    operation["security"] = [*operation.get("security", []), {}]
                if path.endswith(".csv"):
                    _csv_only(operation)
    _link_operations(result)
    _not_blank(result)
    _chosen_fields(result)
    return result


def _chosen_fields(result: dict[str, Any]) -> None:
    """A list that takes `fields` answers the fields a client chose: none of its objects' fields
    is required then."""
    schemas: dict[str, Any] = result.get("components", {}).get("schemas", {})
    for item in result.get("paths", {}).values():
        operation = item.get("get")
        if not isinstance(operation, dict) or not any(p.get("name") == "fields" for p in operation["parameters"]):
            continue
        body = _response_schema(operation["responses"].get("200", {}), schemas)
        reference = body.get("properties", {}).get("results", {}).get("items", {}).get("$ref", "")
        if reference:
            schemas[reference.rsplit("/", 1)[1]].pop("required", None)


def _not_blank(result: dict[str, Any]) -> None:
    """A text a request must give (minLength 1) must hold more than spaces: DRF trims it, and a
    blank one is a 400. The schema says so, for clients and fuzzers that generate requests."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            continue
        for field in component.get("properties", {}).values():
            if field.get("type") == "string" and field.get("minLength", 0) >= 1 and not field.keys() & FORMATS:
                field["pattern"] = NOT_BLANK


FORMATS = {"pattern", "format", "enum"}  # what already says more of a text than its length


_PATH_PARAMETER = re.compile(r"\{([a-z_]+)\}")


def _link_operations(result: dict[str, Any]) -> None:
    """OpenAPI links, so that a client or a fuzzer can follow the API from one answer to the next.
    From a collection's answers (its list, or what a POST to it created) to the operations on one
    of its objects, `/x/` to `/x/{name}/…`: the new parameter is read from the answer (an object's
    `name`, or `commitment` for `{commitment_id}`; the first of a page, or the created object).
    From an object's answer to the operations at and under its address: a write there sends the
    answer's `ETag` as `If-Match`. Parameters of the source's own address come from its request."""
    paths: dict[str, dict[str, Any]] = result.get("paths", {})
    schemas: dict[str, Any] = result.get("components", {}).get("schemas", {})
    operations = [
        (path, method, operation)
        for path, item in paths.items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    for source_path, method, source in operations:
        if method not in ("get", "post") or source_path.endswith(".csv"):
            continue
        known = _PATH_PARAMETER.findall(source_path)
        on_object = source_path.endswith("}/")
        for code, response in source["responses"].items():
            if not code.startswith("2") or (on_object and method != "get"):
                continue
            body = _response_schema(response, schemas)
            prefix, item = _first_item(body, schemas) if method == "get" and not on_object else ("", body)
            links: dict[str, Any] = {}
            for path, target_method, target in operations:
                if not path.startswith(source_path) or (path == source_path and target_method == method):
                    continue
                new = _PATH_PARAMETER.findall(path)[len(known) :]
                parameters = {name: f"$request.path.{name}" for name in known}
                if on_object and not new:
                    if target_method != "get" and "If-Match" in _header_names(target):
                        parameters["header.If-Match"] = "$response.header.ETag"
                elif not on_object and len(new) == 1 and new[0].removesuffix("_id") in item.get("properties", {}):
                    parameters[new[0]] = f"$response.body#{prefix}/{new[0].removesuffix('_id')}"
                else:
                    continue
                links[target["operationId"]] = {"operationId": target["operationId"], "parameters": parameters}
            if links:
                response["links"] = links


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    reference = schema.get("$ref", "")
    return _resolve(schemas[reference.rsplit("/", 1)[1]], schemas) if reference else schema


def _response_schema(response: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    content = response.get("content", {}).get("application/json", {})
    return _resolve(content.get("schema", {}), schemas)


def _first_item(body: dict[str, Any], schemas: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The JSON pointer to the first object of a list's answer (a page or a plain array), and its schema."""
    if body.get("type") == "array":
        return "/0", _resolve(body.get("items", {}), schemas)
    results = body.get("properties", {}).get("results", {})
    return "/results/0", _resolve(results.get("items", {}), schemas)


# The verb of an operation on a collection or on one object, as in the generated clients' names.
_VERBS = {"post": "create", "put": "update", "patch": "partial_update", "delete": "destroy"}


def _name_operation(path: str, method: str, operation: dict[str, Any], *, collection: bool) -> None:
    """An operationId and a tag from the address, the same way for every operation: the resource
    path without parameters, then the verb (`members_list`, `members_retrieve`,
    `submissions_updates_update`; an action such as `submissions_accept` is its own verb)."""
    segments = [part for part in path.removeprefix("/api/v1/").strip("/").split("/") if part]
    words = [part.replace(".", "_").replace("-", "_") for part in segments if not part.startswith("{")]
    if not words:
        operation["operationId"], operation["tags"] = "api_root", ["api"]
        return
    on_one = bool(segments) and segments[-1].startswith("{")
    if method == "get":
        verb = "retrieve" if on_one else "list"
    elif method == "post" and not collection:
        verb = ""  # an action on one object (no list at its address): its name says what it does
    else:
        verb = _VERBS.get(method, method)
    operation["operationId"] = "_".join([*words, verb] if verb else words)
    operation["tags"] = [words[0].split("_")[0]]


def _csv_only(operation: dict[str, Any]) -> None:
    """An address ending in .csv answers CSV text, whatever the view's serializer would describe:
    the whole table (no pages), in the format its address names (no `format` parameter)."""
    answer = operation["responses"].get("200", {})
    answer["content"] = {"text/csv": {"schema": {"type": "string"}}}
    unused = {"format", "page", "page_size"}
    operation["parameters"] = [p for p in operation.get("parameters", []) if p.get("name") not in unused]
