"""The reporting pages: what each role sees, bad input answered with form errors, bounded queries."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from commitments import dataversion, services
from commitments.models import Commitment, MemberState, PolicyTarget, ProgressUpdate, Submission
from tests.conftest import VerifiedClient, fill_all
from tests.factories import CommitmentFactory


def form_data(commitment: Commitment, version: int, **values: object) -> dict[str, object]:
    prefix = f"c{commitment.pk}"
    data: dict[str, object] = {
        f"{prefix}-version": version,
        f"{prefix}-status": "on_track",
        f"{prefix}-completion_percent": 40,
        f"{prefix}-narrative": "Progress in the period.",
        f"{prefix}-confidentiality": "members",
        f"{prefix}-ms-TOTAL_FORMS": 1,
        f"{prefix}-ms-INITIAL_FORMS": 0,
        f"{prefix}-ms-0-due_on": "",
        f"{prefix}-ms-0-title": "",
    }
    data.update({f"{prefix}-{k}": v for k, v in values.items()})
    return data


def test_the_contact_home_lists_the_cycles_with_what_is_left(
    client: Client, contact: User, draft: Submission, french_commitments
) -> None:
    client.force_login(contact)
    response = client.get(reverse("commitments:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Reporting for France" in html
    assert draft.cycle.name in html
    assert "2 of 2 updates" in html


def test_the_secretariat_home_is_the_review_queue(client: Client, reviewer: User) -> None:
    client.force_login(reviewer)
    assert client.get(reverse("commitments:home"))["Location"] == reverse("commitments:review_queue")


def test_the_login_page_signs_a_contact_in_to_their_home(client: Client, contact: User) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": contact.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("commitments:home")


def test_a_wrong_password_is_a_form_error(client: Client, contact: User) -> None:
    response = client.post(reverse("accounts:login"), {"username": contact.email, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct email address and password" in response.content.decode()


def test_saving_an_update_with_the_form(client: Client, contact: User, draft: Submission, french_commitments) -> None:
    client.force_login(contact)
    commitment = french_commitments[0]
    data = form_data(commitment, 0, icse_victims_identified=120, figures_source="Police statistics")
    data.update({f"c{commitment.pk}-ms-0-due_on": "2026-12-31", f"c{commitment.pk}-ms-0-title": "Training done"})
    response = client.post(reverse("commitments:update_save", args=[draft.pk, commitment.pk]), data)
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(submission=draft, commitment=commitment)
    assert update.icse_victims_identified == 120
    assert [m.title for m in update.milestones.all()] == ["Training done"]
    page = client.get(reverse("commitments:submission", args=[draft.pk])).content.decode()
    assert "Progress in the period." in page
    assert "Training done" in page


def test_autosave_answers_json_with_the_new_version(
    client: Client, contact: User, draft: Submission, french_commitments
) -> None:
    client.force_login(contact)
    commitment = french_commitments[1]
    url = reverse("commitments:update_save", args=[draft.pk, commitment.pk])
    first = client.post(url, form_data(commitment, 0), headers={"X-Requested-With": "fetch"})
    assert first.status_code == 200
    assert first.json()["version"] == 1
    second = client.post(url, form_data(commitment, 1, narrative="More"), headers={"X-Requested-With": "fetch"})
    assert second.json()["version"] == 2
    stale = client.post(url, form_data(commitment, 1, narrative="Stale"), headers={"X-Requested-With": "fetch"})
    assert stale.status_code == 409
    assert stale.json()["conflict"]["values"]["Narrative"] == "More"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"completion_percent": 140}, "completion_percent", "less than or equal to 100"),
        ({"completion_percent": -5}, "completion_percent", "greater than or equal to 0"),
        ({"completion_percent": "lots"}, "completion_percent", "Enter a whole number"),
        ({"status": "finished"}, "status", "Select a valid choice"),
        ({"status": "completed", "completion_percent": 60}, "completion_percent", "100 percent"),
        ({"icse_victims_identified": -3}, "icse_victims_identified", "greater than or equal to 0"),
    ],
)
def test_bad_input_is_a_form_error_and_saves_nothing(
    client: Client, contact: User, draft: Submission, french_commitments, values, field: str, message: str
) -> None:
    client.force_login(contact)
    commitment = french_commitments[0]
    url = reverse("commitments:update_save", args=[draft.pk, commitment.pk])
    response = client.post(url, form_data(commitment, 0, **values))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert f'id="id_c{commitment.pk}-{field}_error"' in response.content.decode()
    json_response = client.post(url, form_data(commitment, 0, **values), headers={"X-Requested-With": "fetch"})
    assert json_response.status_code == 400
    assert f"c{commitment.pk}-{field}" in json_response.json()["errors"]
    assert not ProgressUpdate.objects.exists()


def test_a_missing_version_is_a_form_error(
    client: Client, contact: User, draft: Submission, french_commitments
) -> None:
    client.force_login(contact)
    commitment = french_commitments[0]
    data = form_data(commitment, 0)
    del data[f"c{commitment.pk}-version"]
    response = client.post(reverse("commitments:update_save", args=[draft.pk, commitment.pk]), data)
    assert response.status_code == 400
    assert not ProgressUpdate.objects.exists()


def test_submitting_an_incomplete_report_shows_what_is_missing(
    client: Client, contact: User, draft: Submission, french_commitments
) -> None:
    client.force_login(contact)
    client.post(
        reverse("commitments:update_save", args=[draft.pk, french_commitments[0].pk]),
        form_data(french_commitments[0], 0),
    )
    response = client.post(reverse("commitments:submit", args=[draft.pk]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "have no progress update yet" in html or "has no progress update yet" in html
    assert french_commitments[1].title in html
    draft.refresh_from_db()
    assert draft.status == Submission.Status.DRAFT


def test_the_review_flow_through_the_pages(
    client: Client, contact: User, reviewer: User, submitted: Submission, french_commitments
) -> None:
    update = ProgressUpdate.objects.get(submission=submitted, commitment=french_commitments[0])
    client.force_login(reviewer)
    response = client.post(
        reverse("commitments:review_return", args=[submitted.pk]),
        {"version": submitted.version, "return": [update.pk], f"comment-{update.pk}": "Please add the figures."},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.RETURNED

    client.force_login(contact)
    page = client.get(reverse("commitments:submission", args=[submitted.pk])).content.decode()
    assert "Please add the figures." in page
    assert "Returned for changes" in page
    client.post(
        reverse("commitments:update_save", args=[submitted.pk, french_commitments[0].pk]),
        form_data(french_commitments[0], update.version + 0, narrative="Now with the figures for the year."),
    )
    assert client.post(reverse("commitments:submit", args=[submitted.pk])).status_code == 302

    client.force_login(reviewer)
    submitted.refresh_from_db()
    review = client.get(reverse("commitments:review", args=[submitted.pk])).content.decode()
    assert "Changed since round 1" in review
    assert "<ins>" in review
    url = reverse("commitments:review_accept", args=[submitted.pk])
    assert "Tick the box to confirm" in refused(client, url, {"version": submitted.version}, submitted)
    stale = refused(client, url, {"version": submitted.version - 1, "confirm": "yes"}, submitted)
    assert "changed after you opened it" in stale
    accept = client.post(url, {"version": submitted.version, "confirm": "yes"})
    assert accept.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.ACCEPTED


def refused(client: Client, url: str, data: dict[str, object], submission: Submission) -> str:
    """Post a decision that is refused: the answer goes back to the review page (its own address),
    which shows the errors once; the page is returned as text."""
    response = client.post(url, data)
    review = reverse("commitments:review", args=[submission.pk])
    assert response.status_code == 302
    assert response["Location"].split("#")[0] == review
    page = client.get(review).content.decode()
    assert 'class="error-summary"' in page
    assert 'class="error-summary"' not in client.get(review).content.decode(), "the errors are shown once"
    return page


def test_returning_without_choosing_an_update_is_an_error_that_keeps_the_comments(
    client: Client, reviewer: User, submitted: Submission
) -> None:
    client.force_login(reviewer)
    update = submitted.updates.first()
    assert update is not None
    page = refused(
        client,
        reverse("commitments:review_return", args=[submitted.pk]),
        {
            "version": submitted.version,
            f"comment-{update.pk}": "Say how many schools took part.",
            f"r{update.pk}-body": "x",
        },
        submitted,
    )
    assert "Choose at least one update" in page
    assert "Say how many schools took part.</textarea>" in page
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.SUBMITTED


def test_a_return_without_a_comment_keeps_the_ticked_update(
    client: Client, reviewer: User, submitted: Submission
) -> None:
    client.force_login(reviewer)
    update = submitted.updates.first()
    assert update is not None
    url = reverse("commitments:review_return", args=[submitted.pk])
    page = refused(client, url, {"version": submitted.version, "return": [update.pk]}, submitted)
    assert "Each returned update needs a comment" in page
    assert f'value="{update.pk}" id="return-{update.pk}" form="return-form" checked' in page


def test_an_extension_with_a_bad_date_is_an_error(client: Client, secretariat_admin: User, draft: Submission) -> None:
    client.force_login(secretariat_admin)
    url = reverse("commitments:review_extension", args=[draft.pk])
    assert "Give the new due date as a date" in refused(client, url, {"due_on": "next week"}, draft)
    page = refused(client, url, {"due_on": draft.cycle.due_on.isoformat()}, draft)
    assert "An extension ends after the cycle" in page
    assert f'value="{draft.cycle.due_on.isoformat()}"' in page


def test_a_new_pledge_from_the_page(client: Client, contact: User, draft: Submission) -> None:
    client.force_login(contact)
    url = reverse("commitments:pledge_new", args=[draft.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"target": PolicyTarget.objects.get(code="victims").pk, "title": "", "status": "x"})
    assert bad.status_code == 400
    assert "This field is required." in bad.content.decode()
    response = client.post(
        url,
        {"target": PolicyTarget.objects.get(code="awareness").pk, "title": "Parents' guide", "status": "not_started"},
    )
    assert response.status_code == 302
    assert Commitment.objects.filter(title="Parents' guide", pledged_in=draft.cycle, created_by=contact).exists()


def test_history_is_shown_on_the_submission_page(client: Client, contact: User, submitted: Submission) -> None:
    client.force_login(contact)
    html = client.get(reverse("commitments:submission", args=[submitted.pk])).content.decode()
    assert "History" in html
    assert "submitted" in html
    assert contact.email in html


# --- Query counts ------------------------------------------------------------------------------


def add_commitments(count: int) -> None:
    france = MemberState.objects.get(iso_code="FR")
    for target in PolicyTarget.objects.all():
        for _ in range(count):
            CommitmentFactory.create(member_state=france, target=target)


def page_url(page: str, draft: Submission) -> str:
    return {
        "home": reverse("commitments:home"),
        "submission": reverse("commitments:submission", args=[draft.pk]),
        "review": reverse("commitments:review", args=[draft.pk]),
        "review_queue": reverse("commitments:review_queue") + f"?cycle={draft.cycle_id}",
        "completeness": reverse("commitments:completeness") + f"?cycle={draft.cycle_id}",
        "pledge": reverse("commitments:pledge_new", args=[draft.pk]),
        "overview": reverse("commitments:overview"),
    }[page]


def count_queries(client: Client, url: str) -> int:
    client.get(url)  # the first request of a session does one-off work (session, user)
    dataversion.bump_now()  # what a write does: the page is built again, not taken from the cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("page", ["home", "submission", "review", "review_queue", "completeness", "pledge", "overview"])
def test_each_page_runs_a_bounded_number_of_queries_whatever_the_commitments(
    client: Client, contact: User, reviewer: User, draft: Submission, page: str, django_assert_max_num_queries
) -> None:
    client.force_login(reviewer if page.startswith("review") or page == "completeness" else contact)
    url = page_url(page, draft)
    fill_all(draft, contact)
    few = count_queries(client, url)
    add_commitments(5)
    fill_all(draft, contact)
    many = count_queries(client, url)
    assert many == few, f"{page}: {few} queries with 2 commitments, {many} with 22"
    with django_assert_max_num_queries(20):
        client.get(url)


def test_the_review_queue_lists_the_current_cycle_and_filters_it(
    client: Client, reviewer: User, submitted: Submission, foreign_contact: User
) -> None:
    germany = MemberState.objects.get(iso_code="DE")
    german = services.submission_start(member_state=germany, cycle=submitted.cycle, actor=foreign_contact)
    client.force_login(reviewer)
    html = client.get(reverse("commitments:review_queue")).content.decode()
    assert "Submissions (2)" in html
    assert reverse("commitments:review", args=[submitted.pk]) in html
    assert reverse("commitments:review", args=[german.pk]) in html
    only_submitted = client.get(reverse("commitments:review_queue"), {"status": "submitted"}).content.decode()
    assert "Submissions (1)" in only_submitted
    assert reverse("commitments:review", args=[german.pk]) not in only_submitted
    on_target = client.get(reverse("commitments:review_queue"), {"target": "awareness"}).content.decode()
    assert "Submissions (1)" in on_target  # Germany has written no update yet
    late = client.get(reverse("commitments:review_queue"), {"late": "yes"}).content.decode()
    assert "Submissions (0)" in late
    bad = client.get(reverse("commitments:review_queue"), {"status": "nonsense", "late": "maybe"})
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.content.decode()
    # The same filter as the API's: a member state by its ISO code, in any case.
    german_only = client.get(reverse("commitments:review_queue"), {"member": "de"}).content.decode()
    assert "Submissions (1)" in german_only
    assert reverse("commitments:review", args=[german.pk]) in german_only


def test_a_report_cannot_be_started_before_its_cycle_opens(client: Client, contact: User) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import ReportingCycleFactory

    today = timezone.localdate()
    future = ReportingCycleFactory.create(
        opens_on=today + timedelta(days=10), due_on=today + timedelta(days=100), name="Next year"
    )
    client.force_login(contact)
    response = client.post(reverse("commitments:cycle_start", args=[future.pk]), follow=True)
    assert response.status_code == 200
    assert "opens on" in response.content.decode()
    assert not Submission.objects.filter(cycle=future).exists()


def test_the_completeness_page_shows_where_each_member_stands(
    client: Client, reviewer: User, contact: User, submitted: Submission
) -> None:
    client.force_login(reviewer)
    html = client.get(reverse("commitments:completeness")).content.decode()
    assert f"Completeness: {submitted.cycle.name}" in html
    assert "54 member states in the cycle" in html
    assert "Submitted: 1" in html
    assert "Not started: 53" in html
    client.force_login(contact)
    assert client.get(reverse("commitments:completeness")).status_code == 403


@pytest.mark.parametrize("page", ["home", "review_queue", "completeness"])
def test_a_page_is_built_once_per_data_version(
    client: Client, contact: User, reviewer: User, draft: Submission, page: str
) -> None:
    client.force_login(contact if page == "home" else reviewer)
    url = page_url(page, draft)
    built = count_queries(client, url)
    with CaptureQueriesContext(connection) as captured:
        again = client.get(url)
    assert again.status_code == 200
    # Only the session's person, with their country, is read again (a reviewer's authenticator too).
    assert len(captured) <= (1 if page == "home" else 2) < built, [q["sql"] for q in captured.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_a_write_is_on_the_pages_at_the_next_request(
    contact: User, reviewer: User, submitted: Submission, django_capture_on_commit_callbacks
) -> None:
    """Transactional: the version is bumped when the write commits, as in production."""
    secretariat, national = VerifiedClient(), VerifiedClient()
    secretariat.force_login(reviewer)
    national.force_login(contact)
    queue = reverse("commitments:review_queue") + f"?cycle={submitted.cycle_id}"
    completeness = reverse("commitments:completeness") + f"?cycle={submitted.cycle_id}"
    home = reverse("commitments:home")
    assert "Submitted: 1" in secretariat.get(completeness).content.decode()
    assert "Waiting for review" in national.get(home).content.decode()
    assert 'status-submitted">Submitted' in secretariat.get(queue).content.decode()
    services.submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)
    assert "Accepted: 1" in secretariat.get(completeness).content.decode()
    assert "Waiting for review" not in national.get(home).content.decode()
    assert 'status-accepted">Accepted' in secretariat.get(queue).content.decode()
