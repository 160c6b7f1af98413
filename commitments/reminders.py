"""Reminder emails to national contacts: some days before the due date, and while overdue.

Safe to run any number of times a day: each (member state, cycle, kind, day) is sent once, the
row recording it taken before the emails go."""

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.languages import in_language_of
from accounts.models import User
from alliance.formats import long_date

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
    people = list(
        User.objects.filter(is_active=True, role=User.Role.NATIONAL_CONTACT, member_state_id=state_id)
        .order_by("email")
        .values_list("email", "language")
    )
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                member_state_id=state_id, cycle=cycle, kind=kind, sent_on=today, recipients=len(people)
            )
    except IntegrityError:
        return 0  # already sent today
    messages = []
    for email, language in people:
        with in_language_of(language):
            words = {"state": state_name, "cycle": cycle.name, "due": long_date(due)}
            if kind == ReminderSent.Kind.DUE_SOON:
                subject = _("Reminder: %(state)s's report for %(cycle)s is due on %(due)s") % words
                body = _("%(state)s's report for %(cycle)s is due on %(due)s and has not been submitted yet.") % words
            else:
                subject = _("Overdue: %(state)s's report for %(cycle)s") % words
                body = (
                    _(
                        "%(state)s's report for %(cycle)s was due on %(due)s and has not been submitted. "
                        "Submit it, or ask the secretariat for an extension."
                    )
                    % words
                )
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [email]))
    return send_mass_mail(messages, fail_silently=False) if messages else 0
