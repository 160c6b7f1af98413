"""The report's content per edition: what it holds, what it leaves out, and that it is deterministic."""

import csv
import hashlib
import io
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from commitments import services
from commitments.models import ProgressUpdate, ReportingCycle, Submission
from reports.data import data_version, render_csv, render_json, report_data
from tests.conftest import fill_all
from tests.factories import ReportingCycleFactory

SECRET = "secretariat-only narrative 1f2e"
MEMBERS_ONLY = "members-only narrative 9a8b"
PUBLIC = "public narrative 3c4d"


def accepted_report(submission: Submission, contact: User, reviewer: User, french_commitments, **icse: int) -> None:
    fill_all(submission, contact)
    icse_update = ProgressUpdate.objects.get(submission=submission, commitment=french_commitments[0])
    other = ProgressUpdate.objects.get(submission=submission, commitment=french_commitments[1])
    ProgressUpdate.objects.filter(pk=icse_update.pk).update(
        confidentiality="public", narrative=PUBLIC, icse_victims_identified=icse.get("icse")
    )
    ProgressUpdate.objects.filter(pk=other.pk).update(confidentiality="secretariat", narrative=SECRET)
    submitted = services.submission_submit(submission=submission, actor=contact)
    services.submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)


def test_the_public_edition_holds_only_public_content(
    draft: Submission, contact: User, reviewer: User, french_commitments
) -> None:
    accepted_report(draft, contact, reviewer, french_commitments, icse=40)
    today = timezone.localdate()
    public = render_json(report_data(cycle=draft.cycle, edition="public", today=today)).decode()
    full = render_json(report_data(cycle=draft.cycle, edition="secretariat", today=today)).decode()
    assert PUBLIC in public
    assert SECRET not in public
    assert SECRET in full
    public_csv = render_csv(report_data(cycle=draft.cycle, edition="public", today=today)).decode()
    assert SECRET not in public_csv
    assert MEMBERS_ONLY not in public


def test_a_members_level_update_stays_out_of_the_public_edition(
    draft: Submission, contact: User, reviewer: User, french_commitments
) -> None:
    fill_all(draft, contact, narrative=MEMBERS_ONLY, confidentiality="members")
    submitted = services.submission_submit(submission=draft, actor=contact)
    services.submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)
    data = report_data(cycle=draft.cycle, edition="public", today=timezone.localdate())
    assert MEMBERS_ONLY not in render_json(data).decode()
    full = report_data(cycle=draft.cycle, edition="secretariat", today=timezone.localdate())
    assert MEMBERS_ONLY in render_json(full).decode()


def test_two_compiles_of_unchanged_data_are_byte_identical(
    draft: Submission, contact: User, reviewer: User, french_commitments
) -> None:
    accepted_report(draft, contact, reviewer, french_commitments, icse=40)
    first = report_data(cycle=draft.cycle, edition="secretariat", today=timezone.localdate())
    second = report_data(cycle=draft.cycle, edition="secretariat", today=timezone.localdate())
    assert hashlib.sha256(render_json(first)).hexdigest() == hashlib.sha256(render_json(second)).hexdigest()
    assert hashlib.sha256(render_csv(first)).hexdigest() == hashlib.sha256(render_csv(second)).hexdigest()
    assert data_version(first) == data_version(second)
    # An accepted report is read from what was accepted: rows changed behind the workflow's back
    # do not change it.
    ProgressUpdate.objects.filter(submission=draft).update(completion_percent=99)
    assert data_version(report_data(cycle=draft.cycle, edition="secretariat", today=timezone.localdate())) == (
        data_version(first)
    )
    draft.refresh_from_db()
    Submission.objects.filter(pk=draft.pk).update(accepted_at=None, status=Submission.Status.SUBMITTED)
    changed = report_data(cycle=draft.cycle, edition="secretariat", today=timezone.localdate())
    assert data_version(changed) != data_version(first)


def test_the_icse_goal_is_checked_against_the_previous_cycle(
    contact: User, reviewer: User, cycle: ReportingCycle, french_commitments
) -> None:
    earlier = ReportingCycleFactory.create(
        name="Earlier cycle",
        period_start=cycle.period_start - timedelta(days=365),
        period_end=cycle.period_start - timedelta(days=1),
        opens_on=cycle.opens_on - timedelta(days=365),
        due_on=cycle.due_on - timedelta(days=365),
    )
    before = services.submission_start(member_state=contact.member_state, cycle=earlier, actor=contact)  # type: ignore[arg-type]
    accepted_report(before, contact, reviewer, french_commitments, icse=100)
    now = services.submission_start(member_state=contact.member_state, cycle=cycle, actor=contact)  # type: ignore[arg-type]
    accepted_report(now, contact, reviewer, french_commitments, icse=109)
    data = report_data(cycle=cycle, edition="public", today=timezone.localdate())
    france = next(m for m in data["members"] if m["iso_code"] == "FR")
    check = france["goal_checks"]["icse_identified_victims"]
    assert check == {"current": 109, "previous": 100, "growth_percent": "9.00", "result": "not_met"}
    germany = next(m for m in data["members"] if m["iso_code"] == "DE")
    assert germany["goal_checks"]["icse_identified_victims"]["result"] == "missing"
    assert data["overview"]["icse_identified_victims"]["result"] == "not_met"
    assert data["cycle"]["previous_cycle"] == "Earlier cycle"


def test_completeness_and_the_csv_rows(draft: Submission, contact: User, reviewer: User, french_commitments) -> None:
    accepted_report(draft, contact, reviewer, french_commitments, icse=40)
    data = report_data(cycle=draft.cycle, edition="secretariat", today=timezone.localdate())
    assert data["overview"]["members"] == 54
    assert data["overview"]["completeness"] == {
        "on_time": 1,
        "late": 0,
        "not_submitted": 53,
        "accepted": 1,
        "awaiting_review": 0,
    }
    rows = list(csv.DictReader(io.StringIO(render_csv(data).decode())))
    assert [(r["member"], r["commitment"]) for r in rows] == [("FR", c.title) for c in french_commitments]
