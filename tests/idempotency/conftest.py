import pytest

from accounts.models import User
from tests.api.conftest import ApiClient, key_for


@pytest.fixture
def anonymous_api(alliance: None) -> ApiClient:
    return ApiClient()


@pytest.fixture
def contact_api(contact: User) -> ApiClient:
    return ApiClient(key_for(contact))
