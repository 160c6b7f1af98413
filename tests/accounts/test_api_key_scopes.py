"""API keys: a scope within the owner's role, an end, the second factor for the secretariat's
powers, listed and revoked by their owner, every use logged with the key's name."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import ApiKey, User
from commitments.models import Submission
from tests.accounts.conftest import SecurityLog
from tests.api.conftest import ApiClient
from tests.conftest import VerifiedClient, current_code


def accept(client: Client, submission: Submission) -> int:
    url = f"/api/v1/submissions/{submission.pk}/accept/"
    etag = f'"submission-{submission.pk}-v{submission.version}"'
    response = client.post(url, json.dumps({}), content_type="application/json", headers={"If-Match": etag})
    return int(response.status_code)


def test_a_key_issued_for_a_secretariat_account_without_its_second_factor_has_no_secretariat_power(
    secretariat_admin: User, reviewer: User, submitted: Submission
) -> None:
    # What an administrator (or an operator on the server) can issue for the reviewer: a reading key.
    _, raw = services.api_key_issue(user=reviewer, actor=secretariat_admin, name="leaked", scope=ApiKey.Scope.READ)
    leaked = ApiClient(raw)
    assert leaked.get("/api/v1/submissions/").json()["count"] == 0  # no drafts, no submitted reports
    assert leaked.get(f"/api/v1/submissions/{submitted.pk}/").status_code == 404
    assert accept(leaked, submitted) == 403
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.SUBMITTED
    # Review keys are never issued for someone else, nor without the second factor.
    for actor, proved in ((secretariat_admin, timezone.now()), (reviewer, None), (None, timezone.now())):
        with pytest.raises(ValidationError):
            services.api_key_issue(
                user=reviewer, actor=actor, name="x", scope=ApiKey.Scope.REVIEW, second_factor_at=proved
            )
    # A code older than the window does not count.
    with pytest.raises(ValidationError):
        services.api_key_issue(
            user=reviewer,
            actor=reviewer,
            name="x",
            scope=ApiKey.Scope.REVIEW,
            second_factor_at=timezone.now() - timedelta(minutes=6),
        )
    # A contact's key never reviews, whatever it is called.
    with pytest.raises(ValidationError):
        services.api_key_issue(user=reviewer, actor=None, name="x", scope=ApiKey.Scope.REPORT)
    assert not ApiKey.objects.exclude(scope=ApiKey.Scope.READ).exists()


def test_the_reviewer_creates_a_review_key_with_a_code_and_it_is_shown_once(
    reviewer: User, submitted: Submission
) -> None:
    browser = VerifiedClient()
    browser.force_login(reviewer)
    page = browser.get("/accounts/")
    assert page.status_code == 200
    assert 'name="code"' in page.content.decode()
    form = {"name": "Review robot", "scope": "review", "days": "30"}
    device = TOTPDevice.objects.get(user=reviewer)
    # Longer than review keys may live: a form error, and the code is not used up by the refusal.
    code = current_code(device)
    too_long = browser.post("/accounts/api-keys/", {**form, "days": "31", "code": code})
    assert too_long.status_code == 400
    assert "at most 30 days" in too_long.content.decode()
    # Without a code, and with a wrong one: a form error on the code, no key.
    for wrong in ("", "000000"):
        refused = browser.post("/accounts/api-keys/", {**form, "code": wrong})
        assert refused.status_code == 400
        assert re.search(r'id="id_code_error"', refused.content.decode())
    assert not ApiKey.objects.exists()

    # After the authenticator's throttle delay (it doubles with each wrong code), the right code.
    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=True):
        created = browser.post("/accounts/api-keys/", {**form, "code": current_code(device)})
    assert created.status_code == 200, created.content.decode()
    assert created["Cache-Control"] == "no-store"
    shown = re.search(r'id="new-key">([0-9a-f]{8}\.[\w-]+)<', created.content.decode())
    assert shown is not None
    key = ApiKey.objects.get(user=reviewer)
    assert key.scope == ApiKey.Scope.REVIEW
    assert key.created_by == reviewer
    assert abs(key.expires_at - key.created_at - timedelta(days=30)) < timedelta(seconds=5)
    assert shown.group(1) not in browser.get("/accounts/").content.decode()  # shown once
    # The key does what the reviewer may do.
    assert accept(ApiClient(shown.group(1)), submitted) == 200


def test_owners_list_and_revoke_their_keys_and_no_one_elses(contact: User, colleague: User) -> None:
    _, raw = services.api_key_issue(user=contact, actor=contact, name="Ministry sync", scope=ApiKey.Scope.REPORT)
    others, _ = services.api_key_issue(user=colleague, actor=colleague, name="Theirs")
    browser = VerifiedClient()
    browser.force_login(contact)
    listing = browser.get("/accounts/").content.decode()
    key = ApiKey.objects.get(user=contact)
    assert "Ministry sync" in listing
    assert key.prefix in listing
    assert "Theirs" not in listing
    assert 'name="code"' not in listing  # contacts have no review scope to prove
    assert browser.post(f"/accounts/api-keys/{others.pk}/revoke").status_code == 404
    assert ApiClient(raw).get("/api/v1/submissions/").status_code == 200
    revoked = browser.post(f"/accounts/api-keys/{key.pk}/revoke", follow=True)
    assert "is revoked" in revoked.content.decode()
    assert ApiClient(raw).get("/api/v1/submissions/").status_code == 401
    others.refresh_from_db()
    assert others.revoked_at is None


def test_a_contact_cannot_choose_a_scope_beyond_their_role(contact: User) -> None:
    browser = VerifiedClient()
    browser.force_login(contact)
    refused = browser.post("/accounts/api-keys/", {"name": "x", "scope": "review", "days": "10"})
    assert refused.status_code == 400
    assert 'id="id_scope_error"' in refused.content.decode()
    absurd = browser.post("/accounts/api-keys/", {"name": "x", "scope": "read", "days": "1000000000000"})
    assert absurd.status_code == 400
    assert 'id="id_days_error"' in absurd.content.decode()
    assert not ApiKey.objects.exists()


def test_every_key_ends_and_every_use_is_logged_with_its_name(contact: User, security_log: SecurityLog) -> None:
    with pytest.raises(ValidationError):
        services.api_key_issue(user=contact, actor=None, name="x", expires_at=timezone.now() + timedelta(days=400))
    key, raw = services.api_key_issue(user=contact, actor=None, name="Dashboard")
    assert key.expires_at is not None
    client = ApiClient(raw, REMOTE_ADDR="10.3.3.3")
    for _ in range(3):
        assert client.get("/api/v1/members/FR/").status_code == 200
    uses = security_log.events("api_key_used")
    assert len(uses) == 3
    assert {(u["key"], u["key_name"], u["user"], u["ip"]) for u in uses} == {
        (key.prefix, "Dashboard", contact.email, "10.3.3.3")
    }
    assert all(raw not in json.dumps(record, default=str) for record in security_log.records)
    with time_machine.travel(key.expires_at + timedelta(seconds=1)):
        assert client.get("/api/v1/members/FR/").status_code == 401
