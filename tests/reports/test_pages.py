"""The report pages: starting a compile, following it, reading and downloading the result."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from commitments.models import ReportingCycle, Submission
from reports.models import CompiledReport
from reports.services import report_compile, report_fail, report_request


def test_the_secretariat_starts_a_compile_from_the_reports_page(
    client, reviewer: User, cycle: ReportingCycle, django_capture_on_commit_callbacks
) -> None:
    client.force_login(reviewer)
    page = client.get("/reports/")
    assert page.status_code == 200
    assert b"Compile a report" in page.content
    with django_capture_on_commit_callbacks(execute=False) as queued:
        started = client.post("/reports/compile", {"cycle": cycle.pk, "edition": "public"})
    report = CompiledReport.objects.get()
    assert started.status_code == 302
    assert started["Location"] == f"/reports/{report.pk}/"
    assert len(queued) == 1  # the compile goes to the worker once the request commits
    detail = client.get(started["Location"])
    html = detail.content.decode()
    assert '<progress id="report-progress" max="100" value="0">' in html
    assert "Queued: waiting for a worker." in html
    assert f'data-status-url="/api/v1/reports/{report.pk}/"' in html
    assert "js/report-progress" in html
    assert "<script>" not in html  # no inline script (the CSP forbids it)


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"cycle": 999999, "edition": "public"}, "cycle", "Choose a reporting cycle from the list."),
        ({"cycle": "", "edition": "public"}, "cycle", "This field is required."),
        ({"cycle": "first", "edition": "public"}, "cycle", "Choose a reporting cycle from the list."),
        ({"edition": "everything"}, "edition", "Select a valid choice. everything is not one of the"),
    ],
)
def test_a_bad_compile_request_is_refused_with_the_field_named(
    client, reviewer: User, cycle: ReportingCycle, form: dict[str, object], field: str, message: str
) -> None:
    client.force_login(reviewer)
    form = {"cycle": cycle.pk, **form}
    refused = client.post("/reports/compile", form)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert not CompiledReport.objects.exists()


def test_a_contact_can_neither_compile_nor_see_unpublished_editions(
    client, contact: User, reviewer: User, submitted: Submission
) -> None:
    secretariat = report_compile(report=report_request(cycle=submitted.cycle, edition="secretariat", actor=reviewer))
    # A public edition is a draft until the secretariat publishes it (tests/reports/test_publication.py).
    public = report_compile(report=report_request(cycle=submitted.cycle, edition="public", actor=reviewer))
    client.force_login(contact)
    refused = client.post("/reports/compile", {"cycle": submitted.cycle_id, "edition": "secretariat"})
    assert refused.status_code == 403
    assert CompiledReport.objects.count() == 2
    listing = client.get("/reports/")
    assert b"Compile a report" not in listing.content
    for report in (public, secretariat):
        assert f"/reports/{report.pk}/".encode() not in listing.content
        assert client.get(f"/reports/{report.pk}/").status_code == 404
        assert client.get(f"/reports/{report.pk}/files/pdf").status_code == 404


def test_a_done_report_offers_each_format_and_shows_the_html_in_the_browser(
    client, reviewer: User, submitted: Submission
) -> None:
    report = report_compile(report=report_request(cycle=submitted.cycle, edition="secretariat", actor=reviewer))
    client.force_login(reviewer)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "Done." in page
    assert "js/report-progress" not in page  # nothing left to follow
    for entry in report.files.all():
        assert f"/reports/{report.pk}/files/{entry.format}" in page
        assert entry.sha256 in page
    shown = client.get(f"/reports/{report.pk}/files/html")
    assert shown["Content-Type"] == "text/html; charset=utf-8"
    assert "attachment" not in shown.get("Content-Disposition", "")
    assert submitted.cycle.name in b"".join(shown.streaming_content).decode()
    download = client.get(f"/reports/{report.pk}/files/pdf")
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert client.get(f"/reports/{report.pk}/files/exe").status_code == 404


def test_a_failed_compile_shows_its_reason(client, reviewer: User, cycle: ReportingCycle) -> None:
    report = report_request(cycle=cycle, edition="public", actor=reviewer)
    report_fail(report_id=report.pk, reason="OSError: No space left on device")
    client.force_login(reviewer)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "Failed." in page
    assert "The compile failed: OSError: No space left on device" in page


def test_a_request_answered_with_an_earlier_report_says_so_and_links_it(
    client, reviewer: User, submitted: Submission
) -> None:
    first = report_compile(report=report_request(cycle=submitted.cycle, edition="public", actor=reviewer))
    second = report_compile(report=report_request(cycle=submitted.cycle, edition="public", actor=reviewer))
    client.force_login(reviewer)
    page = client.get(f"/reports/{second.pk}/").content.decode()
    assert "Nothing had changed since" in page
    assert f'href="/reports/{first.pk}/"' in page
    assert f"/reports/{second.pk}/files/csv" in page  # its files are the earlier report's


def test_the_reports_list_runs_the_same_queries_whatever_the_number_of_reports(
    client, reviewer: User, submitted: Submission
) -> None:
    client.force_login(reviewer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/reports/").status_code == 200
        return len(captured)

    report_compile(report=report_request(cycle=submitted.cycle, edition="public", actor=reviewer))
    queries()  # the first request of a session records it
    few = queries()
    for edition in ("public", "secretariat"):
        report_compile(report=report_request(cycle=submitted.cycle, edition=edition, actor=reviewer))
        report_compile(report=report_request(cycle=submitted.cycle, edition=edition, actor=reviewer))
        report_request(cycle=submitted.cycle, edition=edition, actor=reviewer)
    assert CompiledReport.objects.count() == 7
    assert queries() == few <= 12
