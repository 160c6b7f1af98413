"""Reminder emails: to the right contacts, on the right days, once a day (the date is controlled)."""

from datetime import timedelta

import time_machine
from django.core import mail
from django_celery_beat.models import PeriodicTask

from accounts.models import User
from commitments import services
from commitments.models import ReminderSent, ReportingCycle, Submission
from commitments.reminders import reminders_send
from commitments.tasks import send_reminders
from tests.conftest import fill_all


def recipients() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def test_contacts_of_members_that_have_not_submitted_are_reminded_fourteen_days_before(
    contact: User, colleague: User, foreign_contact: User, cycle: ReportingCycle, submitted: Submission
) -> None:
    day = cycle.due_on - timedelta(days=14)
    sent = reminders_send(today=day)
    # France submitted; Germany has not started: only Germany's contacts are told.
    assert foreign_contact.email in recipients()
    assert contact.email not in recipients()
    assert colleague.email not in recipients()
    assert sent == len(mail.outbox) == 1
    assert "is due on" in mail.outbox[0].subject
    assert ReminderSent.objects.get(member_state__iso_code="DE").kind == "due_soon"
    assert not ReminderSent.objects.filter(member_state__iso_code="FR").exists()


def test_no_reminder_on_other_days(foreign_contact: User, cycle: ReportingCycle) -> None:
    for offset in (15, 13, 1, 0):
        reminders_send(today=cycle.due_on - timedelta(days=offset))
    assert not mail.outbox


def test_overdue_reminders_the_day_after_and_then_weekly(
    contact: User, draft: Submission, cycle: ReportingCycle
) -> None:
    for offset in range(1, 16):
        reminders_send(today=cycle.due_on + timedelta(days=offset))
    overdue_to_france = [m for m in mail.outbox if contact.email in m.to]
    assert [m.subject.startswith("Overdue") for m in overdue_to_france] == [True, True, True]  # days 1, 8, 15
    fill_all(draft, contact)
    services.submission_submit(submission=draft, actor=contact)
    mail.outbox.clear()
    reminders_send(today=cycle.due_on + timedelta(days=22))
    assert contact.email not in recipients()


def test_an_extension_moves_the_reminders(
    contact: User, secretariat_admin: User, draft: Submission, cycle: ReportingCycle
) -> None:
    services.submission_grant_extension(
        submission=draft, actor=secretariat_admin, due_on=cycle.due_on + timedelta(days=30)
    )
    reminders_send(today=cycle.due_on + timedelta(days=1))
    assert contact.email not in recipients()
    reminders_send(today=cycle.due_on + timedelta(days=16))  # 14 days before the new date
    assert contact.email in recipients()


def test_running_twice_a_day_sends_once(foreign_contact: User, cycle: ReportingCycle) -> None:
    day = cycle.due_on - timedelta(days=14)
    reminders_send(today=day)
    reminders_send(today=day)
    assert len([m for m in mail.outbox if foreign_contact.email in m.to]) == 1


def test_the_daily_job_uses_todays_date_and_is_in_the_schedule(foreign_contact: User, cycle: ReportingCycle) -> None:
    with time_machine.travel(cycle.due_on - timedelta(days=14)):
        send_reminders()
    assert foreign_contact.email in recipients()
    task = PeriodicTask.objects.get(task="commitments.tasks.send_reminders")
    assert task.enabled
    assert task.crontab.hour == "7"


def test_long_overdue_cycles_send_nothing(contact: User, cycle: ReportingCycle) -> None:
    # The reference "Initial report" (due 1 April 2013) is years overdue for everyone.
    reminders_send(today=cycle.due_on - timedelta(days=14))
    assert not ReminderSent.objects.exclude(cycle=cycle).exists()
    reminders_send(today=cycle.due_on + timedelta(days=92))  # overdue on a weekly day, but past 90 days
    assert not ReminderSent.objects.filter(kind="overdue").exists()
