"""Invitations, password rules, reset and change, lockout, and the ends of sessions."""

import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, User
from commitments.models import MemberState
from tests.accounts.conftest import SecurityLog, sign_in
from tests.factories import UserFactory

STRONG = "a long and unusual passphrase 42"


# --- Invitations ---------------------------------------------------------------------------------


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Send an invitation through the admin as the secretariat does; return the emailed link's path."""
    from tests.conftest import VerifiedClient

    def send(admin: User, email: str = "new.contact@ministry.example.org", language: str = "en-gb") -> str:
        client = VerifiedClient()
        client.force_login(admin)
        data = {
            "email": email,
            "full_name": "New Contact",
            "role": "national_contact",
            "member_state": MemberState.objects.get(iso_code="IE").pk,
            "language": language,
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/admin/accounts/invitation/add/", data)
        assert response.status_code == 302, response.content.decode()[:3000]
        link = re.search(r"http://testserver(/accounts/invitations/[^/\s]+/)", str(mail.outbox[-1].body))
        assert link is not None
        return link.group(1)

    return send


def test_an_invited_contact_sets_a_password_and_signs_in(
    secretariat_admin: User, invite, security_log: SecurityLog
) -> None:
    path = invite(secretariat_admin)
    assert mail.outbox[-1].to == ["new.contact@ministry.example.org"]
    assert "Ireland" in mail.outbox[-1].body
    invitation = Invitation.objects.get()
    assert path.split("/")[-2] not in invitation.token_digest  # only a digest is stored

    browser = Client()
    page = browser.get(path)
    assert page.status_code == 200
    assert "new.contact@ministry.example.org" in page.content.decode()
    done = browser.post(path, {"password1": STRONG, "password2": STRONG})
    assert done.status_code == 302
    person = User.objects.get(email="new.contact@ministry.example.org")
    assert person.member_state == MemberState.objects.get(iso_code="IE")
    assert person.role == User.Role.NATIONAL_CONTACT
    assert sign_in(Client(), person.email, STRONG)["Location"] == "/reporting/"
    assert security_log.events("invitation_accepted")


def test_an_invitation_works_once(secretariat_admin: User, invite) -> None:
    path = invite(secretariat_admin)
    Client().post(path, {"password1": STRONG, "password2": STRONG})
    again = Client().get(path)
    assert again.status_code == 410
    assert "has been used already" in again.content.decode()
    assert Client().post(path, {"password1": STRONG, "password2": STRONG}).status_code == 410
    assert User.objects.filter(email="new.contact@ministry.example.org").count() == 1


def test_an_expired_invitation_gets_a_clear_page(secretariat_admin: User, invite) -> None:
    path = invite(secretariat_admin)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = Client().get(path)
    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode()
    assert not User.objects.filter(email="new.contact@ministry.example.org").exists()


def test_an_unknown_invitation_link_is_a_404(alliance: None) -> None:
    response = Client().get("/accounts/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_inviting_an_existing_address_is_a_form_error(secretariat_admin: User, contact: User) -> None:
    from tests.conftest import VerifiedClient

    client = VerifiedClient()
    client.force_login(secretariat_admin)
    response = client.post(
        "/admin/accounts/invitation/add/",
        {"email": contact.email, "role": "national_contact", "member_state": contact.member_state_id},
    )
    assert response.status_code == 200
    assert "exists already" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_invitation_is_written_in_the_language_chosen_for_it_and_the_account_reads_in_it(
    secretariat_admin: User, invite
) -> None:
    path = invite(secretariat_admin, language="fr")
    email = mail.outbox[-1]
    assert email.subject == "Votre invitation au suivi des engagements de l'Alliance"
    assert "Vous êtes invité" in email.body
    assert "Ireland" in email.body  # the member state's name, as recorded
    token = path.rstrip("/").rsplit("/", 1)[1]
    user = services.invitation_accept(token=token, password="a long enough passphrase 42")
    assert user.language == "fr"


def test_a_secretariat_invitation_has_no_member_state(secretariat_admin: User) -> None:
    with pytest.raises(Exception, match="secretariat staff for none"):
        services.invitation_send(
            email="staff@secretariat.example.org",
            role="secretariat_reviewer",
            member_state=MemberState.objects.get(iso_code="IE"),
            full_name="",
            actor=secretariat_admin,
        )


# --- Password rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "at least 12 characters"),
        ("password1234", "too common"),
        ("123456789012345", "entirely numeric"),
    ],
)
def test_password_rules_are_applied(secretariat_admin: User, invite, password: str, message: str) -> None:
    path = invite(secretariat_admin)
    response = Client().post(path, {"password1": password, "password2": password})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(email="new.contact@ministry.example.org").exists()


def test_long_passwords_are_not_truncated(alliance: None) -> None:
    long_password = "x" * 199 + "a"
    person = UserFactory.create(email="long@example.org", password=long_password)
    assert sign_in(Client(), person.email, long_password).status_code == 302
    assert sign_in(Client(), person.email, "x" * 199 + "b").status_code == 200  # refused


# --- Reset and change ----------------------------------------------------------------------------


def test_password_reset_by_email_ends_the_old_sessions(contact: User) -> None:
    old_session = Client()
    sign_in(old_session, contact.email)
    assert old_session.get("/reporting/").status_code == 200

    browser = Client()
    assert browser.post("/accounts/password/reset/", {"email": contact.email}).status_code == 302
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", str(mail.outbox[-1].body))
    assert link is not None
    form_page = browser.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = browser.post(form_page.redirect_chain[-1][0], {"new_password1": STRONG, "new_password2": STRONG})
    assert done.status_code == 302
    assert old_session.get("/reporting/").status_code == 302  # signed out
    assert sign_in(Client(), contact.email, STRONG)["Location"] == "/reporting/"
    # The link works once.
    assert "no longer works" in Client().get(link.group(1), follow=True).content.decode()


def test_a_reset_for_an_unknown_address_says_the_same(alliance: None) -> None:
    response = Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert not mail.outbox


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(contact: User) -> None:
    here, elsewhere = Client(), Client()
    sign_in(here, contact.email)
    sign_in(elsewhere, contact.email)
    key_before = here.session.session_key
    response = here.post(
        "/accounts/password/",
        {"old_password": "correct horse battery staple", "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.status_code == 302
    assert here.get("/reporting/").status_code == 200
    assert here.session.session_key != key_before
    assert elsewhere.get("/reporting/").status_code == 302


def test_a_weak_new_password_is_a_form_error(contact: User) -> None:
    here = Client()
    sign_in(here, contact.email)
    response = here.post(
        "/accounts/password/",
        {"old_password": "correct horse battery staple", "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()


# --- Lockout -------------------------------------------------------------------------------------


def fail(client: Client, email: str, times: int) -> object:
    response = None
    for _ in range(times):
        response = sign_in(client, email, "wrong password")
    return response


def test_repeated_failures_lock_out_that_email_from_that_address(contact: User, security_log: SecurityLog) -> None:
    attacker = Client(REMOTE_ADDR="10.9.9.9")
    fail(attacker, contact.email, 4)
    locked = sign_in(attacker, contact.email, "wrong password")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Try again in 15 minutes" in html
    assert "secretariat@example.org" in html
    assert locked["Retry-After"] == "900"
    # Even the right password is refused while locked...
    assert sign_in(attacker, contact.email).status_code == 429
    # ...but the same person from another address, and another person from this one, are not locked.
    assert sign_in(Client(REMOTE_ADDR="10.1.1.1"), contact.email)["Location"] == "/reporting/"
    other = UserFactory.create(email="other@france.example.org")
    assert sign_in(attacker, other.email)["Location"] == "/reporting/"
    assert security_log.events("locked_out")
    assert len(security_log.events("sign_in_failed")) >= 5
    assert all("password" not in str(e).lower() or "wrong" not in str(e) for e in security_log.records)


def test_the_lockout_ends_after_the_cool_off(contact: User) -> None:
    attacker = Client(REMOTE_ADDR="10.9.9.9")
    fail(attacker, contact.email, 5)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert sign_in(attacker, contact.email)["Location"] == "/reporting/"


def test_a_correct_password_resets_the_count(contact: User) -> None:
    person = Client(REMOTE_ADDR="10.2.2.2")
    fail(person, contact.email, 4)
    assert sign_in(person, contact.email)["Location"] == "/reporting/"
    person.post("/accounts/logout/")
    fail(person, contact.email, 4)
    assert sign_in(person, contact.email)["Location"] == "/reporting/"


def test_the_secretariat_unlocks_an_account_in_the_admin(contact: User, secretariat_admin: User) -> None:
    from tests.conftest import VerifiedClient

    attacker = Client(REMOTE_ADDR="10.3.3.3")
    fail(attacker, contact.email, 5)
    assert sign_in(attacker, contact.email).status_code == 429
    admin = VerifiedClient()
    admin.force_login(secretariat_admin)
    attempt = AccessAttempt.objects.get(username=contact.email)
    assert admin.get("/admin/axes/accessattempt/").status_code == 200
    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert sign_in(attacker, contact.email)["Location"] == "/reporting/"


def test_a_password_change_resets_the_count(contact: User) -> None:
    attacker = Client(REMOTE_ADDR="10.4.4.4")
    fail(attacker, contact.email, 4)
    here = Client(REMOTE_ADDR="10.4.4.4")
    sign_in(here, contact.email)  # a correct password resets it too; fail again to test the change
    fail(attacker, contact.email, 4)
    services.password_changed(user=contact)
    assert not AccessAttempt.objects.filter(username=contact.email).exists()


# --- Ends of sessions ----------------------------------------------------------------------------


def test_signing_out_ends_every_session_of_the_person(contact: User) -> None:
    laptop, phone = Client(), Client()
    sign_in(laptop, contact.email)
    sign_in(phone, contact.email)
    laptop.post("/accounts/logout/")
    assert phone.get("/reporting/").status_code == 302


def test_deactivation_ends_the_sessions(contact: User, secretariat_admin: User, security_log: SecurityLog) -> None:
    from tests.conftest import VerifiedClient

    session = Client()
    sign_in(session, contact.email)
    admin = VerifiedClient()
    admin.force_login(secretariat_admin)
    response = admin.post(
        "/admin/accounts/user/", {"action": "deactivate", "_selected_action": [contact.pk], "index": 0}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert not contact.is_active
    assert session.get("/reporting/").status_code == 302
    assert sign_in(Client(), contact.email).status_code == 200  # refused
    assert security_log.events("account_deactivated")


def test_an_idle_session_expires(contact: User, security_log: SecurityLog) -> None:
    browser = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(browser, contact.email)
        clock.shift(timedelta(minutes=29))
        assert browser.get("/reporting/").status_code == 200
        clock.shift(timedelta(minutes=29))
        assert browser.get("/reporting/").status_code == 200  # activity keeps it alive
        clock.shift(timedelta(minutes=31))
        response = browser.get("/reporting/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert security_log.events("session_expired")[-1]["reason"] == "idle"


def test_a_session_ends_twelve_hours_after_sign_in_whatever_the_activity(contact: User) -> None:
    browser = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(browser, contact.email)
        for _ in range(24):  # active every 25 minutes for 10 hours
            clock.shift(timedelta(minutes=25))
            assert browser.get("/reporting/").status_code == 200
        clock.shift(timedelta(hours=2, minutes=1))
        assert browser.get("/reporting/").status_code == 302
