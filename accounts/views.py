"""Sign-in (password, then the second factor), invitations, password changes, lockout."""

import base64
import time
from datetime import timedelta
from io import BytesIO
from typing import Any, Literal, cast

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token

from alliance.proxies import client_ip

from . import services
from .forms import ApiKeyForm, CodeForm, NewPasswordForm, SignInForm
from .languages import is_language
from .lockout import address_refused
from .middleware import second_factor_required
from .models import ApiKey, User
from .security_log import security_event


def _next_url(request: HttpRequest, default: str = "commitments:home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class SignInView(auth_views.LoginView):
    """Step one: the password. Secretariat staff, and contacts who enrolled, go on to step two."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        address = client_ip(request)
        if address_refused(address):
            security_event("sign_in_address_refused", request)
            return locked_out(request, across_accounts=True)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        user: User = form.get_user()
        auth_login(self.request, user)  # a new session id
        now = time.time()
        session = self.request.session
        session["signed_in_at"] = session["last_seen"] = now
        enrolled = services.has_second_factor(user)
        session["second_factor_enrolled"] = enrolled
        session["second_factor_required"] = enrolled or user.is_secretariat
        target = self.get_success_url()
        if enrolled:
            return redirect(f"{reverse('accounts:verify')}?next={target}")
        if user.is_secretariat:
            return redirect(f"{reverse('accounts:two_factor_setup')}?next={target}")
        return HttpResponseRedirect(target)


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Step two: a code from the authenticator, or a one-time recovery code."""
    user = _user(request)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            request.session.cycle_key()  # a new session id once the second factor is given
            kind = "recovery code" if device.__class__.__name__ == "StaticDevice" else "authenticator"
            security_event("second_factor_verified", request, factor=kind)
            if kind == "recovery code":
                messages.warning(request, _("You used a recovery code. Create new ones on your account page."))
            return redirect(_next_url(request))
        security_event("second_factor_failed", request)
        form.add_error("token", _("That code is not valid, or it has been used already."))
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/verify.html", {"form": form, "next": _next_url(request)}, status=status)


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: QR code or key, then a first code to confirm it."""
    user = _user(request)
    if services.has_second_factor(user) and not user.is_verified():  # type: ignore[attr-defined]
        return redirect(f"{reverse('accounts:verify')}?next={_next_url(request)}")
    device = services.totp_enrolment_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_confirm(user=user, device=device, token=form.cleaned_data["token"], request=request)
        except ValidationError as error:
            form.add_error("token", error.messages[0])
        else:
            otp_login(request, device)
            request.session.cycle_key()
            request.session["second_factor_enrolled"] = request.session["second_factor_required"] = True
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_url(request)})
    key = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - SVG generated here from our own URI
        "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
        "next": _next_url(request),
        "required": user.is_secretariat,
    }
    return render(request, "accounts/two_factor_setup.html", context, status=400 if request.method == "POST" else 200)


def _account_page(request: HttpRequest, key_form: ApiKeyForm | None = None, status: int = 200) -> HttpResponse:
    user = _user(request)
    context = {
        "enrolled": services.has_second_factor(user),
        "keys": ApiKey.objects.filter(user=user).order_by("-created_at"),
        "key_form": key_form or ApiKeyForm(user=user),
        "now": timezone.now(),
    }
    return render(request, "accounts/account.html", context, status=status)


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@login_required
@require_POST
def api_key_create(request: HttpRequest) -> HttpResponse:
    """A key for one's own client, shown once. A review key needs a fresh authenticator code."""
    user = _user(request)
    form = ApiKeyForm(request.POST, user=user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            key, raw = services.api_key_issue(
                user=user,
                actor=user,
                name=data["name"],
                scope=data["scope"],
                expires_at=timezone.now() + timedelta(days=data["days"]),
                second_factor_code=data.get("code", ""),
                request=request,
            )
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages_)
        else:
            response = render(request, "accounts/api_key_created.html", {"key": key, "raw": raw})
            response["Cache-Control"] = "no-store"  # the key is on this page only
            return response
    return _account_page(request, form, status=400)


@login_required
@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    key = get_object_or_404(ApiKey, pk=pk, user=user)
    services.api_key_revoke(key=key, actor=user, request=request)
    messages.success(request, _("The key “%(name)s” is revoked.") % {"name": key.name})
    return redirect("accounts:account")


@login_required
@require_POST
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not services.has_second_factor(user):
        messages.error(request, _("Set up an authenticator app first."))
        return redirect("accounts:account")
    codes = services.recovery_codes_renew(user=user, request=request)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:account")})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form: Any) -> HttpResponse:
        form.user.session_generation += 1  # every other session of this person ends
        response = super().form_valid(form)  # saves, and keeps this session signed in
        self.request.session.cycle_key()
        services.password_changed(user=form.user, request=self.request)
        messages.success(self.request, _("Your password has been changed; your other sessions have been signed out."))
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        form.user.session_generation += 1
        response = super().form_valid(form)
        services.password_changed(user=form.user, request=self.request)
        return response


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = services.invitation_for_token(token)
    except services.InvitationUnusable as unusable:
        security_event("invitation_refused", request, reason=unusable.reason)
        status = 404 if unusable.reason == "unknown" else 410
        return render(request, "accounts/invitation_unusable.html", {"reason": unusable.reason}, status=status)
    form = NewPasswordForm(request.POST or None, invitation=found)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(token=token, password=form.cleaned_data["password1"], request=request)
        except services.InvitationUnusable as unusable:
            return render(request, "accounts/invitation_unusable.html", {"reason": unusable.reason}, status=410)
        messages.success(request, _("Your account is ready. Sign in with your email address and new password."))
        return redirect("accounts:login")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/invitation.html", {"form": form, "invitation": found}, status=status)


@require_http_methods(["GET"])
def session_state(request: HttpRequest) -> JsonResponse:
    """Whether this browser is signed in (second factor included), as whom, and a CSRF token for
    its forms: a page whose session ended asks here until its person has signed in again (in
    another tab), then sends what it kept with the new token."""
    user = request.user
    signed_in = isinstance(user, User) and user.is_authenticated
    ready = signed_in and not (second_factor_required(request) and not user.is_verified())  # type: ignore[union-attr]
    state = {"signed_in": signed_in, "ready": ready, "user": user.pk if signed_in else None}
    response = JsonResponse({**state, "csrf_token": get_token(request)})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET"])
def signed_in(request: HttpRequest) -> HttpResponse:
    """Where "Sign in again" (opened in a new tab by a page whose session ended) lands."""
    return render(request, "accounts/signed_in.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused CSRF token: JSON for a page's script (which then fetches a new token and sends
    again), a page in the person's language otherwise (Django's own is in English)."""
    if request.headers.get("X-Requested-With") == "fetch" or request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": _("The form's security token has expired. Reload the page."), "code": "csrf"}, status=403
        )
    return render(request, "403_csrf.html", status=403)


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, across_accounts: bool = False, **kwargs: Any
) -> HttpResponse:
    """django-axes' answer once the failure limit is reached for this email and address, and the
    answer to an address that failed on too many accounts (`across_accounts`)."""
    cooloff = settings.AXES_COOLOFF_TIME
    minutes = int(cooloff.total_seconds() // 60) if cooloff else None
    context = {"minutes": minutes, "contact": settings.SECRETARIAT_CONTACT_EMAIL, "across_accounts": across_accounts}
    response = render(request, "accounts/locked_out.html", context, status=429)
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response


@require_GET
def choose_language(request: HttpRequest) -> HttpResponse:
    """The language chooser on every page: plain links, so that a page served alike to every
    visitor carries no token (a link from elsewhere can only change the language). The choice is
    kept in the language cookie and, for a signed-in person, on their account."""
    language = request.GET.get("lang", "")
    if not is_language(language):
        choices = ", ".join(code for code, _name in settings.LANGUAGES)
        message = _("lang: not a language of the tracker; choose one of %(choices)s.") % {"choices": choices}
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    target = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    # Offered during the sign-in steps too (in the cookie); kept on the account only once the
    # person is through them: a password alone changes nothing of the account.
    if request.user.is_authenticated and (
        not second_factor_required(request) or request.user.is_verified()  # type: ignore[attr-defined]
    ):
        services.language_choose(user=request.user, actor=request.user, language=language)
    response = HttpResponseRedirect(target if safe else "/")
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
    )
    return response
