"""Security log lines for Django's and django-axes' sign-in events; sign-out ends all sessions."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .models import User
from .security_log import security_event
from .services import end_all_sessions


@receiver(user_logged_in)
def on_signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    security_event("sign_in", request, user=user)


@receiver(user_login_failed)
def on_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in `credentials`; only the name is logged.
    security_event("sign_in_failed", request, attempted=credentials.get("username") or credentials.get("email"))


@receiver(user_logged_out)
def on_signed_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if isinstance(user, User):
        end_all_sessions(user)
        security_event("sign_out", request, user=user)


@receiver(user_locked_out)
def on_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    security_event("locked_out", request, attempted=username)
