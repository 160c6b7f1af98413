"""Whose address a request is: X-Forwarded-For believed only as far as TRUSTED_PROXIES says, by the
API throttles, the lockout, the spraying limit, the security log and gunicorn alike."""

from collections.abc import Iterator

import pytest
from django.conf import LazySettings
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from tests.accounts.conftest import SecurityLog, sign_in
from tests.accounts.test_headers import gunicorn, request
from tests.factories import UserFactory

PROXY = "10.0.0.1"


@pytest.fixture
def tight_limits(settings: LazySettings) -> Iterator[None]:
    from alliance.api import AnonymousThrottle

    saved = AnonymousThrottle.THROTTLE_RATES
    AnonymousThrottle.THROTTLE_RATES = {"anonymous": "5/min", "key": "5/min"}
    cache.clear()
    yield
    AnonymousThrottle.THROTTLE_RATES = saved
    cache.clear()


def test_without_a_proxy_a_forged_forwarded_for_does_not_escape_the_throttle(
    tight_limits: None, alliance: None
) -> None:
    client = Client(REMOTE_ADDR="192.0.2.10")
    statuses = [
        client.get("/api/v1/targets/", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(8)
    ]
    assert statuses == [200] * 5 + [429] * 3


def test_behind_one_proxy_each_client_is_throttled_on_its_own_real_address(
    tight_limits: None, alliance: None, settings: LazySettings
) -> None:
    settings.TRUSTED_PROXIES = 1
    proxy = Client(REMOTE_ADDR=PROXY)
    # What a client writes to the left of the proxy's entry changes nothing.
    one = [
        proxy.get("/api/v1/targets/", headers={"X-Forwarded-For": f"6.6.6.{n}, 203.0.113.5"}).status_code
        for n in range(6)
    ]
    assert one == [200] * 5 + [429]
    other = proxy.get("/api/v1/targets/", headers={"X-Forwarded-For": "203.0.113.6"})
    assert other.status_code == 200


def test_behind_a_proxy_an_attacker_cannot_lock_the_owner_out(
    contact: User, settings: LazySettings, security_log: SecurityLog
) -> None:
    settings.TRUSTED_PROXIES = 1
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    for _ in range(5):
        sign_in(attacker, contact.email, "wrong password")
    assert sign_in(attacker, contact.email).status_code == 429  # the attacker is locked out
    owner = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert sign_in(owner, contact.email)["Location"] == "/reporting/"
    # The security log names the real clients, not the proxy.
    addresses = {event["ip"] for event in security_log.events("sign_in_failed")}
    assert addresses == {"203.0.113.5"}
    assert security_log.events("locked_out")[0]["ip"] == "203.0.113.5"


def test_without_a_proxy_the_lockout_ignores_forwarded_for(contact: User) -> None:
    for n in range(5):
        sign_in(Client(REMOTE_ADDR="192.0.2.20", HTTP_X_FORWARDED_FOR=f"6.6.6.{n}"), contact.email, "wrong password")
    assert sign_in(Client(REMOTE_ADDR="192.0.2.20", HTTP_X_FORWARDED_FOR="7.7.7.7"), contact.email).status_code == 429


def test_password_spraying_from_one_address_is_refused_across_accounts(
    alliance: None, settings: LazySettings, security_log: SecurityLog
) -> None:
    people = [UserFactory.create(email=f"person{n}@spray.example.org") for n in range(30)]
    sprayer = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [sign_in(sprayer, person.email, "Winter2026!").status_code for person in people]
    limit = settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
    assert statuses == [200] * limit + [429] * (30 - limit)
    refused = sign_in(sprayer, people[0].email)  # even a right password, from that address
    assert refused.status_code == 429
    assert "wrong passwords for several accounts" in refused.content.decode()
    assert security_log.events("sign_in_address_refused")
    # Nobody else is affected: the same people sign in from their own addresses.
    assert sign_in(Client(REMOTE_ADDR="198.51.100.20"), people[0].email)["Location"] == "/reporting/"


@pytest.mark.django_db(transaction=True)
def test_gunicorn_believes_forwarded_proto_only_behind_a_trusted_proxy(alliance: None) -> None:
    # SECURE_SSL_REDIRECT is on: a request believed to be HTTPS is served, plain HTTP redirected.
    with gunicorn(TRUSTED_PROXIES="0") as port:
        assert request(port, "GET", "/accounts/login/", https=True).status == 301
    with gunicorn(TRUSTED_PROXIES="1") as port:
        assert request(port, "GET", "/accounts/login/", https=True).status == 200
        assert request(port, "GET", "/accounts/login/", https=False).status == 301
