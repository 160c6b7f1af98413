"""Celery jobs of the reporting workflow. Thin: load by id, call the domain code."""

from celery import shared_task

from .models import Submission
from .notifications import send_submission_notification


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def notify_submission_event(self, submission_id: int, event: str) -> int:  # type: ignore[no-untyped-def]
    submission = Submission.objects.select_related("member_state", "cycle").filter(pk=submission_id).first()
    if submission is None:
        return 0
    try:
        return send_submission_notification(submission, event)
    except OSError as error:  # The mail server is unreachable: try again later.
        raise self.retry(exc=error) from error


@shared_task(acks_late=True)
def send_reminders() -> int:
    """Daily (see the beat schedule): today's reminder emails."""
    from django.utils import timezone

    from .reminders import reminders_send

    return reminders_send(today=timezone.localdate())
