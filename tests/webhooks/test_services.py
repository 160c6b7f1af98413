"""Webhook events recorded by the services, endpoints validated, and the delivery job's attempts,
run in this process against a local receiver."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from commitments.models import HistoryEntry, Submission
from commitments.services import submission_accept, submission_submit
from jobs.models import OutboxMessage
from tests.conftest import fill_all
from tests.webhooks.conftest import ALL_EVENTS, Receiver, endpoint_for
from webhooks import signing, targets
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import (
    STALLED_AFTER,
    WebhookError,
    webhook_deliveries_resume,
    webhook_delivery_attempt,
    webhook_endpoint_create,
    webhook_endpoint_roll_secret,
    webhook_endpoint_update,
    webhook_ping,
    webhook_redeliver,
)

TASK = "webhooks.tasks.deliver_webhook"
pytestmark = pytest.mark.usefixtures("local_targets")


def _queued() -> list[int]:
    return [message.args[0] for message in OutboxMessage.objects.filter(task=TASK).order_by("pk")]


# --- Events ------------------------------------------------------------------------------------


def test_a_submission_event_makes_one_queued_delivery_per_subscribed_active_endpoint(
    receiver: Receiver, webhook_admin: User, draft: Submission, contact: User
) -> None:
    everything = endpoint_for(receiver, webhook_admin)
    reports_only = endpoint_for(receiver, webhook_admin, ["report.published"])
    inactive = endpoint_for(receiver, webhook_admin, is_active=False)
    fill_all(draft, contact)
    submission_submit(submission=draft, actor=contact)

    [delivery] = WebhookDelivery.objects.all()
    assert delivery.endpoint == everything
    assert delivery.event == "submission.submitted"
    assert _queued() == [delivery.pk]
    assert not reports_only.deliveries.exists()
    assert not inactive.deliveries.exists()


def test_the_payload_names_the_submission_and_its_api_address_and_nothing_confidential(
    receiver: Receiver, webhook_admin: User, submitted: Submission, reviewer: User, settings: LazySettings
) -> None:
    endpoint_for(receiver, webhook_admin)
    submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)
    delivery = WebhookDelivery.objects.get()
    payload = delivery.payload
    assert payload["event"] == "submission.accepted"
    assert payload["id"] == str(delivery.event_id)
    assert payload["occurred_at"]
    assert payload["data"] == {
        "submission": {
            "id": submitted.pk,
            "member": "FR",
            "cycle": submitted.cycle_id,
            "status": "accepted",
            "round": 1,
            "url": f"{settings.SITE_URL}/api/v1/submissions/{submitted.pk}/",
        }
    }
    assert "under way" not in json.dumps(payload)  # the updates' narrative stays out


def test_a_rolled_back_change_records_and_queues_nothing(
    receiver: Receiver, webhook_admin: User, draft: Submission, contact: User
) -> None:
    endpoint_for(receiver, webhook_admin)
    fill_all(draft, contact)

    def submit_then_fail() -> None:
        with transaction.atomic():
            submission_submit(submission=draft, actor=contact)
            raise RuntimeError("the request failed after the submit")

    with pytest.raises(RuntimeError):
        submit_then_fail()
    assert not WebhookDelivery.objects.exists()
    assert _queued() == []


def test_an_event_without_subscribers_costs_no_delivery(draft: Submission, contact: User) -> None:
    fill_all(draft, contact)
    submission_submit(submission=draft, actor=contact)
    assert not WebhookDelivery.objects.exists()
    assert _queued() == []


# --- Endpoints ---------------------------------------------------------------------------------


def test_an_endpoint_gets_a_generated_secret_and_its_creation_is_recorded(
    receiver: Receiver, webhook_admin: User
) -> None:
    endpoint = endpoint_for(receiver, webhook_admin, ["report.published", "submission.submitted"])
    other = endpoint_for(receiver, webhook_admin)
    assert endpoint.secret.startswith("whsec_")
    assert len(endpoint.secret) == 70
    assert endpoint.secret != other.secret
    assert endpoint.events == ["report.published", "submission.submitted"]
    entry = HistoryEntry.objects.get(subject_type="webhookendpoint", subject_id=endpoint.pk)
    assert entry.action == "created"
    assert entry.actor == webhook_admin
    assert endpoint.secret not in json.dumps(entry.changes)


def test_rolling_the_secret_changes_it_and_the_history_does_not_show_it(
    receiver: Receiver, webhook_admin: User
) -> None:
    endpoint = endpoint_for(receiver, webhook_admin)
    before = endpoint.secret
    rolled = webhook_endpoint_roll_secret(endpoint=endpoint, actor=webhook_admin)
    assert rolled.secret != before
    entry = HistoryEntry.objects.filter(subject_type="webhookendpoint").order_by("-pk").first()
    assert entry is not None
    assert entry.action == "secret rolled"
    assert rolled.secret not in json.dumps(entry.changes)


def test_only_secretariat_administrators_manage_endpoints(receiver: Receiver, reviewer: User, contact: User) -> None:
    for person in (reviewer, contact):
        with pytest.raises(PermissionDenied):
            webhook_endpoint_create(actor=person, name="Mine", url=receiver.url, events=ALL_EVENTS)


@pytest.mark.parametrize(
    ("events", "valid"),
    [([], False), (["submission.returned"], False), (["ping"], False), (["report.published"], True)],
)
def test_an_endpoint_subscribes_to_known_events_only(
    receiver: Receiver, webhook_admin: User, events: list[str], valid: bool
) -> None:
    if valid:
        endpoint_for(receiver, webhook_admin, events)
        return
    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(actor=webhook_admin, name="Dashboard", url=receiver.url, events=events)
    assert "events" in refused.value.message_dict


def test_updating_an_endpoint_records_what_changed(receiver: Receiver, webhook_admin: User) -> None:
    endpoint = endpoint_for(receiver, webhook_admin)
    webhook_endpoint_update(
        endpoint=endpoint,
        actor=webhook_admin,
        name=endpoint.name,
        url=endpoint.url,
        events=["report.published"],
        is_active=False,
    )
    entry = HistoryEntry.objects.filter(subject_type="webhookendpoint", action="updated").get()
    assert entry.changes == {
        "events": [sorted(ALL_EVENTS), ["report.published"]],
        "is_active": [True, False],
    }


# --- Where webhooks may go (SSRF) -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_and_loopback_targets_are_refused_in_production(
    webhook_admin: User, settings: LazySettings, url: str
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(actor=webhook_admin, name="Inside", url=url, events=ALL_EVENTS)
    assert "url" in refused.value.message_dict


@pytest.mark.parametrize("url", ["ftp://example.org/hook", "file:///etc/passwd", "gopher://example.org/"])
def test_only_http_and_https_urls_are_accepted(webhook_admin: User, url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(actor=webhook_admin, name="Odd", url=url, events=ALL_EVENTS)
    assert "url" in refused.value.message_dict


def test_public_addresses_are_public() -> None:
    assert targets.is_public("93.184.215.14")
    assert targets.is_public("2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    assert not targets.is_public("100.64.0.1")  # shared address space (carrier-grade NAT)
    assert not targets.is_public("224.0.0.1")
    assert not targets.is_public("fd00::1")


def test_a_target_that_became_private_is_refused_at_delivery_and_not_retried(
    receiver: Receiver, webhook_admin: User, settings: LazySettings
) -> None:
    endpoint = endpoint_for(receiver, webhook_admin)
    delivery = webhook_ping(endpoint=endpoint, actor=webhook_admin)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    attempt = webhook_delivery_attempt(delivery_id=delivery.pk)
    assert (attempt.status, attempt.retry_in) == ("failed", None)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert "private" in delivery.last_error
    assert receiver.received == []


# --- Attempts ----------------------------------------------------------------------------------


def test_an_attempt_posts_the_signed_payload_once_even_if_the_job_runs_twice(
    receiver: Receiver, webhook_admin: User
) -> None:
    endpoint = endpoint_for(receiver, webhook_admin)
    delivery = webhook_ping(endpoint=endpoint, actor=webhook_admin)
    assert webhook_delivery_attempt(delivery_id=delivery.pk).status == "delivered"
    assert webhook_delivery_attempt(delivery_id=delivery.pk).status == "skipped"
    [request] = receiver.received
    headers = request.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"].startswith("Alliance-Tracker-Webhooks/")
    assert headers["X-Alliance-Event"] == "ping"
    assert headers["X-Alliance-Delivery"] == str(delivery.uuid)
    assert signing.verify(
        endpoint.secret, headers["X-Alliance-Timestamp"], request.body, headers["X-Alliance-Signature"]
    )
    assert json.loads(request.body) == delivery.payload
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.delivered_at is not None
    assert delivery.claimed_until is None


def test_a_delivery_being_sent_by_another_run_is_left_to_it(receiver: Receiver, webhook_admin: User) -> None:
    delivery = webhook_ping(endpoint=endpoint_for(receiver, webhook_admin), actor=webhook_admin)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_until=timezone.now() + timedelta(minutes=5))
    attempt = webhook_delivery_attempt(delivery_id=delivery.pk)
    assert attempt.status == "skipped"
    assert attempt.retry_in is not None
    assert 299 < attempt.retry_in <= 301  # it looks again once the lease is over
    assert receiver.received == []


def test_failed_attempts_back_off_exponentially_then_fail(
    receiver_factory: Any, webhook_admin: User, settings: LazySettings
) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver = receiver_factory([503, 302, 500])
    delivery = webhook_ping(endpoint=endpoint_for(receiver, webhook_admin), actor=webhook_admin)
    waits = []
    for _ in range(3):
        attempt = webhook_delivery_attempt(delivery_id=delivery.pk)
        waits.append(attempt.retry_in)
        # An early run (a duplicate of the job) does nothing: the retry is due later.
        assert webhook_delivery_attempt(delivery_id=delivery.pk).status == "skipped"
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert waits == [30, 60, None]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 3, 500)
    assert "500" in delivery.last_error
    assert len(receiver.received) == 3


def test_a_redirect_is_not_followed(receiver_factory: Any, webhook_admin: User) -> None:
    receiver = receiver_factory([301])
    delivery = webhook_ping(endpoint=endpoint_for(receiver, webhook_admin), actor=webhook_admin)
    assert webhook_delivery_attempt(delivery_id=delivery.pk).status == "pending"
    delivery.refresh_from_db()
    assert delivery.last_status_code == 301
    assert "redirects are not followed" in delivery.last_error
    assert len(receiver.received) == 1


def test_an_unreachable_receiver_is_retried(receiver: Receiver, webhook_admin: User) -> None:
    endpoint = endpoint_for(receiver, webhook_admin)
    receiver.close()  # nothing listens on the port any more
    delivery = webhook_ping(endpoint=endpoint, actor=webhook_admin)
    attempt = webhook_delivery_attempt(delivery_id=delivery.pk)
    assert attempt.status == "pending"
    assert attempt.retry_in is not None
    delivery.refresh_from_db()
    assert "ConnectionRefusedError" in delivery.last_error
    assert delivery.last_status_code is None


def test_a_deactivated_endpoint_is_sent_nothing_more(receiver: Receiver, webhook_admin: User) -> None:
    endpoint = endpoint_for(receiver, webhook_admin)
    delivery = webhook_ping(endpoint=endpoint, actor=webhook_admin)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    assert webhook_delivery_attempt(delivery_id=delivery.pk).status == "failed"
    assert receiver.received == []


# --- Redelivery and the sweep ------------------------------------------------------------------


def test_a_finished_delivery_is_redelivered_as_a_new_one_with_the_same_event_id(
    receiver: Receiver, webhook_admin: User
) -> None:
    delivery = webhook_ping(endpoint=endpoint_for(receiver, webhook_admin), actor=webhook_admin)
    with pytest.raises(WebhookError):
        webhook_redeliver(delivery=delivery, actor=webhook_admin)  # still pending
    webhook_delivery_attempt(delivery_id=delivery.pk)
    copy = webhook_redeliver(delivery=delivery, actor=webhook_admin)
    assert copy.pk != delivery.pk
    assert (copy.event_id, copy.payload, copy.redelivery_of) == (delivery.event_id, delivery.payload, delivery)
    assert copy.status == WebhookDelivery.Status.PENDING
    assert copy.uuid != delivery.uuid
    assert _queued()[-1] == copy.pk
    assert HistoryEntry.objects.filter(subject_type="webhookdelivery", action="redelivered").count() == 1


def test_a_pending_delivery_whose_job_was_lost_is_queued_again_once(receiver: Receiver, webhook_admin: User) -> None:
    delivery = webhook_ping(endpoint=endpoint_for(receiver, webhook_admin), actor=webhook_admin)
    assert webhook_deliveries_resume() == 0  # its job is still on its way
    overdue = timezone.now() - STALLED_AFTER - timedelta(minutes=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=2, next_attempt_at=overdue)
    assert webhook_deliveries_resume() == 1
    assert webhook_deliveries_resume() == 0
    assert _queued() == [delivery.pk, delivery.pk]
    assert webhook_delivery_attempt(delivery_id=delivery.pk).status == "delivered"
