"""The idempotency job: take nothing, call the service."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def delete_expired_idempotency_keys() -> int:
    """Every hour (the database schedule): keys older than IDEMPOTENCY_KEY_HOURS deleted."""
    return services.idempotency_keys_delete_expired()
