"""The security log: one structured (JSON) line per sign-in event and per refused access.

Lines name the user, the object and the action, and the time; never a password, a code, a token
or a request body.
"""

import json
import logging
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from alliance.proxies import client_ip

logger = logging.getLogger("alliance.security")


def client_address(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


def security_event(event: str, request: HttpRequest | None = None, *, user: Any = None, **fields: Any) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return  # the record is not built for a level that is off
    if user is None and request is not None:
        user = getattr(request, "user", None)
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    record: dict[str, Any] = {
        "event": event,
        "time": timezone.now().isoformat(),
        "user": getattr(user, "email", None) if authenticated else None,
        "user_id": getattr(user, "pk", None) if authenticated else None,
        "ip": client_address(request),
    }
    if request is not None:
        record["method"] = request.method
        record["path"] = request.path
    record.update(fields)
    logger.info(event, extra={"security": record})


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = getattr(record, "security", None)
        if payload is None:
            payload = {"event": record.getMessage()}
        return json.dumps({"level": record.levelname, **payload}, sort_keys=True, default=str)
