"""List endpoints run the same number of queries whatever the number of members and commitments."""

import itertools
import string
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from commitments.models import (
    Commitment,
    Membership,
    MemberState,
    PolicyTarget,
    ProgressUpdate,
    ReportingCycle,
    SourceDocument,
    Submission,
)
from tests.api.conftest import ApiClient, key_for


def generate(states: int, commitments_each: int, cycle: ReportingCycle) -> None:
    """Synthetic member states with accepted submissions, in bulk."""
    used = set(MemberState.objects.values_list("iso_code", flat=True))
    free = (a + b for a, b in itertools.product(string.ascii_uppercase, repeat=2) if a + b not in used)
    source = SourceDocument.objects.earliest("pk")
    new = MemberState.objects.bulk_create(
        MemberState(name=f"Synthetic {code}", iso_code=code, name_source=source, listed_as=code)
        for code in itertools.islice(free, states)
    )
    Membership.objects.bulk_create(
        Membership(member_state=s, joined_on=date(2013, 1, 1), source=source, excerpt="x") for s in new
    )
    targets = list(PolicyTarget.objects.all())
    pledges = Commitment.objects.bulk_create(
        Commitment(member_state=s, target=targets[i % 4], title=f"Pledge {i}")
        for s in new
        for i in range(commitments_each)
    )
    now = timezone.now()
    submissions = {
        s.pk: sub
        for s, sub in zip(
            new,
            Submission.objects.bulk_create(
                Submission(member_state=s, cycle=cycle, status="accepted", accepted_at=now, first_submitted_at=now)
                for s in new
            ),
            strict=True,
        )
    }
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            submission=submissions[c.member_state_id], commitment=c, completion_percent=50, confidentiality="public"
        )
        for c in pledges
    )


def count(client: ApiClient, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/members/?page_size=500",
        "/api/v1/members.csv",
        "/api/v1/members/?page_size=500&target=victims&eu=false",
        "/api/v1/commitments/?page_size=500",
        "/api/v1/submissions/?page_size=500",
        "/api/v1/members/FR/",
        "/api/v1/targets/",
        "/api/v1/declarations/",
    ],
)
@pytest.mark.parametrize("who", ["anonymous", "contact", "reviewer"])
def test_queries_do_not_grow_with_the_data(
    url: str, who: str, contact: User, reviewer: User, cycle: ReportingCycle
) -> None:
    client = ApiClient(key_for(contact) if who == "contact" else key_for(reviewer) if who == "reviewer" else None)
    generate(5, 3, cycle)
    small = count(client, url)
    generate(120, 15, cycle)
    large = count(client, url)
    assert large == small, f"{url}: {small} queries with 59 members, {large} with 179"
    assert large <= 16
