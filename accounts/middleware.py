"""Session lifetime, the second factor, and the logging of refused accesses."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import User
from .security_log import security_event

# Pages a signed-in person can reach before the second factor: the sign-in steps themselves.
SECOND_FACTOR_EXEMPT = {
    "accounts:login",
    "accounts:logout",
    "accounts:verify",
    "accounts:two_factor_setup",
    "accounts:session",
    "accounts:language",
    "healthz",
    "favicon",
}

Handler = Callable[[HttpRequest], HttpResponse]


def _url_name(request: HttpRequest) -> str | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.view_name


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or request.headers.get("X-Requested-With") == "fetch"


class SessionTimeoutMiddleware:
    """Sign out after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_ABSOLUTE_TIMEOUT
    seconds after signing in, whatever the activity."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The session first: a request without one (every API client with a key, every anonymous
        # one) has nobody signed in, and its user need not be looked up here.
        if "_auth_user_id" in request.session and request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault("signed_in_at", now)
            last_seen = request.session.get("last_seen", now)
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT
            expired = now - started > settings.SESSION_ABSOLUTE_TIMEOUT
            if idle or expired:
                security_event("session_expired", request, reason="idle" if idle else "absolute")
                request._security_logged = True  # type: ignore[attr-defined]
                # Only this session ends: other devices keep theirs until their own timeouts.
                request.session.flush()
                request.user = AnonymousUser()
                if _wants_json(request):
                    return JsonResponse(
                        {"detail": _("Your session has expired. Sign in again."), "code": "signed_out"}, status=401
                    )
                messages.info(request, "Your session expired. Sign in again to continue.")
                return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
            if now - last_seen > 60 or "last_seen" not in request.session:
                request.session["last_seen"] = now
        return self.get_response(request)


def second_factor_required(request: HttpRequest) -> bool:
    user = request.user
    if not isinstance(user, User):
        return False
    return user.is_secretariat or bool(request.session.get("second_factor_required"))


class SecondFactorMiddleware:
    """Secretariat staff (and contacts who enrolled) reach nothing but the sign-in steps until
    they have given their second factor."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        verified = bool(getattr(user, "is_verified", lambda: False)())  # set by django-otp's middleware
        if second_factor_required(request) and not verified:
            name = _url_name(request)
            static = request.path.startswith(settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/")
            if name not in SECOND_FACTOR_EXEMPT and not static:
                security_event("access_refused", request, status=302, reason="second factor not given", view=name)
                request._security_logged = True  # type: ignore[attr-defined]
                if _wants_json(request):
                    return JsonResponse(
                        {"detail": _("Give your second factor first."), "code": "second_factor"}, status=403
                    )
                has_device = bool(request.session.get("second_factor_enrolled"))
                target = "accounts:verify" if has_device else "accounts:two_factor_setup"
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


class FetchSignInMiddleware:
    """A page's script (X-Requested-With: fetch) that meets the sign-in redirect gets 401 and JSON
    instead: a redirect to an HTML page is followed silently by fetch() and would look like a
    lost connection, so a page could not tell its person that they were signed out."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        to_sign_in = response.status_code == 302 and response.get("Location", "").startswith(reverse("accounts:login"))
        if to_sign_in and request.headers.get("X-Requested-With") == "fetch":
            return JsonResponse({"detail": _("You are signed out. Sign in again."), "code": "signed_out"}, status=401)
        return response


class RefusedAccessLogMiddleware:
    """One security log line for every refused request: 401, 403, 404, or a redirect to sign in."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "_security_logged", False):
            return response
        status = response.status_code
        # The addresses of the sign-in pages are looked up only for the answers that may be refusals.
        if status not in (302, 401, 403, 404):
            return response
        to_sign_in = status == 302 and response.get("Location", "").startswith(reverse("accounts:login"))
        signing = to_sign_in and request.path in (reverse("accounts:login"), reverse("accounts:logout"))
        if status in (401, 403, 404) or (to_sign_in and not signing):
            match = getattr(request, "resolver_match", None)
            security_event(
                "access_refused",
                request,
                status=status,
                view=match.view_name if match else None,
                object=dict(match.kwargs) if match else None,
            )
        return response


class PersonLanguageMiddleware:
    """A signed-in person's own language (kept on their account) before the cookie's or the
    browser's, which LocaleMiddleware applied before the person was known; on the API, a `?lang=`
    before all of them."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and "lang" in request.GET:
            # An API client names the language of this one answer: before the person's own.
            from alliance.api import problem_response  # the API's module imports the accounts' models

            try:
                language = translation.get_supported_language_variant(request.GET["lang"])
            except LookupError:
                return problem_response(
                    400,
                    _("Unknown language: give one of en, fr or es."),
                    errors={"lang": [_("Give one of en, fr or es.")]},
                )
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        # The session first: a request without one has nobody signed in (no user lookup).
        elif "_auth_user_id" in request.session and request.user.is_authenticated:
            language = request.user.language
            if language and language != request.LANGUAGE_CODE:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
