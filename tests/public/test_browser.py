"""The public site in headless Chromium, as an anonymous visitor uses it: reading the dashboard, the
map, a member's page and a published report, downloading its PDF; a draft edition answers 404.
Every page: no serious or critical axe-core violation, no sideways scrolling (at 390 and 320 CSS
pixels). Screenshots in var/screenshots/public-*.png."""

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import User
from commitments.models import ReportingCycle, Submission
from reports.models import CompiledReport
from tests.browser.audit import assert_no_sideways_scroll, audit
from tests.public.conftest import FAKE_PDF, compile_public, publish

pytestmark = pytest.mark.browser


def tab(chromium: Browser, site: str, width: int, height: int) -> Iterator[Page]:
    context: BrowserContext = chromium.new_context(base_url=site, viewport={"width": width, "height": height})
    context.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(chromium: Browser, site: str) -> Iterator[Page]:
    yield from tab(chromium, site, 390, 844)


@pytest.fixture
def narrow(chromium: Browser, site: str) -> Iterator[Page]:
    yield from tab(chromium, site, 320, 640)


def check(page: Page, name: str, screenshots: Path) -> None:
    expect(page.locator("h1")).to_be_visible()
    assert_no_sideways_scroll(page, name)
    audit(page, name)
    page.screenshot(path=str(screenshots / f"public-{name}.png"), full_page=True)


def test_an_anonymous_visitor_reads_the_published_progress_and_downloads_the_report(
    phone: Page, accepted: Submission, reviewer: User, earlier_cycle: ReportingCycle, screenshots: Path
) -> None:
    published = publish(compile_public(accepted.cycle, reviewer))  # with its real PDF
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("reports.services.render_pdf", lambda html: FAKE_PDF)
        draft = compile_public(earlier_cycle, reviewer)  # a public edition, not published
    page = phone

    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alliance progress").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The Alliance at a glance")
    expect(page.get_by_text("48 member states on 5 December 2012; 54 on 30 September 2014.")).to_be_visible()
    expect(page.get_by_text("1 of the 54 member states reported for Progress report (test)")).to_be_visible()
    check(page, "dashboard", screenshots)

    sections = page.get_by_role("navigation", name="Published progress")
    sections.get_by_role("link", name="Map").click()
    members = page.locator("svg.world-map a[data-iso]")
    expect(members).to_have_count(54)
    expect(page.locator('svg.world-map a[data-iso="XK"] path title')).to_have_text("Kosovo: Not submitted")
    expect(page.locator('svg.world-map a[data-iso="FR"]')).to_have_attribute("aria-label", "France: Accepted")
    check(page, "map", screenshots)

    page.get_by_role("table").get_by_role("link", name="France", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("France: published progress")
    expect(page.get_by_role("img", name=re.compile("^Completion by cycle"))).to_have_count(2)
    check(page, "member", screenshots)

    sections.get_by_role("link", name="Published reports").click()
    page.get_by_role("heading", level=2).get_by_role("link", name="Progress report (test)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress report: Progress report (test)")
    check(page, "report", screenshots)
    pdf = published.files.get(format="pdf")
    expect(page.get_by_text(pdf.sha256)).to_be_visible()
    with page.expect_download() as downloading:
        page.get_by_role("link", name=re.compile("^Download the PDF")).click()
    content = Path(downloading.value.path()).read_bytes()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == pdf.sha256  # what the page says it is

    page.get_by_role("link", name=re.compile(r"^Read in the browser \(HTML\)")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Progress report (test)")
    page.screenshot(path=str(screenshots / "public-report-html.png"), full_page=True)
    audit(page, "the report's HTML")

    for address in (f"/alliance/reports/{draft.pk}/", f"/alliance/reports/{draft.pk}/files/pdf"):
        answer = page.goto(address)
        assert answer is not None
        assert answer.status == 404, address


def test_the_public_pages_reflow_at_320_pixels(narrow: Page, published: CompiledReport, screenshots: Path) -> None:
    page = narrow
    for name, address in (
        ("320-dashboard", "/alliance/"),
        ("320-map", "/alliance/map/"),
        ("320-member", "/alliance/members/FR/"),
        ("320-reports", "/alliance/reports/"),
        ("320-report", f"/alliance/reports/{published.pk}/"),
        ("320-open-data", "/alliance/data/"),
    ):
        page.goto(address)
        check(page, name, screenshots)
        # The header's links stay on screen.
        for control in page.locator(".site-header a, .public-nav a").all():
            box = control.bounding_box()
            assert box is not None
            off_screen = f"{name}: {control.inner_text()!r} is off screen"
            assert box["x"] >= 0, off_screen
            assert box["x"] + box["width"] <= 320.5, off_screen
