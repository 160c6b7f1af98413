"""A member is due to report for a cycle only if it belonged to the Alliance on the cycle's due
date. Walking every member and every cycle: a cycle before a member joined (Kosovo, 30 September
2014) is never shown as late or startable on its home page, in the API's status, or on the
completeness page, and cannot be started."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from commitments import services
from commitments.models import Membership, MemberState, ReportingCycle
from commitments.standing import memberships_of, standing
from tests.api.conftest import ApiClient
from tests.conftest import VerifiedClient
from tests.factories import ReportingCycleFactory, UserFactory

KOSOVO_JOINED = date(2014, 9, 30)


@pytest.fixture
def cycles(alliance: None) -> list[ReportingCycle]:
    """The initial report (due 1 April 2013) and yearly cycles due in 2014, 2015 and 2016."""
    made = [
        ReportingCycleFactory.create(
            name=f"Progress report {year}",
            period_start=date(year - 1, 4, 2),
            period_end=date(year, 4, 1),
            opens_on=date(year - 1, 4, 2),
            due_on=date(year, 4, 1),
        )
        for year in (2014, 2015, 2016)
    ]
    return [ReportingCycle.objects.get(due_on=date(2013, 4, 1)), *made]


def test_kosovo_is_not_due_before_it_joined(cycles: list[ReportingCycle]) -> None:
    kosovo = MemberState.objects.get(iso_code="XK")
    periods = list(Membership.objects.filter(member_state=kosovo))
    assert [p.joined_on for p in periods] == [KOSOVO_JOINED]
    states = [standing(cycle=c, submission=None, memberships=periods, today=date(2026, 1, 1)) for c in cycles]
    assert [s.state for s in states] == ["not_due", "not_due", "not_started", "not_started"]
    assert [s.is_late for s in states] == [False, False, True, True]


def test_no_member_is_shown_late_or_startable_for_a_cycle_before_it_joined(
    cycles: list[ReportingCycle], client: Client
) -> None:
    members = list(MemberState.objects.order_by("iso_code"))
    periods = memberships_of(m.pk for m in members)
    contacts = {
        m.pk: UserFactory.create(email=f"contact.{m.iso_code.lower()}@example.org", member_state=m) for m in members
    }
    today = date(2026, 12, 2)
    not_due_seen = 0
    with time_machine.travel(today, tick=False):
        for member in members:
            due = {c.pk for c in cycles if any(p.covers(c.due_on) for p in periods[member.pk])}
            not_due_seen += len(cycles) - len(due)
            page = VerifiedClient()
            page.force_login(contacts[member.pk])
            html = page.get(reverse("commitments:home")).content.decode()
            for cycle in cycles:
                start = reverse("commitments:cycle_start", args=[cycle.pk])
                if cycle.pk in due:
                    assert start in html, f"{member.iso_code} can start {cycle.name}"
                else:
                    assert start not in html, f"{member.iso_code} is offered {cycle.name}, not due"
                    assert cycle.name not in html, f"{member.iso_code}'s home lists {cycle.name}, not due"
                    refused = page.post(start)
                    assert refused.status_code == 302
                    with pytest.raises(services.WorkflowError):
                        services.submission_start(member_state=member, cycle=cycle, actor=contacts[member.pk])
    assert not_due_seen >= 12  # the six members that joined between the two conferences, twice each
    reviewer = UserFactory.create(email="rev@example.org", role=User.Role.SECRETARIAT_REVIEWER, member_state=None)
    for cycle in cycles:
        with time_machine.travel(cycle.due_on - timedelta(days=1), tick=False):
            cache.clear()
            secretariat = VerifiedClient()
            secretariat.force_login(reviewer)
            answer = secretariat.get(reverse("commitments:completeness"), {"cycle": cycle.pk})
            assert answer.status_code == 200, (answer.status_code, answer.get("Location"))
            completeness = answer.content.decode()
            listed = ApiClient().get("/api/v1/members/", {"page_size": 100}).json()["results"]
        status = {row["iso_code"]: row["status"]["current_cycle"] for row in listed}
        for member in members:
            member_is_due = any(p.covers(cycle.due_on) for p in periods[member.pk])
            assert (f'<th scope="row">{member.name}</th>' in completeness) == member_is_due, (member, cycle)
            if member.iso_code in status:  # the API lists the members on the day asked
                current = status[member.iso_code]
                assert current["cycle"] == cycle.pk
                if not member_is_due:
                    assert current["submission_status"] == "not_due", (member, cycle)
                assert current["is_late"] is False
    # Kosovo's own status in the cycle due in April 2014 (it is listed from 30 September 2014).
    with time_machine.travel(date(2014, 10, 1), tick=False):
        cache.clear()
        kosovo = ApiClient().get("/api/v1/members/XK/").json()["status"]["current_cycle"]
    assert kosovo["name"] == "Progress report 2015"
    assert kosovo["submission_status"] == "not_started"
    assert kosovo["is_late"] is False
