"""Emails about the reporting workflow: who is told what."""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.languages import in_language_of
from accounts.models import User

from .models import Submission

SUBJECTS = {
    "submitted": _("%(state)s submitted its report for %(cycle)s"),
    "returned": _("Your report for %(cycle)s was returned for changes"),
    "accepted": _("Your report for %(cycle)s was accepted"),
}
BODIES = {
    "submitted": _("%(state)s submitted its report for %(cycle)s (round %(round)s). It is waiting for review."),
    "returned": _(
        "The secretariat returned %(state)s's report for %(cycle)s with comments on the updates to change. "
        "Open the report to see the comments, change those updates and submit again."
    ),
    "accepted": _("The secretariat accepted %(state)s's report for %(cycle)s. Thank you."),
}


def recipients(submission: Submission, event: str) -> list[tuple[str, str]]:
    """Who is told, with the language each chose (blank: the tracker's default)."""
    people = User.objects.filter(is_active=True)
    if event == "submitted":
        people = people.filter(Q(role=User.Role.SECRETARIAT_REVIEWER) | Q(role=User.Role.SECRETARIAT_ADMIN))
    else:
        people = people.filter(role=User.Role.NATIONAL_CONTACT, member_state_id=submission.member_state_id)
    return list(people.order_by("email").values_list("email", "language"))


def send_submission_notification(submission: Submission, event: str) -> int:
    if event not in SUBJECTS:
        raise ValueError(f"Unknown notification event: {event}")
    context = {"state": submission.member_state.name, "cycle": submission.cycle.name, "round": submission.round}
    messages = []
    # One message per person, so that no one sees the others' addresses; each in their language.
    for email, language in recipients(submission, event):
        with in_language_of(language):
            messages.append(
                (str(SUBJECTS[event] % context), str(BODIES[event] % context), settings.DEFAULT_FROM_EMAIL, [email])
            )
    return send_mass_mail(messages, fail_silently=False) if messages else 0
