"""Published reports for the public site's tests: compiled in-process by the reports service, then
published the way the publish step leaves them (`published_at` set)."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from commitments.models import Commitment, GoalCode, ReportingCycle, Submission
from commitments.services import progress_update_save, submission_accept, submission_start, submission_submit
from reports.models import CompiledReport
from reports.services import report_compile, report_request

# The browser tests' fixtures (tests/browser/conftest.py), for the public site's browser tests.
from tests.browser.conftest import _allow_async_unsafe, chromium, screenshots, site  # noqa: F401
from tests.conftest import fill_all
from tests.factories import ReportingCycleFactory

FAKE_PDF = b"%PDF-1.7\n% a stand-in: these tests do not read the PDF\n%%EOF\n"


@pytest.fixture
def fast_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compiles without WeasyPrint (seconds per report): tests that never open the PDF."""
    monkeypatch.setattr("reports.services.render_pdf", lambda html: FAKE_PDF)


def accept(
    submission: Submission, *, contact: User, reviewer: User, icse: int | None = None, **values: object
) -> Submission:
    """Write every update of the submission (public, unless told), with `icse` victims identified
    on the ICSE pledge, submit it and accept it."""
    fill_all(submission, contact, **{"confidentiality": "public", **values})
    if icse is not None:
        pledge = Commitment.objects.get(member_state=submission.member_state, goal__code=GoalCode.ICSE)
        figures = {"icse_victims_identified": icse, "figures_source": "National police statistics"}
        progress_update_save(
            submission=submission, commitment=pledge, actor=contact, values=figures, expected_version=None
        )
    submitted = submission_submit(submission=submission, actor=contact)
    return submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)


def compile_public(cycle: ReportingCycle, reviewer: User) -> CompiledReport:
    return report_compile(report=report_request(cycle=cycle, edition=CompiledReport.Edition.PUBLIC, actor=reviewer))


def publish(report: CompiledReport, *, days_ago: int = 0) -> CompiledReport:
    """What the publish step does to a report, as far as the public site can tell."""
    CompiledReport.objects.filter(pk=report.pk).update(published_at=timezone.now() - timedelta(days=days_ago))
    report.refresh_from_db()
    return report


@pytest.fixture
def accepted(draft: Submission, contact: User, reviewer: User) -> Submission:
    """France's report for the open cycle, accepted, its updates public."""
    return accept(draft, contact=contact, reviewer=reviewer, completion_percent=60)


@pytest.fixture
def published(accepted: Submission, reviewer: User, fast_pdf: None) -> CompiledReport:
    """The public edition of the open cycle, published."""
    return publish(compile_public(accepted.cycle, reviewer))


@pytest.fixture
def earlier_cycle(alliance: None) -> ReportingCycle:
    """The yearly cycle before the open one (closed a year ago)."""
    today = timezone.localdate()
    return ReportingCycleFactory.create(
        name="Progress report (year before)",
        period_start=today - timedelta(days=665),
        period_end=today - timedelta(days=305),
        opens_on=today - timedelta(days=395),
        due_on=today - timedelta(days=305),
    )


@pytest.fixture
def publish_earlier(
    earlier_cycle: ReportingCycle, contact: User, reviewer: User, french_commitments: object, fast_pdf: None
) -> Callable[[], CompiledReport]:
    """Publish the earlier cycle's report, France's accepted at 20% with 100 victims identified
    (call before the open cycle's)."""

    def make() -> CompiledReport:
        assert contact.member_state is not None
        draft = submission_start(member_state=contact.member_state, cycle=earlier_cycle, actor=contact)
        accept(draft, contact=contact, reviewer=reviewer, completion_percent=20, icse=100)
        return publish(compile_public(earlier_cycle, reviewer), days_ago=300)

    return make


def on(day: date) -> str:
    """A date as the pages write it."""
    return f"{day.day} {day:%B %Y}"
