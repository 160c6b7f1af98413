"""Real responses of the application served by gunicorn with production settings."""

import http.client
import re
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.factories import UserFactory
from tests.processes import gunicorn as served_by_gunicorn
from tests.worker import database_url_of_tests

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def gunicorn(**overrides: str) -> Iterator[int]:
    with served_by_gunicorn(database_url_of_tests(), **overrides) as served:
        yield served.port


@pytest.fixture
def production_server(alliance: None) -> Iterator[int]:
    """Behind one TLS proxy of ours, which says the request came over HTTPS."""
    with gunicorn(TRUSTED_PROXIES="1") as port:
        yield port


def request(port: int, method: str, path: str, *, https: bool = True, body: str | None = None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    all_headers = {"Host": "127.0.0.1", **({"X-Forwarded-Proto": "https"} if https else {}), **(headers or {})}
    connection.request(method, path, body=body, headers=all_headers)
    response = connection.getresponse()
    response.body = response.read().decode(errors="replace")  # type: ignore[attr-defined]
    connection.close()
    return response


def cookie_attributes(response, name: str) -> str:
    for header in response.headers.get_all("Set-Cookie") or []:
        if header.startswith(f"{name}="):
            return str(header)
    raise AssertionError(f"no {name} cookie in {response.headers.get_all('Set-Cookie')}")


def test_pages_carry_the_security_headers(production_server: int) -> None:
    response = request(production_server, "GET", "/")
    assert response.status == 200
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    # No script in the page itself: every <script> has a src on our own origin.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.body)


def test_plain_http_is_redirected_to_https(production_server: int) -> None:
    response = request(production_server, "GET", "/reporting/", https=False)
    assert response.status == 301
    assert response.headers["Location"].startswith("https://")


def test_cookies_are_secure_and_http_only(production_server: int) -> None:
    # Hashed with the production hasher: the server does not know the tests' fast one.
    person = UserFactory.create(email="headers@france.example.org")
    hasher = PBKDF2PasswordHasher()
    person.password = hasher.encode("correct horse battery staple", hasher.salt())
    person.save(update_fields=["password"])
    form = request(production_server, "GET", "/accounts/login/")
    csrf = cookie_attributes(form, "csrftoken")
    assert "Secure" in csrf
    assert "HttpOnly" in csrf
    token = SimpleCookie(csrf)["csrftoken"].value
    middleware_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
    assert middleware_token is not None
    signed_in = request(
        production_server,
        "POST",
        "/accounts/login/",
        body=f"csrfmiddlewaretoken={middleware_token.group(1)}&username={person.email}&password=correct+horse+battery+staple",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={token}",
            "Referer": "https://127.0.0.1/accounts/login/",
        },
    )
    assert signed_in.status == 302, signed_in.body[:500]
    session = cookie_attributes(signed_in, "sessionid")
    assert "Secure" in session
    assert "HttpOnly" in session
    assert "SameSite=Lax" in session


def test_errors_show_no_stack_trace(production_server: int) -> None:
    missing = request(production_server, "GET", "/submissions/999999/")
    assert missing.status in (302, 404)
    not_found = request(production_server, "GET", "/no/such/page/")
    assert not_found.status == 404
    for text in ("Traceback", "URLconf", "DEBUG = True", "Django tried these URL patterns"):
        assert text not in not_found.body
