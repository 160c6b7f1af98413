"""The page checks measure the page as users see it: a navigation started by a click shows its
heading before a slow stylesheet applies, and the reflow check must wait for the stylesheet
rather than measure the unstyled page (a chart drawn 576 px wide that its CSS shrinks to fit)."""

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.audit import assert_no_sideways_scroll

pytestmark = pytest.mark.browser

PAGES = {
    "/": '<!doctype html><html lang="en"><title>Start</title><main><a href="/chart">Chart</a></main></html>',
    "/chart": (
        '<!doctype html><html lang="en"><head><title>Chart</title><link rel="stylesheet" href="/slow.css">'
        '</head><body><main><h1>Chart</h1><svg width="576" height="200" viewBox="0 0 576 200">'
        '<rect width="576" height="200"/></svg></main></body></html>'
    ),
}
CSS = b"svg { display: block; max-width: 100%; height: auto; }"
CSS_DELAY_S = 1.5


class _Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow.css":
            time.sleep(CSS_DELAY_S)
            body, kind = CSS, "text/css"
        elif self.path in PAGES:
            body, kind = PAGES[self.path].encode(), "text/html"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_css_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_reflow_check_waits_for_the_stylesheet_of_a_page_reached_by_a_click(
    chromium: Browser, slow_css_site: str
) -> None:
    context = chromium.new_context(base_url=slow_css_site, viewport={"width": 390, "height": 844})
    page: Page = context.new_page()
    try:
        page.goto("/")
        page.get_by_role("link", name="Chart").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Chart")  # before the CSS arrives
        assert_no_sideways_scroll(page, "chart")
        assert page.evaluate("() => document.querySelector('svg').getBoundingClientRect().width") <= 390
    finally:
        context.close()
