"""Reads of webhook endpoints and deliveries."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import WebhookDelivery, WebhookEndpoint


def endpoints_subscribed_to(event: str) -> list[WebhookEndpoint]:
    """The active endpoints that asked for `event`. Filtered here rather than in SQL: endpoints are
    a handful, and a JSON containment lookup would tie the query to PostgreSQL."""
    return [endpoint for endpoint in WebhookEndpoint.objects.filter(is_active=True) if endpoint.wants(event)]


def stalled_deliveries(*, after: timedelta) -> QuerySet[WebhookDelivery]:
    """Pending deliveries whose attempt is overdue by more than `after` and that no run is sending:
    their job was lost (a retry the broker did not take)."""
    now = timezone.now()
    before = now - after
    return WebhookDelivery.objects.filter(
        Q(next_attempt_at__lt=before) | Q(next_attempt_at__isnull=True, created_at__lt=before),
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        status=WebhookDelivery.Status.PENDING,
    )
