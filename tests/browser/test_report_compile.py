"""In a real browser: the secretariat compiles a report and follows it on a progress bar while a
real Celery worker builds it, then reads and downloads the result."""

from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response, expect

from accounts.models import User
from commitments.demo import seed_demo
from commitments.models import ReportingCycle
from reports.models import CompiledReport
from tests.browser.people import sign_in


def test_the_secretariat_compiles_a_report_and_follows_its_progress(
    page: Page, reviewer: User, celery_worker_factory: Any, screenshots: Path
) -> None:
    # Every member reporting (the demo data), so that the compile runs long enough to be watched.
    seed_demo(password="demo-password-1", today=timezone.localdate())
    cycle = ReportingCycle.objects.filter(submissions__isnull=False).order_by("-due_on").first()
    assert cycle is not None
    seen: list[tuple[str, int]] = []

    def record(response: Response) -> None:
        if "/api/v1/reports/" in response.url and response.request.method == "GET" and response.ok:
            try:
                body = response.json()
            except PlaywrightError:  # the last one: the page reloaded (to show the files) meanwhile
                return
            seen.append((body["status"], body["progress"]))

    page.on("response", record)
    sign_in(page, reviewer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Progress reports", level=1)).to_be_visible()
    page.get_by_label("Cycle").select_option(label=cycle.name)
    page.get_by_label("Edition").select_option(label="Secretariat edition (everything)")
    page.get_by_role("button", name="Compile").click()

    # No worker yet: the request waits in the queue, and the page says so.
    status = page.get_by_role("status")
    expect(status).to_have_text("Queued: waiting for a worker.")
    bar = page.get_by_label("Progress")
    expect(bar).to_have_attribute("value", "0")
    page.screenshot(path=str(screenshots / "report-1-queued.png"), full_page=True)

    celery_worker_factory()
    expect(status).to_contain_text("Running", timeout=60_000)
    page.screenshot(path=str(screenshots / "report-2-running.png"), full_page=True)
    expect(status).to_have_text("Done.", timeout=60_000)
    expect(bar).to_have_attribute("value", "100")
    page.screenshot(path=str(screenshots / "report-3-done.png"), full_page=True)

    running = [progress for state, progress in seen if state == "running"]
    assert running, f"the page never saw the compile running: {seen}"
    assert all(0 < p < 100 for p in running)
    assert running == sorted(running), "progress went backwards"
    assert seen[0][0] == "queued"

    report = CompiledReport.objects.get()
    files = page.get_by_role("table").filter(has_text="SHA-256")
    for entry in report.files.all():
        expect(files).to_contain_text(entry.sha256)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == f"{cycle.name} (secretariat).csv"
    assert Path(download.value.path()).read_bytes().startswith(b"member,member_name,")
    page.get_by_role("link", name="Read in the browser (HTML)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(cycle.name)
    expect(page.locator("svg").first).to_be_visible()  # the charts
