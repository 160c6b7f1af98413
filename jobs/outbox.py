"""The outbox: Celery tasks asked for by writes, kept in PostgreSQL until the broker takes them.

`send()` writes the message in the caller's transaction and tries the broker once that commits.
Written first, sent after: a message exists exactly when its write does (a rolled-back write
sends nothing), and one whose sending failed, or whose process died between the commit and the
send, is still there for the relay. The price is "at least once": a process that dies after the
broker took a message but before it marked it sent makes the relay send it again, under the same
task id; the tasks sent this way are safe to run twice (see docs/architecture.md).

The relay sends what waits: at worker start (`worker_ready`: the broker is up), from beat every
30 s (the relay_outbox task), and from a web process after a request once its own wait after a
failure is over, so that what it could not send goes as soon as the broker is back."""

import logging
import threading
import time
import uuid
from datetime import timedelta
from functools import partial
from typing import Any

from celery import Task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from alliance.celery import app

from .models import OutboxMessage

logger = logging.getLogger(__name__)

BATCH = 100
# The broker's own errors (connection refused, timeouts, lost connections) come as kombu's
# OperationalError; OSError for sockets that fail before kombu wraps them.
BROKER_ERRORS = (OperationalError, OSError)


class _Broker:
    """What this process knows of the broker: when to try it again after a failure, and whether it
    left messages waiting (which the relay after a request then sends)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.retry_at = 0.0
        self.down_since: float | None = None
        self.waiting = False

    def usable(self) -> bool:
        return time.monotonic() >= self.retry_at

    def failed(self, error: BaseException) -> None:
        with self.lock:
            self.retry_at = time.monotonic() + settings.OUTBOX_RETRY_SECONDS
            self.waiting = True
            if self.down_since is None:
                self.down_since = time.monotonic()
                # Once per outage: every request would otherwise log the same failure.
                logger.warning(
                    "Broker unreachable (%s): jobs wait in the outbox; trying again every %s s",
                    error,
                    settings.OUTBOX_RETRY_SECONDS,
                )

    def worked(self) -> None:
        with self.lock:
            if self.down_since is not None:
                logger.warning("Broker reachable again after %.0f s", time.monotonic() - self.down_since)
            self.down_since = None
            self.retry_at = 0.0


broker = _Broker()


def send(task: "Task[Any, Any]", *args: Any, task_id: str | None = None, **kwargs: Any) -> OutboxMessage:
    """Queue `task(*args, **kwargs)` once the current transaction commits (at once outside one).

    Arguments must be JSON (the broker's serializer is JSON anyway). A fixed `task_id` names the
    work, so that a message sent again is recognisable in the logs and the broker."""
    message = OutboxMessage.objects.create(
        task=task.name, args=list(args), kwargs=kwargs, task_id=task_id or str(uuid.uuid4())
    )
    # Robust: a failure here is logged, never turned into an error of the write that committed.
    transaction.on_commit(partial(deliver, [message.pk]), robust=True)
    return message


def _connection() -> Any:
    """A connection of its own, failing within about OUTBOX_PUBLISH_TIMEOUT seconds: kombu's
    defaults retry and wait for a minute or more, and wait for ever on a server that accepts the
    connection but no longer answers."""
    timeout = settings.OUTBOX_PUBLISH_TIMEOUT
    options = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        "max_retries": 0,
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
    }
    return app.connection_for_write(settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=options)


def deliver(ids: list[int] | None = None) -> int:
    """Send waiting messages (those of `ids`, or the oldest BATCH) to the broker; how many it took.

    Each message is locked while it is sent (the web after a commit and a relay never send the same
    one at once) and marked sent in the same transaction. What the broker refuses stays waiting."""
    if not broker.usable():
        broker.waiting = True
        return 0
    with transaction.atomic():
        waiting = OutboxMessage.objects.select_for_update(skip_locked=True).filter(sent_at=None)
        if ids is not None:
            waiting = waiting.filter(pk__in=ids)
        messages = list(waiting.order_by("pk")[:BATCH])
        if not messages:
            return 0
        sent = _publish(messages)
        OutboxMessage.objects.bulk_update(messages, ["sent_at", "attempts", "last_error"])
    return sent


def _publish(messages: list[OutboxMessage]) -> int:
    sent = 0
    refused: set[int] = set()
    try:
        with _connection() as connection:
            for message in messages:
                try:
                    app.send_task(
                        message.task,
                        args=message.args,
                        kwargs=message.kwargs,
                        task_id=message.task_id,
                        connection=connection,
                        retry=False,
                        add_to_parent=False,  # sent for a write, not as a subtask of a running relay
                    )
                except BROKER_ERRORS:
                    raise
                except Exception as error:
                    # This message alone (it cannot be encoded, say): the others still go.
                    logger.exception("Outbox message %s not sent", message.pk)
                    refused.add(message.pk)
                    message.attempts += 1
                    message.last_error = f"{type(error).__name__}: {error}"[:2000]
                else:
                    message.sent_at = timezone.now()
                    sent += 1
    except BROKER_ERRORS as error:
        broker.failed(error)
        for message in messages:
            if message.sent_at is None and message.pk not in refused:
                message.attempts += 1
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
        return sent
    broker.worked()
    return sent


def relay() -> int:
    """Send every waiting message, oldest first, while the broker takes them; how many were sent."""
    total = 0
    while True:
        sent = deliver()
        total += sent
        if sent < BATCH:
            break
    # Only this process's own wait after a failure keeps the web relay on; a relay that got through
    # found whatever there was.
    broker.waiting = not broker.usable()
    return total


def waiting_count() -> int:
    return OutboxMessage.objects.filter(sent_at=None).count()


def prune() -> int:
    """Forget messages sent more than OUTBOX_KEEP_DAYS ago (kept that long to look into)."""
    before = timezone.now() - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=before).delete()
    return deleted


def relay_after_request(**_: Any) -> None:
    """request_finished: the response has gone; if this process left messages waiting and its wait
    after the failure is over, try the broker again now."""
    if not (broker.waiting and broker.usable()):
        return
    try:
        relay()
    except Exception:
        logger.exception("Outbox relay after a request failed")


def relay_at_worker_start(**_: Any) -> None:
    """worker_ready: the worker has just reached the broker; what waited goes to it first."""
    from django.db import close_old_connections

    try:
        sent = relay()
        if sent:
            logger.info("Outbox: %s waiting job(s) sent at worker start", sent)
    except Exception:
        logger.exception("Outbox relay at worker start failed")
    finally:
        close_old_connections()
