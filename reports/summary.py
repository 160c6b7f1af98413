"""The weekly completeness summary emailed to the secretariat: who has reported, who is late.

Covers the cycles open on the day and those closed within the overdue-reminder window, which is
when the secretariat chases missing reports. Sent once a week, the row recording it taken first."""

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.languages import in_language_of
from accounts.models import User
from alliance.formats import long_date
from commitments.models import ReportingCycle
from commitments.selectors import cycle_completeness

from .labels import number
from .models import CompletenessSummarySent


def completeness_summary_text(*, today: date) -> str | None:
    """The summary's body in the active language, or None when no cycle is open or recently closed."""
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
            _("%(cycle)s (due %(day)s): %(count)s member states")
            % {"cycle": cycle.name, "day": long_date(cycle.due_on), "count": number(len(rows))},
            "  "
            + _("Submitted: %(count)s (%(on_time)s on time)")
            % {"count": number(len(submitted)), "on_time": number(sum(1 for r in submitted if not r.is_late))},
            "  "
            + _("Not submitted: %(count)s; late: %(late)s")
            % {"count": number(len(missing)), "late": number(len(late))},
            "  "
            + _("By state: %(counts)s")
            % {"counts": ", ".join(f"{state.lower()} {number(count)}" for state, count in sorted(counts.items()))},
        ]
        if missing:
            names = ", ".join(
                _("%(member)s (late)") % {"member": r.member_state.name} if r.is_late else r.member_state.name
                for r in missing
            )
            lines.append("  " + _("Not yet submitted: %(names)s") % {"names": names})
        sections.append("\n".join(lines))
    if not sections:
        return None
    return _("Reporting completeness on %(day)s") % {"day": long_date(today)} + "\n\n" + "\n\n".join(sections) + "\n"


def completeness_summary_send(*, today: date) -> int:
    """Email this week's summary to the active secretariat staff, each in their own language; return
    how many emails went."""
    staff = User.objects.filter(is_active=True, role__in=[User.Role.SECRETARIAT_REVIEWER, User.Role.SECRETARIAT_ADMIN])
    people = sorted(staff.values_list("email", "language"))
    monday = today - timedelta(days=today.weekday())
    # Written once per language the staff read (and once at least, to know whether there is a summary).
    written: dict[str, tuple[str, str]] = {}
    for language in sorted({language for _email, language in people}) or [""]:
        with in_language_of(language):
            body = completeness_summary_text(today=today)
            if body is None:
                return 0
            written[language] = (_("Reporting completeness, week of %(day)s") % {"day": long_date(monday)}, body)
    try:
        with transaction.atomic():
            CompletenessSummarySent.objects.create(week_of=monday, recipients=len(people))
    except IntegrityError:
        return 0  # this week's went already
    messages = [(*written[language], settings.DEFAULT_FROM_EMAIL, [email]) for email, language in people]
    return send_mass_mail(messages, fail_silently=False) if messages else 0
