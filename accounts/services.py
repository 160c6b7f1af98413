"""Account lifecycle: invitations, deactivation, ending sessions, the second factor."""

import secrets
from datetime import datetime, timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.formats import long_datetime
from commitments.models import MemberState

from .languages import in_language_of, is_language
from .models import ApiKey, Invitation, User, token_digest
from .security_log import security_event

RECOVERY_CODE_COUNT = 10


class InvitationUnusable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "unknown", "used" or "expired"


def _require_admin(actor: User) -> None:
    if not actor.has_perm("accounts.add_invitation"):
        raise PermissionDenied(_("Only secretariat administrators manage accounts."))


@transaction.atomic
def invitation_send(
    *,
    email: str,
    role: str,
    member_state: MemberState | None,
    full_name: str,
    actor: User,
    request: HttpRequest | None = None,
    language: str = settings.LANGUAGE_CODE,
) -> Invitation:
    """Create an invitation and email its one-time link (valid INVITATION_VALID_DAYS days)."""
    _require_admin(actor)
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this email address exists already.")})
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        role=role,
        member_state=member_state,
        full_name=full_name,
        language=language,
        token_digest=token_digest(token),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    path = reverse("accounts:invitation", args=[token])
    link = request.build_absolute_uri(path) if request is not None else f"{settings.SITE_URL}{path}"
    with in_language_of(invitation.language):
        role_name = invitation.get_role_display().lower()
        invited = (
            _("You are invited to the Global Alliance commitment tracker as %(role)s for %(member)s.")
            % {"role": role_name, "member": member_state.name}
            if member_state
            else _("You are invited to the Global Alliance commitment tracker as %(role)s.") % {"role": role_name}
        )
        until = _("Set your password here (the link works once, until %(moment)s):") % {
            "moment": f"{long_datetime(invitation.expires_at)} {timezone.localtime(invitation.expires_at):%Z}"
        }
        body = f"{invited}\n\n{until}\n\n{link}\n"
        subject = _("Your invitation to the Alliance commitment tracker")
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    security_event("invitation_sent", request, user=actor, invited=email, role=role)
    return invitation


def invitation_for_token(token: str) -> Invitation:
    invitation = Invitation.objects.select_related("member_state").filter(token_digest=token_digest(token)).first()
    if invitation is None:
        raise InvitationUnusable("unknown")
    if invitation.accepted_at is not None:
        raise InvitationUnusable("used")
    if invitation.is_expired():
        raise InvitationUnusable("expired")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str, request: HttpRequest | None = None) -> User:
    """Use the invitation once: create the account with the chosen password."""
    found = invitation_for_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.accepted_at is not None:
        raise InvitationUnusable("used")
    user = User.objects.create_user(
        invitation.email,
        password,
        role=invitation.role,
        member_state=invitation.member_state,
        full_name=invitation.full_name,
        language=invitation.language,
        is_staff=invitation.role == User.Role.SECRETARIAT_ADMIN,
    )
    invitation.accepted_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["accepted_at", "user"])
    security_event("invitation_accepted", request, user=user)
    return user


def end_all_sessions(user: User) -> None:
    """Every session of the user stops being valid at its next request."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])


@transaction.atomic
def account_deactivate(*, user: User, actor: User, request: HttpRequest | None = None) -> None:
    _require_admin(actor)
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    end_all_sessions(user)
    ApiKey.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    security_event("account_deactivated", request, user=actor, account=user.email)


def password_changed(*, user: User, request: HttpRequest | None = None) -> None:
    """After a password change: end the other sessions, clear failed sign-ins, log it."""
    axes_reset(username=user.email)
    security_event("password_changed", request, user=user)


# --- Second factor -------------------------------------------------------------------------------


def totp_device(user: User, *, confirmed: bool | None = True) -> TOTPDevice | None:
    devices = TOTPDevice.objects.devices_for_user(user, confirmed=confirmed)
    return devices.order_by("-pk").first()


def has_second_factor(user: User) -> bool:
    return bool(TOTPDevice.objects.devices_for_user(user, confirmed=True).exists())


def totp_enrolment_device(user: User) -> TOTPDevice:
    """An unconfirmed authenticator for the enrolment page (the same one until it is confirmed)."""
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def totp_confirm(*, user: User, device: TOTPDevice, token: str, request: HttpRequest | None = None) -> list[str]:
    """Confirm the authenticator with a first code; return the new one-time recovery codes."""
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied(_("This authenticator cannot be confirmed."))
    if not device.verify_token(token):
        security_event("second_factor_enrolment_failed", request, user=user)
        raise ValidationError({"token": _("That code does not match. Check the time on your phone and try again.")})
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()  # one authenticator at a time
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    security_event("second_factor_enrolled", request, user=user)
    return recovery_codes_renew(user=user, request=request)


@transaction.atomic
def recovery_codes_renew(*, user: User, request: HttpRequest | None = None) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    security_event("recovery_codes_created", request, user=user)
    return codes


# --- API keys ------------------------------------------------------------------------------------


def api_key_issue(
    *,
    user: User,
    actor: User | None,
    name: str,
    scope: str = ApiKey.Scope.READ,
    expires_at: datetime | None = None,
    second_factor_at: datetime | None = None,
    second_factor_code: str = "",
    request: HttpRequest | None = None,
) -> tuple[ApiKey, str]:
    """Issue a key for `user`; the key itself is returned once and never stored.

    People issue their own keys; secretariat administrators issue reading and reporting keys for
    others. A review key carries the secretariat's powers without a second factor at each use, so
    only its owner creates it, within API_KEY_SECOND_FACTOR_WINDOW seconds of giving the second
    factor (`second_factor_at`, or now with `second_factor_code`, a code from their authenticator,
    checked last so that a refusal for another reason does not use it up), and it lives at most
    API_KEY_REVIEW_MAX_DAYS days.
    """
    if actor is not None and actor.pk != user.pk:
        _require_admin(actor)
    if not user.is_active:
        raise ValidationError({"user": _("This account is deactivated.")})
    if scope not in ApiKey.scopes_for(user):
        raise ValidationError({"scope": _("A key of this account cannot have this scope.")})
    now = timezone.now()
    longest = settings.API_KEY_REVIEW_MAX_DAYS if scope == ApiKey.Scope.REVIEW else settings.API_KEY_MAX_DAYS
    if scope == ApiKey.Scope.REVIEW and (actor is None or actor.pk != user.pk):
        raise ValidationError({"scope": _("Only its owner can create a review key.")})
    if expires_at is None:
        expires_at = now + timedelta(days=min(settings.API_KEY_DEFAULT_DAYS, longest))
    if expires_at <= now:
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    if expires_at > now + timedelta(days=longest):
        raise ValidationError({"expires_at": _("A key of this scope lives at most %(days)d days.") % {"days": longest}})
    if scope == ApiKey.Scope.REVIEW:
        window = timedelta(seconds=settings.API_KEY_SECOND_FACTOR_WINDOW)
        fresh = second_factor_at is not None and now - window <= second_factor_at <= now + timedelta(seconds=5)
        if not fresh and second_factor_code:
            fresh = bool(second_factor_check(user=user, code=second_factor_code, request=request))
        if not fresh:
            raise ValidationError({"code": _("Give a code from your authenticator app to create a review key.")})
    prefix = secrets.token_hex(4)
    raw = f"{prefix}.{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        digest=token_digest(raw),
        scope=scope,
        created_by=actor,
        expires_at=expires_at,
    )
    security_event(
        "api_key_issued", request, user=actor or user, account=user.email, key=prefix, key_name=name, scope=scope
    )
    return key, raw


def second_factor_check(*, user: User, code: str, request: HttpRequest | None = None) -> datetime:
    """The time the person proved their second factor with `code` (TOTP only: a recovery code is
    for getting in, not for creating keys); a ValidationError on field "code" otherwise."""
    device = totp_device(user)
    if device is None or not device.verify_token(code.strip()):
        security_event("second_factor_failed", request, user=user, purpose="api_key")
        raise ValidationError({"code": _("That code is not valid, or it has been used already.")})
    security_event("second_factor_verified", request, user=user, factor="authenticator", purpose="api_key")
    return timezone.now()


def api_key_revoke(*, key: ApiKey, actor: User | None, request: HttpRequest | None = None) -> None:
    if actor is not None and actor.pk != key.user_id:
        _require_admin(actor)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        security_event("api_key_revoked", request, user=actor, account=key.user.email, key=key.prefix)


def language_choose(*, user: User, actor: User, language: str) -> None:
    """Keep the language a person chose on their account (they choose for themselves only)."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("A person chooses their own language."))
    if not is_language(language):
        raise ValidationError({"language": _("Not a language of the tracker: %(code)s.") % {"code": language}})
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
