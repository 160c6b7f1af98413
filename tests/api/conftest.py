from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey, User
from accounts.services import api_key_issue
from commitments import services
from commitments.models import Commitment, ProgressUpdate, Submission


class ApiClient(Client):
    """A test client sending an API key with every request."""

    def __init__(self, key: str | None = None, **defaults: Any) -> None:
        if key:
            defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
        super().__init__(**defaults)


def key_for(user: User, *, read_only: bool = False, name: str = "tests") -> str:
    """A reading key, or the key with the most the person's role allows (a review key as its owner
    creates it, just after giving the second factor)."""
    if read_only:
        return api_key_issue(user=user, actor=None, name=name, scope=ApiKey.Scope.READ)[1]
    scope = ApiKey.scopes_for(user)[-1]
    if scope == ApiKey.Scope.REVIEW:
        return api_key_issue(user=user, actor=user, name=name, scope=scope, second_factor_at=timezone.now())[1]
    return api_key_issue(user=user, actor=None, name=name, scope=scope)[1]


@pytest.fixture
def anonymous_api(alliance: None) -> ApiClient:
    return ApiClient()


@pytest.fixture
def contact_api(contact: User) -> ApiClient:
    return ApiClient(key_for(contact))


@pytest.fixture
def reviewer_api(reviewer: User) -> ApiClient:
    return ApiClient(key_for(reviewer))


# Rate limits low enough to reach in a test: 3 a minute without a key, 5 with one.
@pytest.fixture
def tight_limits(settings: LazySettings) -> Iterator[None]:
    from rest_framework.settings import api_settings

    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anonymous": "3/min", "key": "5/min"}}
    settings.REST_FRAMEWORK = rest
    api_settings.reload()
    from alliance.api import AnonymousThrottle, KeyThrottle

    saved = (AnonymousThrottle.THROTTLE_RATES, KeyThrottle.THROTTLE_RATES)
    rates: dict[str, str | None] = {"anonymous": "3/min", "key": "5/min"}
    AnonymousThrottle.THROTTLE_RATES = KeyThrottle.THROTTLE_RATES = rates
    cache.clear()
    yield
    AnonymousThrottle.THROTTLE_RATES, KeyThrottle.THROTTLE_RATES = saved
    cache.clear()


@pytest.fixture
def update(draft: Submission, contact: User, french_commitments: list[Commitment]) -> ProgressUpdate:
    """France's first progress update, on its first pledge, in the open cycle's draft."""
    return services.progress_update_save(
        submission=draft,
        commitment=french_commitments[0],
        actor=contact,
        values={"status": "on_track", "completion_percent": 30, "narrative": "Under way."},
        expected_version=0,
    )
