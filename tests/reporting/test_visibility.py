"""One visibility policy (`commitments.permissions`): for every kind of reader, the pages and the
REST API expose the same submissions and the same progress updates."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from commitments import services
from commitments.models import Commitment, MemberState, ProgressUpdate, ReportingCycle, Submission
from tests.api.conftest import ApiClient, key_for
from tests.conftest import VerifiedClient
from tests.factories import CommitmentFactory, ReportingCycleFactory, UserFactory

LEVELS = ("public", "members", "secretariat")
ROLES = ["anonymous", "read_only_key", "contact_fr", "contact_de", "reviewer", "admin"]


def write(submission: Submission, contact: User) -> None:
    """An update on each of the member's three pledges, one per confidentiality level."""
    for commitment, level in zip(Commitment.objects.filter(member_state=submission.member_state), LEVELS, strict=True):
        services.progress_update_save(
            submission=submission,
            commitment=commitment,
            actor=contact,
            values={
                "status": "on_track",
                "completion_percent": 30,
                "narrative": f"{level} text",
                "confidentiality": level,
            },
            expected_version=None,
        )


@pytest.fixture
def reports(alliance: None, cycle: ReportingCycle, reviewer: User, secretariat_admin: User) -> dict[str, Any]:
    earlier = ReportingCycleFactory.create(
        name="Earlier cycle",
        period_start=cycle.period_start - timedelta(days=365),
        period_end=cycle.period_start - timedelta(days=1),
        opens_on=cycle.opens_on - timedelta(days=365),
        due_on=cycle.due_on - timedelta(days=365),
    )
    people: dict[str, Any] = {}
    for code in ("FR", "DE", "IT"):
        member = MemberState.objects.get(iso_code=code)
        people[code] = UserFactory.create(email=f"contact.{code.lower()}@example.org", member_state=member)
        for index in range(3):
            CommitmentFactory.create(member_state=member, title=f"{code} pledge {index}")
    # Accepted in the earlier cycle: France and Germany. In the current one: France's draft,
    # Germany's report awaiting review, Italy's returned report.
    for code in ("FR", "DE"):
        submission = services.submission_start(
            member_state=people[code].member_state, cycle=earlier, actor=people[code]
        )
        write(submission, people[code])
        submission = services.submission_submit(submission=submission, actor=people[code])
        services.submission_accept(submission=submission, actor=reviewer, seen_version=submission.version)
    for code in ("FR", "DE", "IT"):
        submission = services.submission_start(member_state=people[code].member_state, cycle=cycle, actor=people[code])
        write(submission, people[code])
        if code != "FR":
            submission = services.submission_submit(submission=submission, actor=people[code])
        if code == "IT":
            first = submission.updates.order_by("pk").first()
            assert first is not None
            services.submission_return(
                submission=submission, actor=reviewer, seen_version=submission.version, comments={first.pk: "More."}
            )
    return {"FR": people["FR"], "DE": people["DE"], "reviewer": reviewer, "admin": secretariat_admin}


def clients(role: str, people: dict[str, Any]) -> tuple[Client, Client]:
    """The browser and the API client of one kind of reader."""
    browser = VerifiedClient()
    if role == "anonymous":
        return browser, ApiClient()
    if role == "read_only_key":  # a key reads published data only, whoever owns it; pages have no keys
        return browser, ApiClient(key_for(people["FR"], read_only=True))
    person = {
        "contact_fr": people["FR"],
        "contact_de": people["DE"],
        "reviewer": people["reviewer"],
        "admin": people["admin"],
    }[role]
    browser.force_login(person)
    return browser, ApiClient(key_for(person))


def seen_in_pages(browser: Client) -> dict[int, set[int]]:
    seen: dict[int, set[int]] = {}
    for submission in Submission.objects.order_by("pk"):
        response = browser.get(f"/submissions/{submission.pk}/")
        assert response.status_code in (200, 404), (submission, response.status_code)
        if response.status_code == 200:
            seen[submission.pk] = {int(pk) for pk in re.findall(r'data-update="(\d+)"', response.content.decode())}
    return seen


def seen_in_api(api: Client) -> dict[int, set[int]]:
    body = api.get("/api/v1/submissions/", {"page_size": 500}).json()
    assert body["next"] is None
    return {row["id"]: {update["id"] for update in row["updates"]} for row in body["results"]}


@pytest.mark.parametrize("role", ROLES)
def test_pages_and_api_show_the_same_submissions_and_updates(role: str, reports: dict[str, Any]) -> None:
    browser, api = clients(role, reports)
    pages, answers = seen_in_pages(browser), seen_in_api(api)
    assert pages == answers
    updates = {u.pk: u for u in ProgressUpdate.objects.select_related("submission__member_state")}
    shown = [updates[pk] for ids in pages.values() for pk in ids]
    # What each reader sees, in the policy's words.
    everything = role in ("reviewer", "admin")
    own = {"contact_fr": "FR", "contact_de": "DE"}.get(role)
    for update in shown:
        member, accepted = update.submission.member_state.iso_code, update.submission.status == "accepted"
        if everything or member == own:
            continue
        assert accepted, (role, update)
        assert update.confidentiality in (("public", "members") if own else ("public",)), (role, update)
    expected = len(updates) if everything else None
    if expected is not None:
        assert len(shown) == expected
    if role in ("anonymous", "read_only_key"):
        assert len(shown) == 2  # the public update of each accepted report
    if own:
        assert len(shown) == 8  # its own six (both cycles), the other's accepted public and members ones
