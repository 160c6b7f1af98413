import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client


class SecurityLog(logging.Handler):
    """Collects the security log's structured records."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.records: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(getattr(record, "security", {"event": record.getMessage()}))

    def events(self, name: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("event") == name]


@pytest.fixture
def security_log() -> Iterator[SecurityLog]:
    handler = SecurityLog()
    logger = logging.getLogger("alliance.security")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def browser_client() -> Client:
    """A plain client that signs in through the pages, second factor included."""
    return Client(REMOTE_ADDR="10.0.0.1")


def sign_in(client: Client, email: str, password: str = "correct horse battery staple", **extra: Any) -> Any:
    return client.post("/accounts/login/", {"username": email, "password": password}, **extra)
