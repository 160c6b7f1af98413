"""The relay as a periodic job (beat): what waited while Redis was away, sent and forgotten."""

from celery import shared_task

from alliance.cache import forget_stale_keys

from . import outbox


@shared_task(acks_late=True, ignore_result=True)
def relay_outbox() -> int:
    """Every 30 s (the database schedule): cache keys missed during an outage deleted (a web
    process that never saw the outage would otherwise read them), waiting messages sent, and sent
    ones pruned after OUTBOX_KEEP_DAYS."""
    forget_stale_keys()
    sent = outbox.relay()
    outbox.prune()
    return sent
