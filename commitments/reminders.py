"""Reminder emails to national contacts: some days before the due date, and while overdue.

Safe to run any number of times a day: each (member state, cycle, kind, day) is sent once, the
row recording it taken before the emails go."""

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction

from accounts.models import User

from .models import ReminderSent, ReportingCycle, Submission
from .selectors import member_states_on


def _kind_on(day: date, due: date) -> str | None:
    if day == due - timedelta(days=settings.REMINDER_DAYS_BEFORE):
        return ReminderSent.Kind.DUE_SOON
    overdue_by = (day - due).days
    if overdue_by >= 1 and (overdue_by - 1) % settings.REMINDER_OVERDUE_EVERY_DAYS == 0:
        return ReminderSent.Kind.OVERDUE
    return None


def reminders_send(*, today: date) -> int:
    """Send today's reminders for the cycles that are open or recently overdue; return how many
    emails went. Cycles overdue for longer than REMINDER_OVERDUE_STOP_DAYS are left alone."""
    sent = 0
    recent = today - timedelta(days=settings.REMINDER_OVERDUE_STOP_DAYS)
    for cycle in ReportingCycle.objects.filter(opens_on__lte=today, due_on__gte=recent - timedelta(days=366)):
        submissions = {s.member_state_id: s for s in Submission.objects.filter(cycle=cycle).select_related("cycle")}
        for state in member_states_on(day=cycle.due_on):
            submission = submissions.get(state.pk)
            if submission is not None and submission.first_submitted_at is not None:
                continue  # submitted: nothing to remind
            due = submission.due_on if submission else cycle.due_on
            if due < recent:
                continue  # long overdue: the secretariat follows it up, not the mailer
            kind = _kind_on(today, due)
            if kind is None:
                continue
            sent += _send(state_id=state.pk, state_name=state.name, cycle=cycle, kind=kind, due=due, today=today)
    return sent


def _send(*, state_id: int, state_name: str, cycle: ReportingCycle, kind: str, due: date, today: date) -> int:
    emails = sorted(
        User.objects.filter(is_active=True, role=User.Role.NATIONAL_CONTACT, member_state_id=state_id).values_list(
            "email", flat=True
        )
    )
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                member_state_id=state_id, cycle=cycle, kind=kind, sent_on=today, recipients=len(emails)
            )
    except IntegrityError:
        return 0  # already sent today
    if kind == ReminderSent.Kind.DUE_SOON:
        subject = f"Reminder: {state_name}'s report for {cycle.name} is due on {due:%d %B %Y}"
        body = f"{state_name}'s report for {cycle.name} is due on {due:%d %B %Y} and has not been submitted yet."
    else:
        subject = f"Overdue: {state_name}'s report for {cycle.name}"
        body = (
            f"{state_name}'s report for {cycle.name} was due on {due:%d %B %Y} and has not been submitted. "
            "Submit it, or ask the secretariat for an extension."
        )
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in emails]
    return send_mass_mail(messages, fail_silently=False) if messages else 0
