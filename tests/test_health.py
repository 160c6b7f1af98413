"""GET /healthz: 200 "ok" when the database, cache and broker answer; 200 "degraded" naming Redis when
the cache or the broker does not (the site still works: a load balancer must keep it in service);
503 "unavailable" when the database does not."""

import json

import pytest
from django.conf import LazySettings
from django.test import Client

from tests.processes import run_django


def test_healthz_is_ok_with_postgres_and_redis(db: None, client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok", "outbox_waiting": 0}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_names_an_unreachable_broker(db: None, client: Client, settings: LazySettings) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "ok",
        "broker": "unreachable",
        "outbox_waiting": 0,
        "detail": "Redis unreachable (broker): saves go on in PostgreSQL; 0 job(s) wait in the outbox.",
    }


def test_healthz_names_an_unreachable_cache(db: None, client: Client, settings: LazySettings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "alliance.cache.FailSoftRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"retry_seconds": 60},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "unreachable",
        "broker": "ok",
        "outbox_waiting": 0,
        "detail": "Redis unreachable (cache): saves go on in PostgreSQL; 0 job(s) wait in the outbox.",
    }


def test_healthz_names_an_unreachable_database() -> None:
    # A separate process: the test process's own database connection must stay intact.
    result = run_django(
        "from django.test import Client\n"
        "response = Client().get('/healthz')\n"
        "print(response.status_code, response.content.decode())\n",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/alliance",
    )
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {
        "status": "unavailable",
        "database": "unreachable",
        "cache": "ok",
        "broker": "ok",
        "outbox_waiting": None,
    }


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_healthz_only_answers_get(db: None, client: Client, method: str) -> None:
    assert getattr(client, method)("/healthz").status_code == 405
