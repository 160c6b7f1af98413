"""The outbox (jobs.outbox): a job asked for by a write is kept in PostgreSQL with it, sent once it
commits, and, while the broker is down, kept until the relay can send it; a write never waits long
for a broker that does not answer."""

import base64
import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import LazySettings
from django.db import transaction

from alliance.celery import app
from commitments.tasks import notify_submission_event
from jobs import outbox
from jobs.models import OutboxMessage
from tests.redis_server import RedisServer, hung_server


@pytest.fixture(autouse=True)
def broker_state(monkeypatch: pytest.MonkeyPatch, settings: LazySettings) -> None:
    """This process's view of the broker starts afresh, and is tried again at once."""
    # Celery reads its configuration from the settings once, when first asked: before these tests
    # change them, so that the rest of the run keeps the real broker.
    assert app.conf.broker_url
    monkeypatch.setattr(outbox, "broker", outbox._Broker())
    settings.OUTBOX_RETRY_SECONDS = 0


@pytest.fixture
def redis_broker(settings: LazySettings) -> Iterator[RedisServer]:
    server = RedisServer()
    settings.CELERY_BROKER_URL = server.url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    yield server
    server.close()


def queued(server: RedisServer, queue: str) -> list[dict[str, Any]]:
    messages = [json.loads(raw) for raw in server.client().lrange(queue, 0, -1)]
    return [{**m["headers"], "body": json.loads(base64.b64decode(m["body"]))} for m in messages]


def ask(*args: Any, task_id: str | None = None) -> OutboxMessage:
    """A write's transaction asking for a notification, committed (its callbacks run)."""
    with transaction.atomic():
        return outbox.send(notify_submission_event, *args, task_id=task_id)


def test_a_job_asked_for_while_the_broker_is_down_waits_and_goes_once_when_it_is_back(
    db: None, redis_broker: RedisServer, settings: LazySettings, django_capture_on_commit_callbacks: Any
) -> None:
    redis_broker.stop(keep=False)
    with django_capture_on_commit_callbacks(execute=True):
        message = ask(7, "submitted", task_id="notify-7")
    message.refresh_from_db()
    assert message.sent_at is None
    assert message.attempts == 1
    assert "Connection refused" in message.last_error
    assert outbox.waiting_count() == 1

    redis_broker.start()
    assert outbox.relay() == 1
    message.refresh_from_db()
    assert message.sent_at is not None
    assert outbox.relay() == 0  # sent once, not again
    [sent] = queued(redis_broker, settings.CELERY_TASK_DEFAULT_QUEUE)
    assert sent["task"] == "commitments.tasks.notify_submission_event"
    assert sent["id"] == "notify-7"
    assert sent["body"][0] == [7, "submitted"]


def test_a_job_is_sent_when_its_write_commits(
    db: None, redis_broker: RedisServer, settings: LazySettings, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = ask(8, "accepted")
    message.refresh_from_db()
    assert message.sent_at is not None
    assert message.attempts == 0
    assert [m["id"] for m in queued(redis_broker, settings.CELERY_TASK_DEFAULT_QUEUE)] == [message.task_id]


def test_a_rolled_back_write_asks_for_nothing(db: None, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as callbacks, contextlib.suppress(RuntimeError), transaction.atomic():
        outbox.send(notify_submission_event, 9, "returned")
        raise RuntimeError("the write failed")
    assert callbacks == []
    assert not OutboxMessage.objects.exists()


def test_a_hung_broker_delays_a_write_by_the_publish_timeout_at_most(
    db: None, settings: LazySettings, django_capture_on_commit_callbacks: Any
) -> None:
    settings.OUTBOX_PUBLISH_TIMEOUT = 0.3
    settings.OUTBOX_RETRY_SECONDS = 60
    with hung_server() as url:
        settings.CELERY_BROKER_URL = url
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            first = ask(10, "submitted")
        assert time.monotonic() - started < 1.5  # kombu alone waits for ever
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            second = ask(11, "submitted")
        assert time.monotonic() - started < 0.1  # not tried again before OUTBOX_RETRY_SECONDS
    assert [m.attempts for m in OutboxMessage.objects.filter(pk__in=[first.pk, second.pk])] == [1, 0]
    assert outbox.waiting_count() == 2
