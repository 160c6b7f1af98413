"""The second factor: enrolment, sign-in with a code or a recovery code, no replay, enforcement."""

import re
from collections.abc import Sequence

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from commitments.models import HistoryEntry, Submission
from tests.accounts.conftest import SecurityLog, sign_in
from tests.conftest import current_code
from tests.factories import UserFactory


def code_for(device: TOTPDevice) -> str:
    return current_code(device)


def test_a_secretariat_member_without_an_authenticator_is_sent_to_enrol(
    browser_client: Client, alliance: None, security_log: SecurityLog
) -> None:
    person = UserFactory.create(
        email="new@secretariat.example.org", role=User.Role.SECRETARIAT_REVIEWER, member_state=None
    )
    response = sign_in(browser_client, person.email)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")
    # Until enrolled, nothing but the enrolment is reachable.
    assert browser_client.get("/review/")["Location"].startswith("/accounts/two-factor/")

    page = browser_client.get("/accounts/two-factor/")
    html = page.content.decode()
    assert "<svg" in html
    key = re.search(r'<code class="key">([A-Z2-7 ]+)</code>', html)
    assert key is not None
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    session_before = browser_client.session.session_key

    wrong = browser_client.post("/accounts/two-factor/", {"token": "000000"})
    assert wrong.status_code == 400
    assert "That code does not match" in wrong.content.decode()

    done = browser_client.post("/accounts/two-factor/", {"token": code_for(device)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert browser_client.session.session_key != session_before
    assert browser_client.get("/review/").status_code == 200
    assert security_log.events("second_factor_enrolled")


def test_sign_in_with_a_code_changes_the_session_id_twice(
    browser_client: Client, reviewer: User, security_log: SecurityLog
) -> None:
    browser_client.get("/accounts/login/")
    anonymous_key = browser_client.cookies.get("sessionid")
    response = sign_in(browser_client, reviewer.email)
    assert response["Location"].startswith("/accounts/verify/")
    after_password = browser_client.session.session_key
    assert anonymous_key is None or anonymous_key.value != after_password
    assert browser_client.get("/review/").status_code == 302  # password only: not yet

    device = TOTPDevice.objects.get(user=reviewer)
    verified = browser_client.post("/accounts/verify/", {"token": code_for(device), "next": "/review/"})
    assert verified.status_code == 302
    assert verified["Location"] == "/review/"
    assert browser_client.session.session_key != after_password
    assert browser_client.get("/review/").status_code == 200
    assert [e["factor"] for e in security_log.events("second_factor_verified")] == ["authenticator"]


def test_a_used_code_cannot_be_replayed(reviewer: User) -> None:
    device = TOTPDevice.objects.get(user=reviewer)
    code = code_for(device)
    first, second = Client(), Client()
    sign_in(first, reviewer.email)
    assert first.post("/accounts/verify/", {"token": code})["Location"] == "/reporting/"
    sign_in(second, reviewer.email)
    replay = second.post("/accounts/verify/", {"token": code})
    assert replay.status_code == 400
    assert "has been used already" in replay.content.decode()
    assert second.get("/review/").status_code == 302


def test_a_recovery_code_works_once(reviewer: User, client: Client, security_log: SecurityLog) -> None:
    client.force_login(reviewer)
    codes = re.findall(
        r"<li><code>([a-z0-9]+)</code></li>", client.post("/accounts/two-factor/recovery-codes").content.decode()
    )
    assert len(codes) == 10
    client.post("/accounts/logout/")

    browser = Client()
    sign_in(browser, reviewer.email)
    used = browser.post("/accounts/verify/", {"token": codes[0]})
    assert used.status_code == 302
    assert browser.get("/review/").status_code == 200
    assert security_log.events("second_factor_verified")[-1]["factor"] == "recovery code"
    assert not StaticToken.objects.filter(token=codes[0]).exists()

    again = Client()
    sign_in(again, reviewer.email)
    assert again.post("/accounts/verify/", {"token": codes[0]}).status_code == 400


def test_a_contact_may_turn_on_the_second_factor_and_is_then_asked_for_it(contact: User, alliance: None) -> None:
    browser = Client()
    assert sign_in(browser, contact.email)["Location"] == "/reporting/"  # not required for contacts
    assert browser.get("/accounts/").status_code == 200
    browser.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=contact, confirmed=False)
    assert browser.post("/accounts/two-factor/", {"token": code_for(device)}).status_code == 200
    browser.post("/accounts/logout/")

    later = Client()
    assert sign_in(later, contact.email)["Location"].startswith("/accounts/verify/")
    assert later.get("/reporting/").status_code == 302


def _all_url_patterns(patterns: Sequence[object], prefix: str = "") -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _all_url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append((prefix + str(pattern.pattern), pattern))
    return found


def _concrete(route: str) -> str:
    """A URL matching the route, with sample values for its parameters."""
    path = re.sub(r"<(?:int:)?\w+>", "1", route)
    path = re.sub(r"<(?:str|slug|path|uuid):\w+>", "x", path)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    return "/" + path.lstrip("^").rstrip("$").replace("\\", "")


# The sign-in steps, and what any browser may ask before them (its session's state, the icon).
SIGN_IN_STEPS = {
    "accounts:login",
    "accounts:logout",
    "accounts:verify",
    "accounts:two_factor_setup",
    "accounts:session",
    "accounts:language",  # the language of the sign-in steps themselves (a cookie; the account waits)
    "healthz",
    "favicon",
}


def test_a_password_only_secretariat_session_reaches_no_page_and_no_action(
    reviewer: User, submitted: Submission, security_log: SecurityLog
) -> None:
    """Walk every URL the resolver knows, GET and POST, with a password-only secretariat session."""
    browser = Client()
    sign_in(browser, reviewer.email)
    rows_before = (Submission.objects.count(), HistoryEntry.objects.count(), list(Submission.objects.values()))
    walked = 0
    for route, pattern in _all_url_patterns(get_resolver().url_patterns):
        name = f"{pattern.name}"
        if any(name == step.split(":")[-1] for step in SIGN_IN_STEPS) or "static" in route:
            continue
        url = _concrete(route)
        for method in ("get", "post"):
            response = getattr(browser, method)(url)
            walked += 1
            assert response.status_code in (302, 403), f"{method.upper()} {url}: {response.status_code}"
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/verify/"), f"{method.upper()} {url}"
    assert walked > 100  # the reporting pages and the whole administration
    assert (Submission.objects.count(), HistoryEntry.objects.count(), list(Submission.objects.values())) == rows_before
    refused = [e for e in security_log.events("access_refused") if e.get("reason") == "second factor not given"]
    assert len(refused) == walked
