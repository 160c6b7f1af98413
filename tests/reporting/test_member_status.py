"""The completion of a member's commitments: each commitment's latest accepted progress, averaged."""

from datetime import UTC, date, datetime

import pytest

from commitments import selectors
from commitments.models import Commitment, MemberState, ProgressUpdate, Submission
from tests.factories import CommitmentFactory, ReportingCycleFactory


def accepted(france: MemberState, year: int) -> Submission:
    cycle = ReportingCycleFactory.create(name=f"Progress report {year}", due_on=date(year, 4, 1))
    return Submission.objects.create(
        member_state=france,
        cycle=cycle,
        status=Submission.Status.ACCEPTED,
        accepted_at=datetime(year, 5, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize("distinct_on", [True, False], ids=["distinct-on", "window"])
def test_the_latest_accepted_update_of_each_commitment(alliance: None, distinct_on: bool) -> None:
    france = MemberState.objects.get(iso_code="FR")
    one, two, _three = (CommitmentFactory.create(member_state=france) for _ in range(3))
    older, newer = accepted(france, 2022), accepted(france, 2023)
    draft = Submission.objects.create(member_state=france, cycle=ReportingCycleFactory.create())
    ProgressUpdate.objects.create(submission=older, commitment=one, completion_percent=30)
    ProgressUpdate.objects.create(submission=newer, commitment=one, completion_percent=60)  # the latest accepted
    ProgressUpdate.objects.create(submission=draft, commitment=one, completion_percent=90)  # not accepted
    ProgressUpdate.objects.create(submission=older, commitment=two, completion_percent=20)  # its only one
    # `three` has none: it counts as 0 in the average.

    latest = selectors.latest_accepted_updates(
        ProgressUpdate.objects.all(), Commitment.objects.filter(member_state=france), distinct_on=distinct_on
    )
    assert sorted(latest.values_list("commitment_id", "completion_percent")) == [(one.pk, 60), (two.pk, 20)]

    status = selectors.member_status(
        member_ids=[france.pk],
        commitments=Commitment.objects.all(),
        updates=ProgressUpdate.objects.all(),
        today=date(2023, 6, 1),
    )
    assert status[france.pk]["commitments"]["total"] == 3
    assert status[france.pk]["completion_percent"] == round((60 + 20 + 0) / 3, 1) == 26.7
