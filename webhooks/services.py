"""Every write of webhooks: endpoints managed by secretariat administrators, events recorded by the
services they happen in, and the attempts of the delivery job.

An event becomes one delivery per active endpoint that asked for it, written in the transaction of
the change it tells of and queued through the outbox (jobs.outbox): a rolled-back change sends
nothing, a broker that is down delays the deliveries without losing them.
"""

import http.client
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from commitments.history import changed, field_values, record

from . import payloads, selectors, signing, targets
from .models import Event, WebhookDelivery, WebhookEndpoint, new_secret
from .permissions import can_manage_webhooks

if TYPE_CHECKING:
    from commitments.models import Submission
    from reports.models import CompiledReport

logger = logging.getLogger(__name__)

ENDPOINT_FIELDS = ("name", "url", "events", "is_active")
# How long an attempt may hold its delivery: far longer than a POST under WEBHOOK_TIMEOUT takes, so
# that only a run that died loses it.
LEASE = timedelta(minutes=5)
# A retry arriving this much before its time is still due: workers' clocks differ a little.
CLOCK_SLACK = timedelta(seconds=1)
# A pending delivery overdue by this much has lost its job (a retry the broker never took).
STALLED_AFTER = timedelta(minutes=10)
USER_AGENT = "Alliance-Tracker-Webhooks/1"


class WebhookError(Exception):
    """An action the delivery's or endpoint's state does not allow."""


def _require_manager(actor: User) -> None:
    if not can_manage_webhooks(actor):
        raise PermissionDenied(_("Only secretariat administrators manage webhooks."))


def _queue(delivery: WebhookDelivery, *, task_id: str | None = None) -> None:
    from jobs import outbox

    from .tasks import deliver_webhook

    outbox.send(deliver_webhook, delivery.pk, task_id=task_id or f"webhook-{delivery.uuid}")


def _deliver(endpoint: WebhookEndpoint, payload: dict[str, Any], **fields: Any) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=payload["event"], event_id=payload["id"], payload=payload, **fields
    )
    _queue(delivery)
    return delivery


# --- Events ------------------------------------------------------------------------------------


@transaction.atomic
def webhook_event_record(*, event: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    """Record `event` (an Event value) about the object described by `data` for every active
    endpoint subscribed to it; each delivery is sent once the caller's transaction commits."""
    kind = Event(event)
    endpoints = selectors.endpoints_subscribed_to(kind)
    if not endpoints:
        return []
    payload = payloads.envelope(event=kind.value, event_id=uuid.uuid4(), occurred_at=timezone.now(), data=data)
    return [_deliver(endpoint, payload) for endpoint in endpoints]


def submission_event_record(*, submission: "Submission", event: str) -> list[WebhookDelivery]:
    """`event` ("submission.submitted", "submission.accepted") about `submission`."""
    return webhook_event_record(event=event, data=payloads.submission(submission))


def report_event_record(*, report: "CompiledReport", event: str) -> list[WebhookDelivery]:
    """`event` ("report.published") about `report`."""
    return webhook_event_record(event=event, data=payloads.report(report))


# --- Endpoints ---------------------------------------------------------------------------------


@transaction.atomic
def webhook_endpoint_create(
    *, actor: User, name: str, url: str, events: list[str], is_active: bool = True
) -> WebhookEndpoint:
    """A new endpoint with a secret of its own (in `secret`: show it to the actor once)."""
    _require_manager(actor)
    endpoint = WebhookEndpoint(name=name, url=url, events=list(events), is_active=is_active, created_by=actor)
    endpoint.full_clean()
    endpoint.save()
    record(
        actor=actor, action="created", subject=endpoint, changes=changed({}, field_values(endpoint, ENDPOINT_FIELDS))
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, actor: User, name: str, url: str, events: list[str], is_active: bool
) -> WebhookEndpoint:
    _require_manager(actor)
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    before = field_values(locked, ENDPOINT_FIELDS)
    locked.name, locked.url, locked.events, locked.is_active = name, url, list(events), is_active
    locked.full_clean()
    changes = changed(before, field_values(locked, ENDPOINT_FIELDS))
    if changes:
        locked.save(update_fields=list(changes))
        record(actor=actor, action="updated", subject=locked, changes=changes)
    return locked


@transaction.atomic
def webhook_endpoint_roll_secret(*, endpoint: WebhookEndpoint, actor: User) -> WebhookEndpoint:
    """A new secret for the endpoint (in `secret`: show it to the actor once); the old one stops
    signing at once."""
    _require_manager(actor)
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    locked.secret = new_secret()
    locked.save(update_fields=["secret"])
    # The history says that the secret changed, never what it is.
    record(actor=actor, action="secret rolled", subject=locked)
    return locked


@transaction.atomic
def webhook_ping(*, endpoint: WebhookEndpoint, actor: User) -> WebhookDelivery:
    """A signed test delivery ("ping") to the endpoint, whatever it is subscribed to."""
    _require_manager(actor)
    if not endpoint.is_active:
        raise WebhookError(_("%(endpoint)s is inactive: activate it to send it a ping.") % {"endpoint": endpoint})
    payload = payloads.envelope(
        event=Event.PING.value, event_id=uuid.uuid4(), occurred_at=timezone.now(), data={"endpoint": endpoint.pk}
    )
    return _deliver(endpoint, payload)


# --- Deliveries --------------------------------------------------------------------------------


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Send a finished delivery (failed, or delivered and wanted again) anew: a new delivery of the
    same event and payload, with its own attempts, linked to the first in the log."""
    _require_manager(actor)
    original = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    if original.status == WebhookDelivery.Status.PENDING:
        raise WebhookError(_("Delivery %(id)s is still being sent.") % {"id": original.uuid})
    if not original.endpoint.is_active:
        raise WebhookError(_("%(endpoint)s is inactive: activate it first.") % {"endpoint": original.endpoint})
    copy = _deliver(original.endpoint, original.payload, redelivery_of=original)
    record(actor=actor, action="redelivered", subject=original, changes={"redelivery": [None, str(copy.uuid)]})
    return copy


@dataclass(frozen=True)
class Attempt:
    """What a run of the delivery job did: `status` is the delivery's, or "skipped" when the run
    had nothing to do; `retry_in`, the seconds after which the job should run again."""

    status: str
    retry_in: float | None = None


def _settle(delivery_id: int, lease: datetime, **fields: Any) -> None:
    # Only while this run still holds the lease: a run that outlived it leaves the row to the next.
    WebhookDelivery.objects.filter(pk=delivery_id, claimed_until=lease).update(claimed_until=None, **fields)


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, bool]:
    """(status code, error, whether trying again is pointless) of one POST of the delivery."""
    body = payloads.encode(delivery.payload)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Alliance-Event": delivery.event,
        "X-Alliance-Delivery": str(delivery.uuid),
        "X-Alliance-Timestamp": timestamp,
        "X-Alliance-Signature": signing.sign(delivery.endpoint.secret, timestamp, body),
    }
    try:
        code = targets.post(delivery.endpoint.url, body, headers, timeout=settings.WEBHOOK_TIMEOUT)
    except targets.RefusedTarget as refusal:
        return None, " ".join(refusal.messages), True
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"[:2000], False
    except Exception as error:
        # Counted as a failed attempt, so that an unforeseen error still ends once attempts run out.
        logger.exception("Webhook delivery %s failed unexpectedly", delivery.uuid)
        return None, f"{type(error).__name__}: {error}"[:2000], False
    if 200 <= code < 300:
        return code, "", False
    if 300 <= code < 400:
        return code, _("The receiver answered %(code)d; redirects are not followed.") % {"code": code}, False
    return code, _("The receiver answered %(code)d.") % {"code": code}, False


def _not_claimed(delivery_id: int) -> Attempt:
    leased_until = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
        .values_list("claimed_until", flat=True)
        .first()
    )
    now = timezone.now()
    if leased_until is not None and leased_until >= now:
        # Another run is sending it: look again once its lease is over, in case that run died.
        return Attempt(status="skipped", retry_in=(leased_until - now).total_seconds() + 1)
    # Sent already, or not due yet (an early duplicate of the job: the retry due then is queued).
    return Attempt(status="skipped")


def webhook_delivery_attempt(*, delivery_id: int) -> Attempt:
    """One attempt at sending a pending delivery, if it is due and no other run is sending it.

    Not one transaction: the delivery is claimed by a conditional UPDATE (a lease), posted with no
    lock held over the network, and the outcome written by a second UPDATE. So a second run of the
    job (the outbox and the broker deliver at least once) never posts a delivery twice at once nor
    a delivered one again. A failure is tried again after WEBHOOK_RETRY_BASE_SECONDS, doubling
    each time, until WEBHOOK_MAX_ATTEMPTS attempts in all."""
    now = timezone.now()
    lease = now + LEASE
    claimed = WebhookDelivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + CLOCK_SLACK),
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=delivery_id,
        status=WebhookDelivery.Status.PENDING,
    ).update(claimed_until=lease, attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:
        return _not_claimed(delivery_id)
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if not delivery.endpoint.is_active:
        error = _("The endpoint was deactivated before this attempt.")
        _settle(delivery_id, lease, status=WebhookDelivery.Status.FAILED, last_error=error, next_attempt_at=None)
        return Attempt(status=WebhookDelivery.Status.FAILED)
    code, error, final = _post(delivery)
    logger.info(
        "Webhook %s (%s) to endpoint %s, attempt %d: %s",
        delivery.uuid,
        delivery.event,
        delivery.endpoint_id,
        delivery.attempts,
        code if code is not None else error,
    )
    done = timezone.now()
    if code is not None and 200 <= code < 300:
        _settle(
            delivery_id,
            lease,
            status=WebhookDelivery.Status.DELIVERED,
            delivered_at=done,
            last_status_code=code,
            next_attempt_at=None,
        )
        return Attempt(status=WebhookDelivery.Status.DELIVERED)
    if final or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        _settle(
            delivery_id,
            lease,
            status=WebhookDelivery.Status.FAILED,
            last_status_code=code,
            last_error=error,
            next_attempt_at=None,
        )
        return Attempt(status=WebhookDelivery.Status.FAILED)
    wait = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (delivery.attempts - 1)
    _settle(delivery_id, lease, last_status_code=code, last_error=error, next_attempt_at=done + timedelta(seconds=wait))
    return Attempt(status=WebhookDelivery.Status.PENDING, retry_in=wait)


@transaction.atomic
def webhook_deliveries_resume() -> int:
    """Queue again the pending deliveries whose job was lost; how many. Their next attempt is set
    to now, so that a delivery still waiting for the broker is not queued again at each sweep."""
    stalled = list(
        selectors.stalled_deliveries(after=STALLED_AFTER).select_for_update(skip_locked=True).order_by("pk")[:100]
    )
    if not stalled:
        return 0
    WebhookDelivery.objects.filter(pk__in=[delivery.pk for delivery in stalled]).update(next_attempt_at=timezone.now())
    for delivery in stalled:
        _queue(delivery, task_id=f"webhook-{delivery.uuid}-resumed-{uuid.uuid4()}")
    logger.warning("Webhooks: %d stalled deliveries queued again", len(stalled))
    return len(stalled)
