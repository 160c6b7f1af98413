"""Fixtures of the end-to-end browser tests: a headless Debian Chromium driven by Playwright.

The tests run against pytest-django's `live_server` (a real HTTP server in a thread, on a
transactional database), and people sign in through the real login page.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from playwright.sync_api import Browser, CDPSession, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture
def _allow_async_unsafe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an event loop in the test's thread, which Django's ORM refuses
    to be called from unless told otherwise. Set only while a browser test runs."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def chromium(_allow_async_unsafe: None) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
        # While Playwright's loop runs, asgiref keys Django's connections by context rather than by
        # thread: the ORM calls made meanwhile opened a connection of their own. Close it here,
        # or it outlives the test and blocks the test database's teardown.
        connections.close_all()


@pytest.fixture
def site(live_server: LiveServer) -> Iterator[str]:
    """The live server's address, with static files served as in a deployment.

    pytest-django's live server answers /static/ with Django's StaticFilesHandler, which looks files
    up by their source names; with DEBUG off the pages link the hashed names of the manifest
    storage, so the style sheet and editor.js would be 404s. The plain application serves them
    the production way instead, through WhiteNoise from the collected STATIC_ROOT.
    """
    httpd = live_server.thread.httpd
    original = httpd.get_app()
    httpd.set_app(WSGIHandler())
    yield live_server.url
    httpd.set_app(original)


@pytest.fixture
def page(chromium: Browser, site: str) -> Iterator[Page]:
    """A fresh browser tab (own cookies) whose relative URLs point at the live server."""
    context = chromium.new_context(base_url=site, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshots() -> Path:
    """The folder for screenshots (each test replaces its own pictures, and only those)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def slow_down(page: Page, *, cpu: float = 6, latency_ms: int = 0, kbps: int = 0) -> CDPSession:
    """Throttle the page's CPU (and network): a test that passes only on a fast machine fails here.

    `cpu` is Chromium's slowdown factor; `latency_ms` is added to every request's round trip and
    `kbps` caps the throughput both ways."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
    if latency_ms or kbps:
        cdp.send("Network.enable")
        rate: Any = kbps * 1024 / 8 if kbps else -1
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": latency_ms, "downloadThroughput": rate, "uploadThroughput": rate},
        )
    return cdp
