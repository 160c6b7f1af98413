"""The claim of a key, its answer, its release, its expiry, the cleanup job, and what a header value's key is."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from alliance.celery import app
from idempotency import services
from idempotency.middleware import parse_key
from idempotency.models import IdempotencyKey
from idempotency.services import Answer, Attempt, Claim, KeyInUse, KeyReused

pytestmark = pytest.mark.django_db


def attempt(body: bytes = b"{}", *, client: str = "a" * 64, key: str = "key-1") -> Attempt:
    return Attempt(client, key, "POST", "/api/v1/submissions/", services.digest(body))


def test_the_first_attempt_claims_the_key_and_a_second_finds_it_running() -> None:
    claim = services.idempotency_key_claim(attempt=attempt())

    assert isinstance(claim, Claim)
    with pytest.raises(KeyInUse):
        services.idempotency_key_claim(attempt=attempt())


def test_a_stored_answer_is_given_to_the_same_attempt_and_refused_to_another() -> None:
    claim = services.idempotency_key_claim(attempt=attempt())
    assert isinstance(claim, Claim)
    answer = Answer(201, {"Content-Type": "application/json", "Location": "http://testserver/x/"}, b'{"id": 1}')
    assert services.idempotency_key_answer(claim=claim, answer=answer)

    assert services.idempotency_key_claim(attempt=attempt()) == answer
    with pytest.raises(KeyReused):
        services.idempotency_key_claim(attempt=attempt(b'{"other": 1}'))
    # Another client's key of the same name is another key.
    assert isinstance(services.idempotency_key_claim(attempt=attempt(client="b" * 64)), Claim)


def test_a_released_key_can_be_claimed_again() -> None:
    claim = services.idempotency_key_claim(attempt=attempt())
    assert isinstance(claim, Claim)
    services.idempotency_key_release(claim=claim)

    assert isinstance(services.idempotency_key_claim(attempt=attempt(b'{"corrected": 1}')), Claim)


def test_a_claim_left_unanswered_past_the_lease_is_taken_over_once() -> None:
    first = services.idempotency_key_claim(attempt=attempt())
    assert isinstance(first, Claim)

    with time_machine.travel(timezone.now() + services.LEASE + timedelta(seconds=1)):
        second = services.idempotency_key_claim(attempt=attempt())
        assert isinstance(second, Claim)
        with pytest.raises(KeyInUse):
            services.idempotency_key_claim(attempt=attempt())

    # The run that lost its claim cannot store its answer over the new run's.
    assert not services.idempotency_key_answer(claim=first, answer=Answer(201))
    services.idempotency_key_release(claim=first)
    assert IdempotencyKey.objects.get().claimed_at == second.claimed_at


def test_expired_keys_are_forgotten_on_use_and_deleted_by_the_cleanup(settings) -> None:
    settings.IDEMPOTENCY_KEY_HOURS = 2
    for name in ("old-1", "old-2"):
        claim = services.idempotency_key_claim(attempt=attempt(key=name))
        assert isinstance(claim, Claim)
        services.idempotency_key_answer(claim=claim, answer=Answer(201))

    with time_machine.travel(timezone.now() + timedelta(hours=2, seconds=1)):
        assert isinstance(services.idempotency_key_claim(attempt=attempt(b"new", key="old-1")), Claim)
        kept = services.idempotency_key_claim(attempt=attempt(key="fresh"))
        assert services.idempotency_keys_delete_expired() == 1  # old-2; old-1 was claimed anew

    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"old-1", "fresh"}
    assert isinstance(kept, Claim)


def test_the_cleanup_is_in_the_schedule(alliance: None) -> None:
    """The schedule as migrations make it (the alliance fixture puts it back after a transactional
    test emptied the database)."""
    task = PeriodicTask.objects.get(task="idempotency.tasks.delete_expired_idempotency_keys")

    assert task.enabled
    assert task.interval.every == 1
    assert task.interval.period == "hours"
    app.loader.import_default_modules()  # what a worker does at start: the apps' tasks modules
    assert task.task in app.tasks


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("3f1c6a2e-0b7d-4c55-9a8e-2d4f6b8c0e1a", "3f1c6a2e-0b7d-4c55-9a8e-2d4f6b8c0e1a"),
        ("  padded  ", "padded"),
        ('"quoted"', "quoted"),  # the draft's form: a Structured Field string
        ('"say \\"hi\\""', 'say "hi"'),
        ('""', '""'),  # not a quoted key (it would be empty): the two characters are the key
        ('"a\\', '"a\\'),
        ("", None),
        (" ", None),
        ("x" * 256, None),
        ("é", None),
        ("a\tb", None),
    ],
)
def test_a_header_value_is_a_key_of_printable_ascii(header: str, key: str | None) -> None:
    assert parse_key(header) == key
