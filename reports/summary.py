"""The weekly completeness summary emailed to the secretariat: who has reported, who is late.

Covers the cycles open on the day and those closed within the overdue-reminder window, which is
when the secretariat chases missing reports. Sent once a week, the row recording it taken first."""

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction

from accounts.models import User
from commitments.models import ReportingCycle
from commitments.selectors import cycle_completeness

from .models import CompletenessSummarySent


def completeness_summary_text(*, today: date) -> str | None:
    """The summary's body, or None when no cycle is open or recently closed."""
    recent = today - timedelta(days=settings.REMINDER_OVERDUE_STOP_DAYS)
    cycles = ReportingCycle.objects.filter(opens_on__lte=today, due_on__gte=recent).order_by("due_on")
    sections = []
    for cycle in cycles:
        rows = cycle_completeness(cycle=cycle, today=today)
        submitted = [r for r in rows if r.submission is not None and r.submission.first_submitted_at is not None]
        missing = [r for r in rows if r not in submitted]
        late = [r for r in rows if r.is_late]
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.standing.label] = counts.get(row.standing.label, 0) + 1
        lines = [
            f"{cycle.name} (due {cycle.due_on:%d %B %Y}): {len(rows)} member states",
            f"  Submitted: {len(submitted)} ({sum(1 for r in submitted if not r.is_late)} on time)",
            f"  Not submitted: {len(missing)}; late: {len(late)}",
            "  By state: " + ", ".join(f"{state.lower()} {count}" for state, count in sorted(counts.items())),
        ]
        if missing:
            names = ", ".join(r.member_state.name + (" (late)" if r.is_late else "") for r in missing)
            lines.append(f"  Not yet submitted: {names}")
        sections.append("\n".join(lines))
    if not sections:
        return None
    return f"Reporting completeness on {today:%d %B %Y}\n\n" + "\n\n".join(sections) + "\n"


def completeness_summary_send(*, today: date) -> int:
    """Email this week's summary to the active secretariat staff; return how many emails went."""
    body = completeness_summary_text(today=today)
    if body is None:
        return 0
    staff = User.objects.filter(is_active=True, role__in=[User.Role.SECRETARIAT_REVIEWER, User.Role.SECRETARIAT_ADMIN])
    emails = sorted(staff.values_list("email", flat=True))
    monday = today - timedelta(days=today.weekday())
    try:
        with transaction.atomic():
            CompletenessSummarySent.objects.create(week_of=monday, recipients=len(emails))
    except IntegrityError:
        return 0  # this week's went already
    subject = f"Reporting completeness, week of {monday:%d %B %Y}"
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in emails]
    return send_mass_mail(messages, fail_silently=False) if messages else 0
