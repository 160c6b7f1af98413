"""Where a request comes from: the one rule for believing X-Forwarded-For and X-Forwarded-Proto.

`TRUSTED_PROXIES` is the number of proxies of ours in front of the application. Each appends the
address it received the request from to X-Forwarded-For, so the client is the address that many
places from the right; anything further left was written by the client and proves nothing. With
no proxy (the default) the headers are ignored and the client is the connection's address. The
throttles, django-axes, the security log, Django's HTTPS detection and gunicorn all read it here.
"""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest


def trusted_proxies() -> int:
    """The setting, read from the environment (by the settings and by gunicorn's configuration)."""
    if "BEHIND_TLS_PROXY" in os.environ:
        raise ImproperlyConfigured(
            "BEHIND_TLS_PROXY is replaced by TRUSTED_PROXIES, the number of proxies in front "
            "(e.g. TRUSTED_PROXIES=1 behind one TLS proxy)."
        )
    raw = os.environ.get("TRUSTED_PROXIES", "0").strip() or "0"
    try:
        count = int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES must be a whole number, not {raw!r}.") from error
    if count < 0:
        raise ImproperlyConfigured("TRUSTED_PROXIES cannot be negative.")
    return count


def client_ip(request: HttpRequest) -> str:
    """The client's address, as far as our own proxies vouch for it."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    count = int(getattr(settings, "TRUSTED_PROXIES", 0))
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    # With fewer addresses than proxies the request did not pass through all of them: the
    # connection's address is the best we know.
    if len(forwarded) < count:
        return remote
    return forwarded[-count]
