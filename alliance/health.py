"""Liveness and readiness: can the application reach its database, its cache and its broker?

Only the database is the record: without it the answer is 503 "unavailable", and a load balancer
takes the process out of service. Without Redis (the cache, the broker) the application still
serves and keeps every write, so the answer stays 200, "degraded", naming what is unreachable and
how many jobs wait in the outbox: a load balancer keeps it in service, monitoring sees the state."""

import logging

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from .cache import cache_status

logger = logging.getLogger(__name__)


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: the database is unreachable")
        return "unreachable"
    return "ok"


def broker_status() -> str:
    # A fresh connection each time, so the answer reflects the broker now, not a pooled socket.
    # Short socket timeouts too: a broker that accepts connections but does not answer (hung) must
    # not hold the health check for longer than its caller waits.
    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "socket_connect_timeout": 2, "socket_timeout": 2}
    broker = Connection(settings.CELERY_BROKER_URL, transport_options=options, connect_timeout=2)
    try:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=1, interval_max=1, timeout=2)
    except Exception:
        logger.exception("Health check: the broker is unreachable")
        return "unreachable"
    finally:
        broker.release()
    return "ok"


def outbox_waiting() -> int:
    from jobs.outbox import waiting_count

    return waiting_count()


def _server(part: str) -> str:
    """The name of the server behind a part, as an operator knows it."""
    if part == "cache":
        return "Redis" if isinstance(caches["default"], RedisCache) else "the cache"
    scheme = settings.CELERY_BROKER_URL.split(":", 1)[0]
    return "Redis" if scheme.startswith("redis") else f"the {scheme} broker"


def _detail(unreachable: list[str], waiting: int) -> str:
    servers: dict[str, list[str]] = {}
    for part in unreachable:
        servers.setdefault(_server(part), []).append(part)
    named = "; ".join(f"{server} unreachable ({', '.join(parts)})" for server, parts in servers.items())
    return f"{named}: saves go on in PostgreSQL; {waiting} job(s) wait in the outbox."


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = database_status()
    parts = {"database": database, "cache": cache_status(), "broker": broker_status()}
    if database != "ok":
        return JsonResponse({"status": "unavailable", **parts, "outbox_waiting": None}, status=503)
    waiting = outbox_waiting()
    unreachable = [part for part in ("cache", "broker") if parts[part] != "ok"]
    if not unreachable:
        return JsonResponse({"status": "ok", **parts, "outbox_waiting": waiting})
    body = {"status": "degraded", **parts, "outbox_waiting": waiting, "detail": _detail(unreachable, waiting)}
    return JsonResponse(body)
