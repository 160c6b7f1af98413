"""Emails about the reporting workflow: who is told what."""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import Q

from accounts.models import User

from .models import Submission

SUBJECTS = {
    "submitted": "{state} submitted its report for {cycle}",
    "returned": "Your report for {cycle} was returned for changes",
    "accepted": "Your report for {cycle} was accepted",
}
BODIES = {
    "submitted": "{state} submitted its report for {cycle} (round {round}). It is waiting for review.",
    "returned": (
        "The secretariat returned {state}'s report for {cycle} with comments on the updates to change. "
        "Open the report to see the comments, change those updates and submit again."
    ),
    "accepted": "The secretariat accepted {state}'s report for {cycle}. Thank you.",
}


def recipients(submission: Submission, event: str) -> list[str]:
    people = User.objects.filter(is_active=True)
    if event == "submitted":
        people = people.filter(Q(role=User.Role.SECRETARIAT_REVIEWER) | Q(role=User.Role.SECRETARIAT_ADMIN))
    else:
        people = people.filter(role=User.Role.NATIONAL_CONTACT, member_state_id=submission.member_state_id)
    return sorted(people.values_list("email", flat=True))


def send_submission_notification(submission: Submission, event: str) -> int:
    if event not in SUBJECTS:
        raise ValueError(f"Unknown notification event: {event}")
    context = {"state": submission.member_state.name, "cycle": submission.cycle.name, "round": submission.round}
    subject = SUBJECTS[event].format(**context)
    body = BODIES[event].format(**context)
    # One message per person, so that no one sees the others' addresses.
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in recipients(submission, event)]
    return send_mass_mail(messages, fail_silently=False) if messages else 0
