"""Webhook jobs: take ids, call the services."""

from typing import Any

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver_webhook(self: Any, delivery_id: int) -> str:
    """One attempt at a delivery, and the next one queued with backoff while attempts remain.
    Attempts are counted on the delivery (WEBHOOK_MAX_ATTEMPTS), not by Celery's retries: a
    delivery queued again by the sweep keeps its count."""
    attempt = services.webhook_delivery_attempt(delivery_id=delivery_id)
    if attempt.retry_in is not None:
        raise self.retry(countdown=attempt.retry_in)
    return attempt.status


@shared_task(acks_late=True, reject_on_worker_lost=True)
def resume_stalled_deliveries() -> int:
    """Every minute (the database schedule): deliveries whose job was lost are queued again."""
    return services.webhook_deliveries_resume()
