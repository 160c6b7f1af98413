"""Every page, as a national contact and as the secretariat see it, at phone widths (390 and 320
CSS pixels) and on a desktop: no sideways scrolling, a usable header, and no serious or critical
axe-core violation, in the states people meet (errors included). Screenshots of each page at each
width are kept in var/screenshots/."""

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, ViewportSize, expect

from accounts.models import User
from commitments.models import Submission
from reports.models import CompiledReport
from tests.browser.audit import assert_no_sideways_scroll, audit
from tests.browser.people import PASSWORD, sign_in
from tests.conftest import TEST_TOTP_KEY, current_code

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

VIEWPORTS: dict[str, ViewportSize] = {
    "390": {"width": 390, "height": 844},
    "320": {"width": 320, "height": 640},
}


@pytest.fixture(params=list(VIEWPORTS))
def sized(request: pytest.FixtureRequest, chromium: Browser, site: str) -> Iterator[tuple[str, Callable[..., Page]]]:
    """Tabs at one viewport size (and, on demand, with JavaScript off)."""
    contexts = []

    def open_tab(*, javascript: bool = True) -> Page:
        context = chromium.new_context(base_url=site, viewport=VIEWPORTS[request.param], java_script_enabled=javascript)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield request.param, open_tab
    for context in contexts:
        context.close()


def check(page: Page, width: str, name: str, screenshots: Path) -> None:
    expect(page.locator("main")).to_be_visible()
    assert_no_sideways_scroll(page, name)
    header = page.locator(".site-header")
    for control in header.locator("a, button").all():
        box = control.bounding_box()
        assert box is not None, f"{name}: a header control is not shown"
        right = page.viewport_size["width"] if page.viewport_size else 0
        off_screen = f"{name}: header control {control.inner_text()!r} is off screen at {width} px"
        assert box["x"] >= 0, off_screen
        assert box["x"] + box["width"] <= right + 0.5, off_screen
    audit(page, f"{name} at {width} px")
    page.screenshot(path=str(screenshots / f"w{width}-{name}.png"), full_page=True)


def test_contact_pages_reflow_and_pass_axe(
    sized: tuple[str, Callable[..., Page]], contact: User, draft: Submission, screenshots: Path
) -> None:
    width, open_tab = sized
    page = open_tab()
    page.goto("/")
    check(page, width, "overview", screenshots)
    page.goto("/accounts/login/")
    check(page, width, "login", screenshots)
    page.get_by_label("Email address").fill(contact.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".errors")).to_be_visible()
    check(page, width, "login-refused", screenshots)
    sign_in(page, contact)
    check(page, width, "contact-home", screenshots)
    page.get_by_role("link", name=re.compile("^Open ")).first.click()
    expect(page.locator("form[data-autosave-ready='true']")).to_have_count(2)
    check(page, width, "editor", screenshots)
    icse = page.get_by_role("article", name="Connect the victim identification unit to ICSE")
    icse.get_by_label("Completion (%)").fill("-5")
    icse.get_by_role("button", name="Save").click()
    expect(icse.locator(".error-message")).to_have_count(1)
    check(page, width, "editor-autosave-error", screenshots)
    # Checkboxes are targets of at least 24 by 24 CSS pixels, beside their labels.
    done = icse.get_by_label("Done", exact=True)
    box = done.bounding_box()
    assert box is not None
    assert box["width"] >= 24
    assert box["height"] >= 24
    label = icse.locator("label", has_text=re.compile("^Done$")).bounding_box()
    assert label is not None
    assert abs(label["y"] - box["y"]) < box["height"], "the label sits beside its checkbox"
    page.goto(f"/submissions/{draft.pk}/pledges/new")
    check(page, width, "pledge", screenshots)
    page.get_by_role("button", name="Add the pledge").click()
    check(page, width, "pledge-refused", screenshots)
    # The report filled offline: the upload page, a refused file, and a preview with an error.
    page.goto(f"/submissions/{draft.pk}/spreadsheet/")
    check(page, width, "fill-in-upload", screenshots)
    upload = page.get_by_label("The filled spreadsheet (.xlsx)")
    upload.set_input_files({"name": "report.xlsx", "mimeType": "text/csv", "buffer": b"Status;Completion\n"})
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator(".error-message")).to_be_visible()
    check(page, width, "fill-in-refused", screenshots)
    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Download the spreadsheet").click()
    book = load_workbook(io.BytesIO(downloaded.value.path().read_bytes()))
    book.worksheets[0].cell(row=2, column=9).value = 120  # completion beyond 100: an error
    filled = io.BytesIO()
    book.save(filled)
    upload.set_input_files({"name": "report.xlsx", "mimeType": XLSX, "buffer": filled.getvalue()})
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What the spreadsheet changes")
    check(page, width, "fill-in-preview", screenshots)
    page.goto("/accounts/")
    check(page, width, "account", screenshots)
    page.goto("/accounts/password/")
    check(page, width, "password-change", screenshots)
    page.goto("/accounts/two-factor/")
    check(page, width, "two-factor-setup", screenshots)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name=re.compile("Confirm|Continue|Turn on|Set up")).first.click()
    expect(page.locator(".error-message")).to_be_visible()
    check(page, width, "two-factor-setup-refused", screenshots)
    page.goto("/accounts/password/reset/")
    check(page, width, "password-reset", screenshots)
    page.goto("/accounts/signed-in/")
    check(page, width, "signed-in-again", screenshots)
    page.goto("/no-such-page/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check(page, width, "not-found", screenshots)

    # Without JavaScript the Save button posts the form: the refused form has a summary of errors.
    plain = open_tab(javascript=False)
    plain.goto("/accounts/login/")
    plain.get_by_label("Email address").fill(contact.email)
    plain.get_by_label("Password").fill(PASSWORD)
    plain.get_by_role("button", name="Sign in").click()
    plain.goto(f"/submissions/{draft.pk}/")
    form = plain.get_by_role("article", name="Run a school awareness campaign")
    form.get_by_label("Completion (%)").fill("140")
    form.get_by_role("button", name="Save").click()
    summary = plain.locator(".error-summary")
    expect(summary).to_contain_text("less than or equal to 100")
    expect(
        plain.get_by_role("article", name="Run a school awareness campaign").get_by_label("Completion (%)")
    ).to_have_attribute("aria-invalid", "true")
    assert_no_sideways_scroll(plain, "the refused form without JavaScript")
    # axe needs JavaScript: the same answer, shown in a tab that runs it, is audited.
    shown = open_tab()
    html = plain.content()
    shown.route(plain.url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
    shown.goto(plain.url)
    check(shown, width, "editor-refused-without-javascript", screenshots)


def test_secretariat_pages_reflow_and_pass_axe(
    sized: tuple[str, Callable[..., Page]],
    reviewer: User,
    secretariat_admin: User,
    submitted: Submission,
    screenshots: Path,
) -> None:
    width, open_tab = sized
    report = CompiledReport.objects.create(
        cycle=submitted.cycle, edition=CompiledReport.Edition.SECRETARIAT, requested_by=reviewer
    )
    page = open_tab()
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(reviewer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    check(page, width, "verify", screenshots)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error-message")).to_be_visible()
    check(page, width, "verify-refused", screenshots)
    page.wait_for_timeout(2_100)  # django-otp makes the next try wait after a wrong code
    page.get_by_label("Code").fill(current_code(TOTPDevice.objects.get(user=reviewer)))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review queue")
    check(page, width, "review-queue", screenshots)
    page.goto("/review/completeness/")
    check(page, width, "completeness", screenshots)
    page.goto(f"/review/submissions/{submitted.pk}/")
    check(page, width, "review", screenshots)
    page.get_by_role("button", name="Return the chosen updates").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check(page, width, "review-refused", screenshots)
    page.get_by_role("button", name="Accept the report").click()  # the box is not ticked: the browser says so
    page.goto(f"/submissions/{submitted.pk}/")
    check(page, width, "submission-read-only", screenshots)
    page.goto("/reports/")
    check(page, width, "reports", screenshots)
    page.goto(f"/reports/{report.pk}/")
    check(page, width, "report-queued", screenshots)

    # The administration, as a secretariat administrator sees it.
    TOTPDevice.objects.create(user=secretariat_admin, name="Authenticator app", key=TEST_TOTP_KEY)
    admin = open_tab()
    sign_in(admin, secretariat_admin)
    admin.goto("/admin/")
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Secretariat administration")
    check(admin, width, "administration", screenshots)
    admin.goto("/admin/commitments/memberstate/")
    check(admin, width, "administration-members", screenshots)
