"""Deliveries sent by a real Celery worker to a real local receiver: one signed POST per event and
subscriber, and retries with backoff until the receiver takes it."""

import json
from itertools import pairwise
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from commitments.models import Submission
from commitments.services import submission_accept, submission_submit
from reports.models import CompiledReport
from reports.services import report_publish
from tests.conftest import fill_all
from tests.webhooks.conftest import ALL_EVENTS, WORKER_ENV, Received, endpoint_for
from tests.webhooks.test_signing import documented_verify
from tests.worker import CeleryWorker
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_targets")]


def _check_signed(received: Received, endpoint: WebhookEndpoint) -> dict[str, Any]:
    """The delivery's body, once the receiver's documented check has accepted its signature."""
    verify = documented_verify()
    headers = received.headers
    assert verify(endpoint.secret, headers["X-Alliance-Timestamp"], received.body, headers["X-Alliance-Signature"])
    assert not verify(
        "whsec_not-this-one", headers["X-Alliance-Timestamp"], received.body, headers["X-Alliance-Signature"]
    )
    body: dict[str, Any] = json.loads(received.body)
    assert body["event"] == headers["X-Alliance-Event"]
    return body


def test_each_event_reaches_its_subscribers_once_signed(
    celery_worker_factory: Any,
    receiver_factory: Any,
    webhook_admin: User,
    contact: User,
    reviewer: User,
    draft: Submission,
) -> None:
    everything, reports_only, switched_off = receiver_factory(), receiver_factory(), receiver_factory()
    endpoint = endpoint_for(everything, webhook_admin)
    reports_endpoint = endpoint_for(reports_only, webhook_admin, ["report.published"])
    inactive = endpoint_for(switched_off, webhook_admin, is_active=False)
    celery_worker_factory(**WORKER_ENV)

    fill_all(draft, contact)
    submitted = submission_submit(submission=draft, actor=contact)
    everything.wait_for(1)
    submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)
    everything.wait_for(2)
    report = CompiledReport.objects.create(
        cycle=draft.cycle,
        edition=CompiledReport.Edition.PUBLIC,
        status=CompiledReport.Status.DONE,
        progress=100,
        is_final=True,
        finished_at=timezone.now(),
    )
    report_publish(report=report, actor=reviewer)
    received = everything.wait_for(3)
    [published] = reports_only.wait_for(1)

    bodies = [_check_signed(request, endpoint) for request in received]
    assert [body["event"] for body in bodies] == ALL_EVENTS
    assert [body["data"]["submission"]["status"] for body in bodies[:2]] == ["submitted", "accepted"]
    assert {body["data"]["submission"]["id"] for body in bodies[:2]} == {draft.pk}
    assert bodies[2]["data"]["report"]["id"] == report.pk
    assert bodies[2]["data"]["report"]["cycle"] == draft.cycle_id
    # Both subscribers of the publication were told of the same event, each signed with its own secret.
    assert _check_signed(published, reports_endpoint)["id"] == bodies[2]["id"]

    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk")
    assert [(d.status, d.attempts, d.last_status_code) for d in deliveries] == [("delivered", 1, 200)] * 3
    assert [str(d.uuid) for d in deliveries] == [request.headers["X-Alliance-Delivery"] for request in received]
    assert not inactive.deliveries.exists()
    assert switched_off.received == []
    assert len(reports_only.received) == 1


def test_a_receiver_failing_twice_gets_the_delivery_on_the_third_attempt(
    celery_worker_factory: Any, receiver_factory: Any, webhook_admin: User, contact: User, draft: Submission
) -> None:
    receiver = receiver_factory([500, 500])
    endpoint = endpoint_for(receiver, webhook_admin, ["submission.submitted"])
    worker: CeleryWorker = celery_worker_factory(**WORKER_ENV)

    fill_all(draft, contact)
    submission_submit(submission=draft, actor=contact)
    received = receiver.wait_for(3)
    worker.wait_for(
        lambda: WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DELIVERED).exists(), "the delivery"
    )

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)
    assert "500" in delivery.last_error  # the last failure, kept in the log
    assert delivery.delivered_at is not None
    assert {request.headers["X-Alliance-Delivery"] for request in received} == {str(delivery.uuid)}
    assert len({request.body for request in received}) == 1  # the same event each time
    for request in received:
        _check_signed(request, endpoint)
    # Backoff: 0.2 s, then 0.4 s (WEBHOOK_RETRY_BASE_SECONDS doubled).
    first_wait, second_wait = (later.at - earlier.at for earlier, later in pairwise(received))
    assert first_wait >= 0.15
    assert second_wait >= 0.35
    assert len(receiver.received) == 3
