import importlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.conf import LazySettings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from commitments import dataversion
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
from tests.worker import CeleryBeat, CeleryProcess, CeleryWorker

P = TypeVar("P", bound=CeleryProcess)

TEST_TOTP_KEY = "00112233445566778899aabbccddeeff00112233"


class VerifiedClient(Client):
    """A test client whose force_login also gives the second factor when the person has one (or
    must have one, as secretariat staff must), as the sign-in pages would.

    Tests of the second factor itself sign in through the pages with a plain Client."""

    def force_login(self, user: Any, backend: str | None = None) -> None:
        super().force_login(user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None and getattr(user, "is_secretariat", False):
            device = TOTPDevice.objects.create(user=user, name="Test authenticator", key=TEST_TOTP_KEY)
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session["second_factor_enrolled"] = session["second_factor_required"] = True
            session.save()


WORKER_FIXTURES = {"celery_worker_factory", "celery_beat_factory"}


# Files of the fuzz tier (generated requests by the thousand) and of the slow tier (generated data
# at scale, concurrent writers): `make test-fast` leaves them out.
FUZZ_FILES = {"test_schemathesis.py"}
SLOW_FILES = {"test_scale.py", "test_concurrency.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tiers by what a test needs: Chromium (tests/browser), real Celery processes, fuzzing,
    or time."""
    for item in items:
        if "/tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)
        if WORKER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.worker)
        if item.path.name in FUZZ_FILES:
            item.add_marker(pytest.mark.fuzz)
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def client() -> VerifiedClient:
    return VerifiedClient()


def current_code(device: TOTPDevice) -> str:
    """The authenticator's code now, or the next one if this one has been used (no replay)."""
    device.refresh_from_db()
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    token.time = time.time()
    if device.last_t is not None and token.t() <= device.last_t:
        token.drift = device.last_t - token.t() + 1
    return f"{token.token():0{device.digits}d}"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: LazySettings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _new_data_version() -> None:
    """Each test starts on a data version of its own: the rows an earlier test rolled back never
    bumped the version (that happens on commit), so its cached API answers must not be found."""
    dataversion.bump_now()


@pytest.fixture(scope="session", autouse=True)
def _collected_static_files() -> None:
    """Pages render through the production static storage (hashed names from a manifest)."""
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_modify_db_settings: None,
    testrun_uid: str,
) -> Iterator[None]:
    """The test database, migrated, with the reference data loaded once, as `make run` and
    deployments have it. Under pytest-xdist the first process builds it as a template and each
    process takes a copy (CREATE DATABASE … TEMPLATE): one migration per run, not one per process."""
    from django.test.utils import setup_databases, teardown_databases

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    with django_db_blocker.unblock():
        if worker is None:
            config = setup_databases(verbosity=0, interactive=False)
            load_reference_data()
        else:
            config = _copy_of_the_template(testrun_uid)
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)
        if worker is not None:
            _drop_template(testrun_uid)


def _template_name(run: str) -> str:
    return f"test_alliance_template_{run[:16]}"


def _copy_of_the_template(run: str) -> list[tuple[Any, str, bool]]:
    """This process's database: a copy of the run's template, which the first process to get here
    builds (the others wait on a file lock)."""
    import fcntl

    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases

    own = connection.settings_dict["TEST"]["NAME"] or f"test_{connection.settings_dict['NAME']}"
    template = _template_name(run)
    lock = Path(tempfile.gettempdir()) / f"alliance-tests-{run}.lock"
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if not lock.with_suffix(".built").exists():
            connection.settings_dict["TEST"]["NAME"] = template
            ((_, original, _),) = setup_databases(verbosity=0, interactive=False, serialized_aliases=[])
            load_reference_data()
            connection.close()
            settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"] = original
            lock.with_suffix(".built").touch()
        original = connection.settings_dict["NAME"]
        connection.settings_dict["TEST"]["NAME"] = own
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{own}"')
            cursor.execute(f'CREATE DATABASE "{own}" TEMPLATE "{template}"')
    settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"] = own
    return [(connection, original, True)]


def _drop_template(run: str) -> None:
    """The first process to finish drops the template (the others took their copy long before)."""
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{_template_name(run)}"')


# The migrations that put the jobs in the database schedule (as deployments have them).
SCHEDULE_MIGRATIONS = (
    "commitments.migrations.0004_reminder_schedule",
    "reports.migrations.0005_report_schedules",
    "reports.migrations.0007_compile_heartbeat",
    "jobs.migrations.0002_relay_schedule",
    "webhooks.migrations.0002_resume_schedule",
    "idempotency.migrations.0002_cleanup_schedule",
)


def restore_schedules() -> None:
    from django.apps import apps

    for module in SCHEDULE_MIGRATIONS:
        migration = importlib.import_module(module)
        migration.add_schedules(apps, None)


@pytest.fixture
def alliance(db: None) -> None:
    """The Alliance's reference data and the job schedule; put back if a transactional test
    emptied the database."""
    if not SourceDocument.objects.exists():
        load_reference_data()
    if not PeriodicTask.objects.exists():
        restore_schedules()


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
    """A secretariat reviewer, with an authenticator (key TEST_TOTP_KEY)."""
    person = UserFactory.create(
        email="reviewer@secretariat.example.org", role=User.Role.SECRETARIAT_REVIEWER, member_state=None
    )
    TOTPDevice.objects.create(user=person, name="Authenticator app", key=TEST_TOTP_KEY)
    return person


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


def _started_processes(kind: Callable[..., P]) -> Iterator[Callable[..., P]]:
    """A factory of real Celery processes (with extra environment) for a test; stopped after it."""
    started: list[P] = []

    def start(**env: str) -> P:
        process = kind(**env)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def celery_worker_factory() -> Iterator[Callable[..., CeleryWorker]]:
    """Start real worker processes on the test database and this run's queue."""
    yield from _started_processes(CeleryWorker)


@pytest.fixture
def celery_beat_factory() -> Iterator[Callable[..., CeleryBeat]]:
    """Start Celery beat on the test database's schedule."""
    yield from _started_processes(CeleryBeat)
