from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from accounts.services import api_key_issue


class ApiClient(Client):
    """A test client sending an API key with every request."""

    def __init__(self, key: str | None = None, **defaults: Any) -> None:
        if key:
            defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
        super().__init__(**defaults)


def key_for(user: User, *, read_only: bool = False) -> str:
    return api_key_issue(user=user, actor=None, name="tests", read_only=read_only)[1]


@pytest.fixture
def anonymous_api(alliance: None) -> ApiClient:
    return ApiClient()


@pytest.fixture
def contact_api(contact: User) -> ApiClient:
    return ApiClient(key_for(contact))


@pytest.fixture
def reviewer_api(reviewer: User) -> ApiClient:
    return ApiClient(key_for(reviewer))
