"""A webhook receiver of the tests' own: a real HTTP server on a free local port, in a thread."""

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.conf import LazySettings

from accounts.models import User
from tests.factories import SecretariatFactory
from webhooks.models import WebhookEndpoint
from webhooks.services import webhook_endpoint_create

# What a worker needs to send to the local receiver, and quickly: retries after 0.2 s, 0.4 s...
WORKER_ENV = {"WEBHOOK_ALLOW_PRIVATE_TARGETS": "true", "WEBHOOK_RETRY_BASE_SECONDS": "0.2"}


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when it came


class Receiver:
    """Records each POST and answers with the next of `answers` (200 once they run out)."""

    def __init__(self, answers: list[int] | None = None) -> None:
        self.answers = list(answers or [])
        self.received: list[Received] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.received.append(Received(self.path, dict(self.headers.items()), body, time.monotonic()))
                    status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/alliance"

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"The receiver got {len(self.received)} deliveries, not {count}, in {timeout} s")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


ReceiverFactory = Callable[..., Receiver]


@pytest.fixture
def receiver_factory() -> Iterator[ReceiverFactory]:
    started: list[Receiver] = []

    def start(answers: list[int] | None = None) -> Receiver:
        started.append(Receiver(answers))
        return started[-1]

    yield start
    for receiver in started:
        receiver.close()


@pytest.fixture
def receiver(receiver_factory: ReceiverFactory) -> Receiver:
    return receiver_factory()


@pytest.fixture
def local_targets(settings: LazySettings) -> None:
    """This process may send to (and save endpoints on) the local receiver, as the workers may."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def webhook_admin(alliance: None) -> User:
    """A secretariat administrator by role (not a superuser)."""
    return SecretariatFactory.create(email="webhooks@secretariat.example.org", is_superuser=False)


ALL_EVENTS = ["submission.submitted", "submission.accepted", "report.published"]


def endpoint_for(
    receiver: Receiver, actor: User, events: list[str] | None = None, *, is_active: bool = True
) -> WebhookEndpoint:
    return webhook_endpoint_create(
        actor=actor, name="Dashboard", url=receiver.url, events=events or ALL_EVENTS, is_active=is_active
    )
