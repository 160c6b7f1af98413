"""A cycle's report says what was true for that cycle: compiled again after later pledges, later
progress and later members, it is the same to the byte. Goal checks compare like with like, year on
year, and say who was left out. The public edition says a submitted report awaits review."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from commitments import services
from commitments.models import (
    Commitment,
    Membership,
    MemberState,
    OperationalGoal,
    PolicyTarget,
    ReportingCycle,
    SourceDocument,
    Submission,
)
from reports.data import render_csv, render_json, report_data
from reports.services import report_compile, report_request
from tests.factories import CommitmentFactory, ReportingCycleFactory, UserFactory

TODAY = timezone.localdate()


def yearly(name: str, period_end: date, *, months: int = 12) -> ReportingCycle:
    start = period_end - timedelta(days=365 if months == 12 else 120) + timedelta(days=1)
    return ReportingCycleFactory.create(
        name=name, period_start=start, period_end=period_end, opens_on=start, due_on=period_end
    )


def contact_of(code: str) -> User:
    member = MemberState.objects.get(iso_code=code)
    found = User.objects.filter(member_state=member).first()
    return found or UserFactory.create(email=f"contact.{code.lower()}@example.org", member_state=member)


def icse_pledge(code: str) -> Commitment:
    return CommitmentFactory.create(
        member_state=MemberState.objects.get(iso_code=code),
        target=PolicyTarget.objects.get(code="victims"),
        goal=OperationalGoal.objects.get(code="icse-identified-victims"),
        title=f"ICSE unit of {code}",
    )


def report(
    code: str,
    cycle: ReportingCycle,
    *,
    values: dict[str, Any] | None = None,
    submit: bool = True,
    accept: bool = True,
    reviewer: User | None = None,
) -> Submission:
    """The member's report for the cycle: every pledge written, then submitted and accepted."""
    contact = contact_of(code)
    submission = services.submission_start(member_state=contact.member_state, cycle=cycle, actor=contact)  # type: ignore[arg-type]
    for commitment in Commitment.objects.filter(member_state=contact.member_state):
        figures = {"icse_victims_identified": (values or {}).get(code)} if commitment.goal else {}
        services.progress_update_save(
            submission=submission,
            commitment=commitment,
            actor=contact,
            values={
                "status": "on_track",
                "completion_percent": 50,
                "narrative": f"{code} in {cycle.name}.",
                "confidentiality": "public",
                **{k: v for k, v in figures.items() if v is not None},
            },
            expected_version=None,
        )
    if submit:
        submission = services.submission_submit(submission=submission, actor=contact)
    if submit and accept:
        assert reviewer is not None
        submission = services.submission_accept(submission=submission, actor=reviewer, seen_version=submission.version)
    return submission


def compiled(cycle: ReportingCycle) -> dict[str, bytes]:
    out = {}
    for edition in ("secretariat", "public"):
        data = report_data(cycle=cycle, edition=edition, today=TODAY)
        out[f"{edition}.json"] = render_json(data)
        out[f"{edition}.csv"] = render_csv(data)
    return out


def test_a_past_cycles_report_is_the_same_after_later_pledges_progress_and_members(
    alliance: None, reviewer: User
) -> None:
    past = yearly("Progress report (past)", TODAY - timedelta(days=30))
    later = yearly("Progress report (later)", TODAY + timedelta(days=300))
    for code in ("FR", "DE", "IT"):
        icse_pledge(code)
    report("FR", past, values={"FR": 120}, reviewer=reviewer)  # accepted
    report("DE", past, values={"DE": 80}, accept=False)  # submitted, awaiting review
    report("IT", past, submit=False)  # a draft, never submitted
    before = compiled(past)
    first = report_compile(report=report_request(cycle=past, edition="secretariat", actor=reviewer))

    # Later: a new pledge (in the later cycle, and one recorded without a cycle), progress in the
    # later cycle, the accepted pledge renamed and its status moved on, and a new member.
    france = MemberState.objects.get(iso_code="FR")
    fr_contact = contact_of("FR")
    services.commitment_pledge(
        member_state=france,
        cycle=later,
        actor=fr_contact,
        values={"target": PolicyTarget.objects.get(code="awareness"), "title": "A later pledge", "status": "on_track"},
    )
    CommitmentFactory.create(
        member_state=france, target=PolicyTarget.objects.get(code="prosecution"), title="Recorded later"
    )
    Commitment.objects.filter(title="ICSE unit of FR").update(title="ICSE unit of FR (renamed)", status="completed")
    report("FR", later, values={"FR": 999}, accept=False)
    report("DE", later, values={"DE": 5}, submit=False)
    source = SourceDocument.objects.get(seed_file__startswith="000")
    newcomer = MemberState.objects.create(name="Newland", iso_code="QN", name_source=source, listed_as="Newland")
    Membership.objects.create(member_state=newcomer, joined_on=TODAY, source=source)

    after = compiled(past)
    for name, content in before.items():
        assert after[name] == content, f"{name} changed"
    again = report_compile(report=report_request(cycle=past, edition="secretariat", actor=reviewer))
    assert again.same_as == first  # the same data: answered with the report already built

    data = report_data(cycle=past, edition="secretariat", today=TODAY)
    members = {m["iso_code"]: m for m in data["members"]}
    assert "QN" not in members
    titles = [c["title"] for c in members["FR"]["commitments"]]
    assert titles == ["ICSE unit of FR"]
    assert members["FR"]["content"] == "accepted"
    assert members["DE"]["content"] == "submitted"
    assert members["IT"]["content"] == "in_progress"


def test_the_public_edition_says_a_submitted_report_awaits_review(alliance: None, reviewer: User) -> None:
    cycle = yearly("Progress report (review)", TODAY + timedelta(days=20))
    for code in ("FR", "DE"):
        icse_pledge(code)
    report("FR", cycle, reviewer=reviewer)
    report("DE", cycle, accept=False)
    data = report_data(cycle=cycle, edition="public", today=TODAY)
    members = {m["iso_code"]: m for m in data["members"]}
    assert members["FR"]["submission"] == "accepted"
    assert members["DE"]["submission"] == "awaiting_review"
    assert members["DE"]["commitments"] == []  # nothing of it is published yet
    assert members["IT"]["submission"] == "not_submitted"
    assert data["overview"]["completeness"]["awaiting_review"] == 1
    assert data["overview"]["completeness"]["not_submitted"] == data["overview"]["members"] - 2
    done = report_compile(report=report_request(cycle=cycle, edition="public", actor=reviewer))
    html = done.files.get(format="html").file.read().decode()
    assert "Report: Awaiting review." in html  # in words (`reports.labels`), not the code


@pytest.fixture
def two_years(alliance: None) -> tuple[ReportingCycle, ReportingCycle, ReportingCycle]:
    initial = ReportingCycle.objects.get(name__icontains="initial")
    first = yearly("Year one", date(2021, 4, 1))
    second = yearly("Year two", date(2022, 4, 1))
    return initial, first, second


def test_the_alliance_icse_check_compares_the_same_members_year_on_year(
    two_years: tuple[ReportingCycle, ReportingCycle, ReportingCycle], reviewer: User, time_machine: Any
) -> None:
    """Every member that reported both years rose 7%; one reported only the first year, one only
    the second. Summing all who reported shows a fall; like for like shows the 7% rise."""
    _, first, second = two_years
    time_machine.move_to(date(2020, 6, 1))
    for code in ("FR", "DE", "ES", "IT"):
        icse_pledge(code)
    report("FR", first, values={"FR": 100}, reviewer=reviewer)
    report("DE", first, values={"DE": 200}, reviewer=reviewer)
    report("ES", first, values={"ES": 1000}, reviewer=reviewer)  # not in the second year
    time_machine.move_to(date(2021, 6, 1))
    report("FR", second, values={"FR": 107}, reviewer=reviewer)
    report("DE", second, values={"DE": 214}, reviewer=reviewer)
    report("IT", second, values={"IT": 50}, reviewer=reviewer)  # not in the first year
    data = report_data(cycle=second, edition="secretariat", today=date(2022, 6, 1))
    check = data["overview"]["icse_identified_victims"]
    assert data["cycle"]["year_before"] == "Year one"
    assert check["compared"] == ["DE", "FR"]
    assert (check["current"], check["previous"]) == (321, 300)
    assert Decimal(check["growth_percent"]) == Decimal("7.00")
    assert check["result"] == "not_met"  # a rise, short of 10%
    left_out = {item["member"]: item["reason"] for item in check["left_out"]}
    assert set(left_out) == {"ES", "IT"}
    assert "Year one but not for Year two" in left_out["ES"]
    assert "Year two but not for Year one" in left_out["IT"]
    members = {m["iso_code"]: m for m in data["members"]}
    assert members["FR"]["goal_checks"]["icse_identified_victims"]["growth_percent"] == "7.00"
    assert members["IT"]["goal_checks"]["icse_identified_victims"]["result"] == "no_previous_year"
    # The reading applied is stated in the report, from the reference data.
    assert {r["key"] for r in data["method"]["readings"]} == {"icse-goal-reading", "takedown-goal-reading"}


def test_the_first_yearly_cycle_is_not_compared_with_the_four_month_initial_report(
    two_years: tuple[ReportingCycle, ReportingCycle, ReportingCycle], reviewer: User
) -> None:
    initial, first, _ = two_years
    data = report_data(cycle=initial, edition="secretariat", today=TODAY)
    assert data["cycle"]["yearly"] is False
    assert data["cycle"]["year_before"] is None
    assert data["overview"]["icse_identified_victims"]["result"] in ("missing", "no_previous_year")
    assert report_data(cycle=first, edition="secretariat", today=TODAY)["cycle"]["year_before"] is None


def test_a_members_takedown_median_is_the_mean_of_the_two_middle_figures() -> None:
    from reports.goals import median

    assert median([Decimal(10), Decimal(40), Decimal(20), Decimal(30)]) == Decimal(25)
    assert median([Decimal(10), Decimal(30), Decimal(20)]) == Decimal(20)
    assert median([]) is None
