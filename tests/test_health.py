"""GET /healthz: 200 when the database and broker answer, 503 naming the part that does not."""

import json

import pytest
from django.conf import LazySettings
from django.test import Client

from tests.processes import run_django


def test_healthz_is_ok_with_postgres_and_redis(db: None, client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_names_an_unreachable_broker(db: None, client: Client, settings: LazySettings) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unreachable"}


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
    assert json.loads(body) == {"status": "unavailable", "database": "unreachable", "broker": "ok"}


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_healthz_only_answers_get(db: None, client: Client, method: str) -> None:
    assert getattr(client, method)("/healthz").status_code == 405
