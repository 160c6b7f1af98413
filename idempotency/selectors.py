"""Reads of idempotency keys."""

from django.db.models import QuerySet
from django.utils import timezone

from .models import IdempotencyKey


def idempotency_key_get(*, client: str, key: str) -> IdempotencyKey | None:
    return IdempotencyKey.objects.filter(client=client, key=key).first()


def idempotency_keys_expired() -> QuerySet[IdempotencyKey]:
    return IdempotencyKey.objects.filter(expires_at__lte=timezone.now())
