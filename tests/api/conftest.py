from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey, User
from accounts.services import api_key_issue


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
