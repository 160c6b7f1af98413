"""API keys issued in the browser, revoked with the account; throttling per key and per address."""

import re

from accounts import services
from accounts.models import ApiKey, User
from tests.api.conftest import ApiClient, key_for
from tests.conftest import VerifiedClient


def test_the_secretariat_issues_a_key_in_the_browser_shown_once(secretariat_admin: User, contact: User) -> None:
    browser = VerifiedClient()
    browser.force_login(secretariat_admin)
    response = browser.post(
        "/admin/accounts/apikey/add/",
        {"user": contact.pk, "name": "National dashboard", "scope": "read"},
        follow=True,
    )
    assert response.status_code == 200
    shown = re.search(r"The new key is ([0-9a-f]{8}\.[\w-]+)", response.content.decode())
    assert shown is not None
    key = ApiKey.objects.get(user=contact)
    assert key.scope == ApiKey.Scope.READ
    assert shown.group(1) not in key.digest
    assert ApiClient(shown.group(1)).get("/api/v1/members/FR/").status_code == 200
    # Not shown again.
    listing = browser.get("/admin/accounts/apikey/").content.decode()
    assert shown.group(1) not in listing


def test_deactivating_an_account_revokes_its_keys(secretariat_admin: User, contact: User) -> None:
    raw = key_for(contact)
    assert ApiClient(raw).get("/api/v1/submissions/").status_code == 200
    services.account_deactivate(user=contact, actor=secretariat_admin)
    assert ApiKey.objects.get(user=contact).revoked_at is not None
    assert ApiClient(raw).get("/api/v1/submissions/").status_code == 401


def test_anonymous_clients_are_throttled_per_address(tight_limits: None, alliance: None) -> None:
    here, there = ApiClient(REMOTE_ADDR="10.5.5.5"), ApiClient(REMOTE_ADDR="10.6.6.6")
    statuses = [here.get("/api/v1/targets/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = here.get("/api/v1/targets/")
    assert limited.json()["detail"]
    assert limited.has_header("Retry-After")
    assert there.get("/api/v1/targets/").status_code == 200


def test_keys_are_throttled_each_on_its_own(tight_limits: None, contact: User, reviewer: User) -> None:
    first, second = ApiClient(key_for(contact)), ApiClient(key_for(reviewer))
    statuses = [first.get("/api/v1/targets/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert second.get("/api/v1/targets/").status_code == 200
