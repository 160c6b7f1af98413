"""Every write of idempotency keys: the claim before a request runs, its answer after, and expiry.

A key is claimed by inserting its row in a transaction of its own, before the view runs: of two
requests with the same key, the unique constraint lets one in and the other finds its row, so they
never both run. The answer is written to the row when the request is done; a request that failed
(a server error, or a refusal a retry may get past) deletes its row instead, and the key can be
sent again. A process that dies after its view committed but before it stored the answer leaves
an unanswered claim; a retry takes it over after LEASE and runs the request again.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import selectors
from .models import IdempotencyKey

# Longer than any request may run (gunicorn stops a worker silent for 30 s): an unanswered claim
# this old belongs to a process that died.
LEASE = timedelta(minutes=5)


class KeyInUse(Exception):
    """The first request with this key is still running."""


class KeyReused(Exception):
    """The key was sent before with another request (method, path or body)."""


@dataclass(frozen=True)
class Attempt:
    """A request carrying an Idempotency-Key: who sent it, the key, and what it asks."""

    client: str
    key: str
    method: str
    path: str
    body_digest: str


@dataclass(frozen=True)
class Claim:
    """The right to run an attempt: the row, and the time of the claim, which only its holder knows."""

    pk: int
    claimed_at: datetime


@dataclass(frozen=True)
class Answer:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def digest(value: str | bytes) -> str:
    return hashlib.sha256(value.encode() if isinstance(value, str) else value).hexdigest()


def _insert(attempt: Attempt, now: datetime) -> Claim | None:
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(
                client=attempt.client,
                key=attempt.key,
                method=attempt.method,
                path=attempt.path,
                body_digest=attempt.body_digest,
                claimed_at=now,
                expires_at=now + timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS),
            )
    except IntegrityError:
        return None
    return Claim(row.pk, now)


def idempotency_key_claim(*, attempt: Attempt) -> Claim | Answer:
    """Claim the key for this attempt, which then runs; or the answer stored for it, to send again.

    Raises KeyReused when the key came with another request, KeyInUse while its first request runs.
    An expired key is forgotten here, whether or not the cleanup job has deleted it yet."""
    for _ in range(3):  # a row deleted between the insert and the read: claim again
        now = timezone.now()
        claim = _insert(attempt, now)
        if claim is not None:
            return claim
        row = selectors.idempotency_key_get(client=attempt.client, key=attempt.key)
        if row is None:
            continue
        if row.expires_at <= now:
            IdempotencyKey.objects.filter(pk=row.pk, expires_at__lte=now).delete()
            continue
        if (row.method, row.path, row.body_digest) != (attempt.method, attempt.path, attempt.body_digest):
            raise KeyReused()
        if row.status_code is not None:
            return Answer(row.status_code, dict(row.headers), bytes(row.body))
        if row.claimed_at > now - LEASE:
            raise KeyInUse()
        # Its run died before answering: this retry takes the claim over, unless another one did first.
        taken = IdempotencyKey.objects.filter(pk=row.pk, claimed_at=row.claimed_at, status_code__isnull=True)
        if taken.update(claimed_at=now):
            return Claim(row.pk, now)
        raise KeyInUse()
    raise KeyInUse()


def idempotency_key_answer(*, claim: Claim, answer: Answer) -> bool:
    """Store the answer of a claimed attempt; False if its claim was taken over meanwhile."""
    held = IdempotencyKey.objects.filter(pk=claim.pk, claimed_at=claim.claimed_at, status_code__isnull=True)
    return bool(held.update(status_code=answer.status_code, headers=answer.headers, body=answer.body))


def idempotency_key_release(*, claim: Claim) -> None:
    """Forget a claimed attempt that stored no answer: the same key may be sent again."""
    IdempotencyKey.objects.filter(pk=claim.pk, claimed_at=claim.claimed_at, status_code__isnull=True).delete()


def idempotency_keys_delete_expired() -> int:
    """Delete the keys older than IDEMPOTENCY_KEY_HOURS (the periodic cleanup)."""
    deleted, _ = selectors.idempotency_keys_expired().delete()
    return deleted
