"""REST clients authenticate with `Authorization: Token <key>` (or `Bearer <key>`, which many
integrations send). Any other Authorization header is refused: a request that carries credentials
never falls back to anonymous access, which would answer with less data as if nothing were wrong.
Browser sessions send no Authorization header and are left to the session authentication."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from .models import ApiKey, token_digest
from .security_log import security_event

SCHEMES = {b"token", b"bearer"}


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        if "HTTP_AUTHORIZATION" not in request.META:
            return None
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() not in SCHEMES:
            raise AuthenticationFailed(_("Send the key as: Authorization: Token <key> (or Bearer <key>)."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise AuthenticationFailed(_("Invalid API key.")) from error
        key = ApiKey.objects.select_related("user", "user__member_state").filter(digest=token_digest(raw)).first()
        now = timezone.now()
        if key is None or not key.is_usable(now) or not key.user.is_active:
            raise AuthenticationFailed(_("Invalid, expired or revoked API key."))
        # Record use in the table at most every few minutes, not on every request; every use is
        # in the security log, with the key's name.
        if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=5):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        security_event(
            "api_key_used", request._request, user=key.user, key=key.prefix, key_name=key.name, scope=key.scope
        )
        return key.user, key

    def authenticate_header(self, request: Request) -> str:
        return "Token"
