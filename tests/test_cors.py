"""Cross-origin calls to the API from the configured dashboards only, with keys (no cookies)."""

from typing import Any

import pytest
from django.test import Client

from tests.processes import run_manage
from tests.test_settings import PRODUCTION

DASHBOARD = "https://dashboard.example.org"
EXPOSED = {
    "etag",
    "link",
    "location",
    "retry-after",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "idempotent-replayed",
}


@pytest.fixture
def dashboards(settings) -> None:
    settings.CORS_ALLOWED_ORIGINS = [DASHBOARD]


def preflight(origin: str, path: str = "/api/v1/submissions/") -> Any:
    return Client().options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key, if-match",
        },
    )


def listed(response: Any, header: str) -> set[str]:
    return {name.strip().lower() for name in response.get(header, "").split(",") if name.strip()}


def test_a_preflight_from_a_dashboard_is_allowed_with_the_apis_headers(db: None, dashboards: None) -> None:
    response = preflight(DASHBOARD)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == DASHBOARD
    assert {"authorization", "content-type", "idempotency-key", "if-match", "if-none-match"} <= listed(
        response, "Access-Control-Allow-Headers"
    )
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert int(response["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in response  # keys, not cookies


def test_a_dashboards_request_may_read_the_apis_headers(alliance: None, dashboards: None) -> None:
    response = Client().get("/api/v1/targets/", headers={"Origin": DASHBOARD})

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == DASHBOARD
    assert listed(response, "Access-Control-Expose-Headers") == EXPOSED
    assert "origin" in listed(response, "Vary")
    assert "Access-Control-Allow-Credentials" not in response


def test_another_origin_is_not_allowed(alliance: None, dashboards: None) -> None:
    for response in (
        preflight("https://evil.example.com"),
        preflight("http://dashboard.example.org"),  # another scheme is another origin
        Client().get("/api/v1/targets/", headers={"Origin": "https://evil.example.com"}),
    ):
        assert "Access-Control-Allow-Origin" not in response
        assert "Access-Control-Allow-Headers" not in response


def test_no_origin_is_allowed_by_default(alliance: None) -> None:
    from django.conf import settings

    assert settings.CORS_ALLOWED_ORIGINS == []
    assert "Access-Control-Allow-Origin" not in preflight(DASHBOARD)
    assert "Access-Control-Allow-Origin" not in Client().get("/api/v1/targets/", headers={"Origin": DASHBOARD})


@pytest.mark.parametrize("path", ["/alliance/", "/accounts/login/", "/healthz", "/admin/"])
def test_pages_never_get_cors_headers(alliance: None, dashboards: None, path: str) -> None:
    for response in (preflight(DASHBOARD, path), Client().get(path, headers={"Origin": DASHBOARD})):
        assert not any(name.lower().startswith("access-control-") for name in response.headers), path


def test_the_origins_come_from_the_environment_and_a_malformed_one_stops_the_start() -> None:
    origins = f"{DASHBOARD},https://stats.example.org:8443"
    listed_origins = run_manage("diffsettings", **PRODUCTION, CORS_ALLOWED_ORIGINS=origins)
    assert listed_origins.returncode == 0, listed_origins.stderr
    assert f"CORS_ALLOWED_ORIGINS = ['{DASHBOARD}', 'https://stats.example.org:8443']" in listed_origins.stdout

    malformed = run_manage("check", **PRODUCTION, CORS_ALLOWED_ORIGINS="dashboard.example.org")
    assert malformed.returncode != 0
    assert "corsheaders.E013" in malformed.stderr
