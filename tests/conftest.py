from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from commitments.models import (
    Commitment,
    MemberState,
    OperationalGoal,
    PolicyTarget,
    ReportingCycle,
    SourceDocument,
    Submission,
)
from commitments.reference.load import load_reference_data
from commitments.services import progress_update_save, submission_start, submission_submit
from tests.factories import CommitmentFactory, ReportingCycleFactory, SecretariatFactory, UserFactory
from tests.worker import CeleryWorker


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: LazySettings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _collected_static_files() -> None:
    """Pages render through the production static storage (hashed names from a manifest)."""
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Load the reference data once into the test database, as `make run` and deployments do."""
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture
def alliance(db: None) -> None:
    """The Alliance's reference data; reloaded if a transactional test emptied the database."""
    if not SourceDocument.objects.exists():
        load_reference_data()


# --- People, one fixture per role ----------------------------------------------------------


@pytest.fixture
def contact(alliance: None) -> User:
    """A national contact of France."""
    return UserFactory.create(email="contact@france.example.org", member_state=MemberState.objects.get(iso_code="FR"))


@pytest.fixture
def colleague(alliance: None) -> User:
    """A second national contact of France."""
    return UserFactory.create(email="colleague@france.example.org", member_state=MemberState.objects.get(iso_code="FR"))


@pytest.fixture
def foreign_contact(alliance: None) -> User:
    """A national contact of Germany."""
    return UserFactory.create(email="contact@germany.example.org", member_state=MemberState.objects.get(iso_code="DE"))


@pytest.fixture
def reviewer(alliance: None) -> User:
    return UserFactory.create(
        email="reviewer@secretariat.example.org", role=User.Role.SECRETARIAT_REVIEWER, member_state=None
    )


@pytest.fixture
def secretariat_admin(alliance: None) -> User:
    return SecretariatFactory.create(email="admin@secretariat.example.org")


# --- Reporting data ------------------------------------------------------------------------


@pytest.fixture
def cycle(alliance: None) -> ReportingCycle:
    """A cycle open today (opened a month ago, due in two months)."""
    today = timezone.localdate()
    return ReportingCycleFactory.create(
        name="Progress report (test)",
        period_start=today - timedelta(days=300),
        period_end=today + timedelta(days=60),
        opens_on=today - timedelta(days=30),
        due_on=today + timedelta(days=60),
    )


@pytest.fixture
def french_commitments(alliance: None) -> list[Commitment]:
    """France's pledges: one on ICSE victim identification (with figures), one on awareness."""
    france = MemberState.objects.get(iso_code="FR")
    return [
        CommitmentFactory.create(
            member_state=france,
            target=PolicyTarget.objects.get(code="victims"),
            goal=OperationalGoal.objects.get(code="icse-identified-victims"),
            title="Connect the victim identification unit to ICSE",
        ),
        CommitmentFactory.create(
            member_state=france,
            target=PolicyTarget.objects.get(code="awareness"),
            title="Run a school awareness campaign",
        ),
    ]


@pytest.fixture
def draft(contact: User, cycle: ReportingCycle, french_commitments: list[Commitment]) -> Submission:
    """France's draft submission for the open cycle, with no update written yet."""
    return submission_start(member_state=contact.member_state, cycle=cycle, actor=contact)  # type: ignore[arg-type]


def fill_all(submission: Submission, actor: User, **values: Any) -> None:
    """Write an update for every commitment of the submission's member state."""
    for commitment in Commitment.objects.filter(member_state=submission.member_state):
        progress_update_save(
            submission=submission,
            commitment=commitment,
            actor=actor,
            values={"status": "on_track", "completion_percent": 50, "narrative": "Work is under way.", **values},
            expected_version=None,
        )


@pytest.fixture
def submitted(draft: Submission, contact: User) -> Submission:
    """France's submission, complete and submitted for review."""
    fill_all(draft, contact)
    return submission_submit(submission=draft, actor=contact)


@pytest.fixture
def celery_worker_factory() -> Iterator[Callable[..., CeleryWorker]]:
    """Start real worker processes (with extra environment) for a test; stopped after it."""
    workers: list[CeleryWorker] = []

    def start(**env: str) -> CeleryWorker:
        worker = CeleryWorker(**env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
