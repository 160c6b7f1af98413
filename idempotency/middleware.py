"""Idempotency-Key on every POST under /api/v1/ (Stripe's semantics; IETF draft "The Idempotency-Key
HTTP Header Field").

The first request with a key runs; its answer (status, Content-Type, Location, ETag, body) is
stored, and a retry of the same request by the same client gets it again with
`Idempotent-Replayed: true`, without running. The same key with another request is a 422, while
the first still runs a 409, a malformed key a 400. Answers a retry may get past are not stored,
and free the key: server errors, and the refusals before the operation ran (RETRYABLE).

The key is claimed in process_view, which runs after the session and authentication middleware
(the client of a browser session is its account) and before the view. An answer from the stored
record is given only to a client the API's own authentication and throttles let through, as the
view would: a revoked key gets 401, not its old answer.
"""

import logging
import math
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.http.response import HttpResponseBase
from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

from alliance.api import problem_response

from . import services
from .services import Answer, Attempt, Claim, KeyInUse, KeyReused

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
PREFIX = "/api/v1/"
# The headers of an answer that a replay gives again; the others (RateLimit-*, CORS, security)
# belong to the request that gets them.
KEPT_HEADERS = ("Content-Type", "Location", "ETag")
# Refusals before the operation ran, which a retry may get past (with valid credentials, the
# current If-Match, corrected input, after waiting): not stored, so the key may be sent again.
RETRYABLE = frozenset({400, 401, 403, 408, 412, 413, 415, 425, 428, 429})
# Printable ASCII without surrounding spaces, at most 255 characters; or the same as a Structured
# Field string (RFC 8941, in double quotes), the draft's form.
KEY = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?")
QUOTED = re.compile(r'"((?:[^"\\]|\\["\\])*)"')
CLAIM = "_idempotency_claim"
# How long a client should wait before retrying a request whose first run is under way.
RETRY_AFTER_SECONDS = 1


def parse_key(value: str) -> str | None:
    """The key an Idempotency-Key header carries, or None if it is malformed. Any value of printable
    ASCII is a key; a quoted one whose contents are a key is that key (`"abc"` is `abc`)."""
    value = value.strip()
    quoted = QUOTED.fullmatch(value)
    if quoted:
        inner = re.sub(r'\\(["\\])', r"\1", quoted.group(1))
        if KEY.fullmatch(inner):
            return inner
    return value if KEY.fullmatch(value) else None


def client_of(request: HttpRequest) -> str | None:
    """Who sends the request, as a digest: its API key (the credentials after the scheme, so that
    `Token` and `Bearer` are the same client), or the account of its browser session; None when
    anonymous (the API refuses its writes)."""
    authorization = request.META.get("HTTP_AUTHORIZATION")
    if authorization is not None:
        parts = authorization.split()
        return services.digest("key:" + (parts[1] if len(parts) == 2 else authorization))
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return services.digest(f"user:{user.pk}")
    return None


def _refused(error: exceptions.APIException) -> HttpResponse:
    response = problem_response(error.status_code, error.detail)
    if error.status_code == 401:
        response["WWW-Authenticate"] = "Token"  # as the API's views answer (accounts.authentication)
    wait = getattr(error, "wait", None)
    if wait is not None:
        response["Retry-After"] = str(math.ceil(wait))
    return response


def admission_refusal(request: HttpRequest) -> HttpResponse | None:
    """The API's refusal of the request by its credentials or rate, or None if the view would let it
    through: checked with the API's own authentication and throttle classes before an answer is
    given from the stored record (the view, which checks them, does not run then)."""
    view = APIView()  # its classes are the API's defaults (REST_FRAMEWORK), which no viewset overrides
    drf_request = Request(request, authenticators=view.get_authenticators())
    user = getattr(request, "user", None)
    try:
        if not (drf_request.user and drf_request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        for throttle in view.get_throttles():
            if not throttle.allow_request(drf_request, view):
                raise exceptions.Throttled(throttle.wait())
    except exceptions.APIException as error:
        if user is not None:
            request.user = user  # DRF set it to anonymous; the rest of the chain sees the request as it came
        return _refused(error)
    return None


def _invalid_key() -> HttpResponse:
    message = gettext("Send a key of 1 to 255 printable ASCII characters, e.g. a UUID.")
    return problem_response(400, gettext("Invalid input."), errors={HEADER: [message]})


def _reused_key() -> HttpResponse:
    message = gettext("This key was sent before with another request (method, address or body): use a new key.")
    return problem_response(422, message, errors={HEADER: [message]})


def _key_in_use() -> HttpResponse:
    message = gettext("The first request with this Idempotency-Key is still running: retry once it has answered.")
    response = problem_response(409, message)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _replay(answer: Answer) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status_code)
    if "Content-Type" not in answer.headers:
        del response["Content-Type"]
    for name, value in answer.headers.items():
        response[name] = value
    response[REPLAYED] = "true"
    return response


def _stored(response: HttpResponseBase) -> Answer | None:
    """What is kept of an answer, or None for one a retry should not get again."""
    code = response.status_code
    if not isinstance(response, HttpResponse) or not 200 <= code < 500 or code in RETRYABLE:
        return None  # a streamed answer too: it cannot be kept without reading it
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    return Answer(code, headers, bytes(response.content))


class IdempotencyMiddleware:
    """Claims the key before the view (process_view); stores the answer, or frees the key, after it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            response = self.get_response(request)
        except BaseException:
            self._finish(request, None)
            raise
        self._finish(request, response)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.method != "POST" or not request.path.startswith(PREFIX) or HEADER not in request.headers:
            return None
        client = client_of(request)
        if client is None:
            return None  # anonymous: the view refuses the write (401)
        key = parse_key(request.headers[HEADER])
        if key is None:
            return admission_refusal(request) or _invalid_key()
        try:
            body = request.body
        except (RequestDataTooBig, RawPostDataException):
            return None  # a body the view refuses too (413, 415): it creates nothing
        attempt = Attempt(client, key, "POST", request.get_full_path(), services.digest(body))
        try:
            outcome = services.idempotency_key_claim(attempt=attempt)
        except KeyInUse:
            return admission_refusal(request) or _key_in_use()
        except KeyReused:
            return admission_refusal(request) or _reused_key()
        if isinstance(outcome, Claim):
            setattr(request, CLAIM, outcome)
            return None
        return admission_refusal(request) or _replay(outcome)

    @staticmethod
    def _finish(request: HttpRequest, response: HttpResponseBase | None) -> None:
        claim = getattr(request, CLAIM, None)
        if not isinstance(claim, Claim):
            return
        answer = None if response is None else _stored(response)
        try:
            if answer is None:
                services.idempotency_key_release(claim=claim)
            else:
                services.idempotency_key_answer(claim=claim, answer=answer)
        except DatabaseError:
            # The client has its answer; the claim stays unanswered, and a retry runs after LEASE.
            logger.exception("Could not store the answer of Idempotency-Key %s", claim.pk)
