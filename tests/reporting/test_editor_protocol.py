"""What the editor's script relies on: JSON answers it can act on when a session ends or a token
goes stale, saves that carry an id (a retry that already landed changes nothing, a conflict names
the save that made the current version), and errors keyed by the input they belong to."""

from django.test import Client
from django.urls import reverse

from accounts.models import User
from commitments import services
from commitments.models import HistoryEntry, ProgressUpdate, Submission
from tests.conftest import VerifiedClient
from tests.reporting.test_pages import form_data

FETCH = {"X-Requested-With": "fetch"}


def save_url(submission: Submission, commitment_id: int) -> str:
    return reverse("commitments:update_save", args=[submission.pk, commitment_id])


def test_a_save_after_signing_out_is_a_401_the_script_can_read(
    client: Client, contact: User, draft: Submission, french_commitments
) -> None:
    commitment = french_commitments[1]
    response = client.post(save_url(draft, commitment.pk), form_data(commitment, 0), headers=FETCH)
    assert response.status_code == 401
    assert response.json()["code"] == "signed_out"
    plain = client.post(save_url(draft, commitment.pk), form_data(commitment, 0))
    assert plain.status_code == 302  # a plain form still goes to the sign-in page
    assert not ProgressUpdate.objects.exists()


def test_a_save_after_the_idle_timeout_is_a_401(
    client: Client, contact: User, draft: Submission, french_commitments, settings
) -> None:
    client.force_login(contact)
    session = client.session
    session["last_seen"] = session["signed_in_at"] = 0
    session.save()
    commitment = french_commitments[1]
    response = client.post(save_url(draft, commitment.pk), form_data(commitment, 0), headers=FETCH)
    assert response.status_code == 401
    assert response.json()["code"] == "signed_out"


def test_a_stale_csrf_token_is_a_403_naming_the_token(contact: User, draft: Submission, french_commitments) -> None:
    client = VerifiedClient(enforce_csrf_checks=True)
    client.force_login(contact)
    commitment = french_commitments[1]
    response = client.post(
        save_url(draft, commitment.pk), {**form_data(commitment, 0), "csrfmiddlewaretoken": "stale"}, headers=FETCH
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf"
    page = client.post(save_url(draft, commitment.pk), form_data(commitment, 0))
    assert page.status_code == 403
    assert "CSRF" in page.content.decode()


def test_the_session_state_gives_a_fresh_token_to_the_signed_in_person(client: Client, contact: User) -> None:
    anonymous = client.get(reverse("accounts:session")).json()
    assert anonymous["signed_in"] is False
    assert anonymous["ready"] is False
    assert anonymous["user"] is None
    client.force_login(contact)
    response = client.get(reverse("accounts:session"))
    assert response["Cache-Control"] == "no-store"
    state = response.json()
    assert state["ready"] is True
    assert state["user"] == contact.pk
    assert len(state["csrf_token"]) >= 32
    checked = VerifiedClient(enforce_csrf_checks=True)
    checked.cookies = client.cookies
    saved = checked.post(
        reverse("accounts:logout"),
        {"csrfmiddlewaretoken": state["csrf_token"]},
        headers={"Referer": "http://testserver/"},
    )
    assert saved.status_code == 302  # the token works for the person's forms


def test_the_session_state_of_a_reviewer_without_the_second_factor_is_not_ready(reviewer: User) -> None:
    client = Client()
    client.force_login(reviewer)
    state = client.get(reverse("accounts:session")).json()
    assert state["signed_in"] is True
    assert state["ready"] is False


def test_a_retried_save_that_already_landed_changes_nothing(
    client: Client, contact: User, draft: Submission, french_commitments
) -> None:
    client.force_login(contact)
    commitment = french_commitments[1]
    url = save_url(draft, commitment.pk)
    first = client.post(url, form_data(commitment, 0, narrative="Once."), headers={**FETCH, "Idempotency-Key": "a1"})
    assert first.json()["version"] == 1
    assert first.json()["save_id"] == "a1"
    again = client.post(url, form_data(commitment, 0, narrative="Once."), headers={**FETCH, "Idempotency-Key": "a1"})
    assert again.status_code == 200
    assert again.json()["version"] == 1
    update = ProgressUpdate.objects.get(submission=draft, commitment=commitment)
    assert update.version == 1
    assert HistoryEntry.objects.filter(subject_type="progressupdate", subject_id=update.pk).count() == 1


def test_a_conflict_names_the_save_that_made_the_current_version(
    client: Client, contact: User, colleague: User, draft: Submission, french_commitments
) -> None:
    commitment = french_commitments[1]
    services.progress_update_save(
        submission=draft,
        commitment=commitment,
        actor=colleague,
        values={"narrative": "Theirs."},
        expected_version=0,
        save_id="their-save",
    )
    client.force_login(contact)
    response = client.post(save_url(draft, commitment.pk), form_data(commitment, 0), headers=FETCH)
    assert response.status_code == 409
    conflict = response.json()["conflict"]
    assert conflict["save_id"] == "their-save"
    assert conflict["version"] == 1
    assert conflict["message"].startswith(f"{colleague.full_name} saved this update")


def test_a_conflict_with_ones_own_save_elsewhere_says_so(
    client: Client, contact: User, draft: Submission, french_commitments
) -> None:
    commitment = french_commitments[1]
    services.progress_update_save(
        submission=draft, commitment=commitment, actor=contact, values={"narrative": "Mine."}, expected_version=0
    )
    client.force_login(contact)
    response = client.post(save_url(draft, commitment.pk), form_data(commitment, 0), headers=FETCH)
    assert response.json()["conflict"]["message"].startswith("You saved this update at")


def test_save_ids_that_are_not_plain_are_ignored(
    client: Client, contact: User, draft: Submission, french_commitments
) -> None:
    client.force_login(contact)
    commitment = french_commitments[1]
    headers = {**FETCH, "Idempotency-Key": "x" * 65}
    response = client.post(save_url(draft, commitment.pk), form_data(commitment, 0), headers=headers)
    assert response.json()["save_id"] == ""


def test_errors_are_keyed_by_the_inputs_name_milestone_rows_included(
    client: Client, contact: User, draft: Submission, french_commitments
) -> None:
    client.force_login(contact)
    commitment = french_commitments[0]
    prefix = f"c{commitment.pk}"
    data = form_data(commitment, 0, completion_percent=-5)
    data[f"{prefix}-ms-0-due_on"] = "2026-03-31"  # a half-typed milestone: no title yet
    response = client.post(save_url(draft, commitment.pk), data, headers=FETCH)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[f"{prefix}-completion_percent"] == ["Ensure this value is greater than or equal to 0."]
    assert errors[f"{prefix}-ms-0-title"] == ["This field is required."]


def test_a_refused_form_without_script_has_an_error_summary_linking_its_fields(
    client: Client, contact: User, draft: Submission, french_commitments
) -> None:
    client.force_login(contact)
    commitment = french_commitments[0]
    response = client.post(save_url(draft, commitment.pk), form_data(commitment, 0, completion_percent=-5))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'class="error-summary"' in html
    assert f'href="#id_c{commitment.pk}-completion_percent"' in html
    assert html.count("greater than or equal to 0") == 2  # once in the summary, once by the field
    assert f'aria-invalid="true" aria-describedby="id_c{commitment.pk}-completion_percent_error"' in html
    assert 'role="alert"><li>' not in html


def test_the_favicon_is_served_and_a_missing_page_has_a_page(client: Client, db: None) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].startswith("/static/favicon")
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "Page not found" in missing.content.decode()
    assert '<link rel="icon"' in client.get("/").content.decode()
