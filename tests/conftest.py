from typing import Any

import pytest
from django.conf import LazySettings
from django.core.management import call_command

from commitments.models import SourceDocument
from commitments.reference.load import load_reference_data


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
