"""`manage.py seed_demo`: demo accounts and data for `make run`, never in production."""

from datetime import date

import pytest
from django.conf import LazySettings
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from commitments.demo import seed_demo
from commitments.models import Commitment, MemberState, ReportingCycle, Submission, SubmissionSnapshot


def test_seed_demo_is_refused_when_debug_is_off(alliance: None, settings: LazySettings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="runs only with DEBUG on"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_the_secretariat_and_one_contact_per_member(alliance: None, settings: LazySettings) -> None:
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "a-demo-password-for-tests"
    call_command("seed_demo", stdout=None)
    secretariat = User.objects.get(email="secretariat@example.org")
    assert secretariat.is_secretariat
    assert secretariat.is_staff
    assert User.objects.filter(role=User.Role.NATIONAL_CONTACT).count() == 54
    kosovo = User.objects.get(email="contact.xk@example.org")
    assert kosovo.member_state == MemberState.objects.get(iso_code="XK")
    assert kosovo.check_password("a-demo-password-for-tests")
    assert secretariat.check_password("a-demo-password-for-tests")
    assert TOTPDevice.objects.filter(user=secretariat, confirmed=True).exists()


def test_demo_data_is_marked_and_consistent(alliance: None) -> None:
    seed_demo(password="a-demo-password-for-tests", today=date(2026, 11, 25))
    commitments = Commitment.objects.all()
    assert commitments.count() == 54 * 3
    assert not commitments.filter(is_demo=False).exists()
    for commitment in commitments.select_related("goal", "target"):
        commitment.full_clean()
    yearly = ReportingCycle.objects.filter(is_demo=True).order_by("due_on")
    assert yearly.first().due_on == date(2014, 4, 1)  # type: ignore[union-attr]
    assert yearly.last().is_open_on(date(2026, 11, 25))  # type: ignore[union-attr]
    initial = ReportingCycle.objects.get(is_demo=False)
    assert initial.due_on == date(2013, 4, 1)


def test_seed_demo_twice_creates_nothing_new(alliance: None) -> None:
    seed_demo(password="a-demo-password-for-tests", today=date(2026, 11, 25))
    again = seed_demo(password="a-demo-password-for-tests", today=date(2026, 11, 25))
    assert (again.users_created, again.commitments_created, again.cycles_created) == (0, 0, 0)
    assert User.objects.count() == 56


def test_a_new_demo_password_applies_to_existing_accounts(alliance: None) -> None:
    seed_demo(password="the-first-demo-password", today=date(2026, 11, 25))
    seed_demo(password="the-second-demo-password", today=date(2026, 11, 25))
    assert User.objects.get(email="contact.fr@example.org").check_password("the-second-demo-password")


def test_demo_submissions_show_every_state_of_the_workflow(alliance: None) -> None:
    today = date(2026, 11, 25)
    seed_demo(password="a-demo-password-for-tests", today=today)
    submissions = Submission.objects.select_related("cycle")
    states = {s.status for s in submissions}
    assert states == {"draft", "submitted", "returned", "accepted"}
    assert sum(1 for s in submissions if s.is_late_on(today)) >= 5
    assert submissions.values("member_state").distinct().count() >= 45
    for status in states:
        assert submissions.filter(status=status).values("member_state").distinct().count() >= 5, status
    returned = submissions.filter(status="returned").first()
    assert returned is not None
    assert returned.updates.filter(needs_revision=True, comments__isnull=False).exists()
    # Accepted reports of the previous cycle give the reviewer something to compare with.
    assert SubmissionSnapshot.objects.filter(event="accepted").count() >= 40
