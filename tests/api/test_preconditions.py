"""Writes on an existing versioned object must say which version they change (If-Match), or get
428 Precondition Required (RFC 6585): two clients writing the same update never silently replace
each other's change. Weak tags never match (RFC 9110 strong comparison), and creating an update
needs no If-Match (`If-None-Match: *` makes "only if it does not exist yet" explicit)."""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from commitments.models import Commitment, HistoryEntry, ProgressUpdate, Submission, SubmissionSnapshot
from tests.api.conftest import ApiClient, key_for
from tests.conftest import fill_all
from tests.reporting.test_pages import form_data

V1 = "/api/v1"


def send(client: ApiClient, method: str, url: str, body: Any = None, **headers: str) -> Any:
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json", headers=headers)


def update_url(update: ProgressUpdate) -> str:
    return f"{V1}/submissions/{update.submission_id}/updates/{update.commitment_id}/"


def stored(update: ProgressUpdate) -> dict[str, Any]:
    return {
        "update": ProgressUpdate.objects.filter(pk=update.pk).values().get(),
        "submission": Submission.objects.filter(pk=update.submission_id).values().get(),
        "history": HistoryEntry.objects.count(),
    }


def assert_asks_for_if_match(response: Any) -> None:
    assert response.status_code == 428, response.content
    assert response["Content-Type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "If-Match" in detail
    assert "GET" in detail
    assert "ETag" in detail


@pytest.fixture
def colleague_api(colleague: User) -> ApiClient:
    return ApiClient(key_for(colleague))


# --- Progress updates ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_two_clients_writing_without_if_match_are_both_refused_and_nothing_changes(
    contact_api: ApiClient, colleague_api: ApiClient, update: ProgressUpdate, method: str
) -> None:
    url = update_url(update)
    assert contact_api.get(url).status_code == colleague_api.get(url).status_code == 200
    before = stored(update)
    body = {"status": "on_track", "completion_percent": 60, "narrative": "Mine.", "milestones": []}

    first = send(contact_api, method, url, body)
    second = send(colleague_api, method, url, {**body, "completion_percent": 70, "narrative": "Theirs."})

    assert_asks_for_if_match(first)
    assert_asks_for_if_match(second)
    assert stored(update) == before


def test_with_if_match_the_first_writer_wins_and_the_second_is_412_keeping_the_first_change(
    contact_api: ApiClient, colleague_api: ApiClient, update: ProgressUpdate
) -> None:
    url = update_url(update)
    mine, theirs = contact_api.get(url)["ETag"], colleague_api.get(url)["ETag"]
    assert mine == theirs == f'"progressupdate-{update.pk}-v{update.version}"'

    first = send(contact_api, "PATCH", url, {"completion_percent": 60}, **{"If-Match": mine})
    second = send(colleague_api, "PATCH", url, {"completion_percent": 70}, **{"If-Match": theirs})

    assert first.status_code == 200
    assert first["ETag"] == f'"progressupdate-{update.pk}-v{update.version + 1}"'
    assert second.status_code == 412
    assert second.json()["detail"]
    kept = ProgressUpdate.objects.get(pk=update.pk)
    assert kept.completion_percent == 60
    assert kept.version == update.version + 1


def test_a_weak_if_match_never_matches(contact_api: ApiClient, update: ProgressUpdate) -> None:
    url = update_url(update)
    tag = contact_api.get(url)["ETag"]
    before = stored(update)
    response = send(contact_api, "PATCH", url, {"completion_percent": 60}, **{"If-Match": f"W/{tag}"})
    assert response.status_code == 412
    assert stored(update) == before


def test_if_match_star_does_not_say_which_version_was_read(contact_api: ApiClient, update: ProgressUpdate) -> None:
    before = stored(update)
    response = send(contact_api, "PATCH", update_url(update), {"completion_percent": 60}, **{"If-Match": "*"})
    assert_asks_for_if_match(response)
    assert "*" in response.json()["detail"]
    assert stored(update) == before


def test_if_match_may_list_several_tags_one_of_them_current(contact_api: ApiClient, update: ProgressUpdate) -> None:
    url = update_url(update)
    tag = contact_api.get(url)["ETag"]
    other = f'"progressupdate-{update.pk}-v{update.version + 5}"'
    response = send(contact_api, "PATCH", url, {"completion_percent": 60}, **{"If-Match": f'"x", {other}, {tag}'})
    assert response.status_code == 200, response.content
    assert ProgressUpdate.objects.get(pk=update.pk).completion_percent == 60


def test_an_if_match_of_another_object_is_412(contact_api: ApiClient, update: ProgressUpdate) -> None:
    before = stored(update)
    url = update_url(update)
    for tag in (f'"progressupdate-{update.pk + 1}-v{update.version}"', f'"submission-{update.pk}-v{update.version}"'):
        assert send(contact_api, "PATCH", url, {"completion_percent": 60}, **{"If-Match": tag}).status_code == 412
    assert stored(update) == before


def test_creating_an_update_with_put_needs_no_if_match(
    contact_api: ApiClient, draft: Submission, french_commitments: list[Commitment]
) -> None:
    body = {"status": "on_track", "completion_percent": 10, "narrative": "Started.", "milestones": []}
    first, second = french_commitments
    created = send(contact_api, "PUT", f"{V1}/submissions/{draft.pk}/updates/{first.pk}/", body)
    assert created.status_code == 201, created.content
    stored_update = ProgressUpdate.objects.get(submission=draft, commitment=first)
    assert created["ETag"] == f'"progressupdate-{stored_update.pk}-v1"'
    explicit = send(
        contact_api, "PUT", f"{V1}/submissions/{draft.pk}/updates/{second.pk}/", body, **{"If-None-Match": "*"}
    )
    assert explicit.status_code == 201, explicit.content
    assert ProgressUpdate.objects.filter(submission=draft).count() == 2


def test_creating_with_if_none_match_star_when_the_update_exists_is_412(
    contact_api: ApiClient, update: ProgressUpdate
) -> None:
    before = stored(update)
    body = {"status": "delayed", "completion_percent": 5, "narrative": "Replaced.", "milestones": []}
    response = send(contact_api, "PUT", update_url(update), body, **{"If-None-Match": "*"})
    assert response.status_code == 412
    assert response.json()["detail"]
    assert stored(update) == before


def test_if_none_match_naming_the_current_version_is_412_even_with_if_match(
    contact_api: ApiClient, update: ProgressUpdate
) -> None:
    url = update_url(update)
    tag = contact_api.get(url)["ETag"]
    before = stored(update)
    response = send(contact_api, "PATCH", url, {"completion_percent": 60}, **{"If-Match": tag, "If-None-Match": tag})
    assert response.status_code == 412
    assert stored(update) == before


def test_if_match_on_an_update_that_does_not_exist_yet_is_412(
    contact_api: ApiClient, draft: Submission, french_commitments: list[Commitment]
) -> None:
    url = f"{V1}/submissions/{draft.pk}/updates/{french_commitments[1].pk}/"
    for tag in ("*", '"progressupdate-1-v1"'):
        response = send(contact_api, "PATCH", url, {"completion_percent": 60}, **{"If-Match": tag})
        assert response.status_code == 412
    assert not ProgressUpdate.objects.filter(submission=draft).exists()


def test_a_client_that_may_not_see_the_update_gets_404_not_428(
    foreign_contact: User, update: ProgressUpdate, alliance: None
) -> None:
    before = stored(update)
    germany = ApiClient(key_for(foreign_contact))
    assert send(germany, "PATCH", update_url(update), {"completion_percent": 60}).status_code == 404
    assert send(ApiClient(), "PATCH", update_url(update), {"completion_percent": 60}).status_code == 401
    assert stored(update) == before


# --- Submission actions ---------------------------------------------------------------------------


def submission_state(submission: Submission) -> dict[str, Any]:
    return {
        "submission": Submission.objects.filter(pk=submission.pk).values().get(),
        "snapshots": SubmissionSnapshot.objects.filter(submission=submission).count(),
        "history": HistoryEntry.objects.count(),
        "returned": ProgressUpdate.objects.filter(submission=submission, needs_revision=True).count(),
    }


@pytest.fixture
def complete_draft(draft: Submission, contact: User) -> Submission:
    fill_all(draft, contact)
    return Submission.objects.get(pk=draft.pk)


def test_submit_without_if_match_is_428_and_the_draft_stays_a_draft(
    contact_api: ApiClient, complete_draft: Submission
) -> None:
    url = f"{V1}/submissions/{complete_draft.pk}/submit/"
    before = submission_state(complete_draft)
    assert_asks_for_if_match(send(contact_api, "POST", url))
    assert submission_state(complete_draft) == before
    assert Submission.objects.get(pk=complete_draft.pk).status == Submission.Status.DRAFT

    tag = contact_api.get(f"{V1}/submissions/{complete_draft.pk}/")["ETag"]
    assert send(contact_api, "POST", url, **{"If-Match": f"W/{tag}"}).status_code == 412
    assert submission_state(complete_draft) == before
    submitted = send(contact_api, "POST", url, **{"If-Match": tag})
    assert submitted.status_code == 200
    assert submitted.json()["status"] == Submission.Status.SUBMITTED


@pytest.mark.parametrize("action", ["accept", "return"])
def test_review_decisions_without_if_match_are_428_and_the_submission_stays_submitted(
    reviewer_api: ApiClient, submitted: Submission, action: str
) -> None:
    first_update = ProgressUpdate.objects.filter(submission=submitted).order_by("pk").first()
    assert first_update is not None
    body = {"updates": [{"update_id": first_update.pk, "comment": "Give the figures."}]} if action == "return" else {}
    url = f"{V1}/submissions/{submitted.pk}/{action}/"
    before = submission_state(submitted)

    assert_asks_for_if_match(send(reviewer_api, "POST", url, body))
    assert submission_state(submitted) == before

    tag = reviewer_api.get(f"{V1}/submissions/{submitted.pk}/")["ETag"]
    assert send(reviewer_api, "POST", url, body, **{"If-Match": f"W/{tag}"}).status_code == 412
    assert_asks_for_if_match(send(reviewer_api, "POST", url, body, **{"If-Match": "*"}))
    assert submission_state(submitted) == before
    assert Submission.objects.get(pk=submitted.pk).status == Submission.Status.SUBMITTED

    decided = send(reviewer_api, "POST", url, body, **{"If-Match": tag})
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == ("accepted" if action == "accept" else "returned")


# --- Documentation and the browser -----------------------------------------------------------------

CONDITIONAL = [
    ("/api/v1/submissions/{id}/updates/{commitment_id}/", "put"),
    ("/api/v1/submissions/{id}/updates/{commitment_id}/", "patch"),
    ("/api/v1/submissions/{id}/submit/", "post"),
    ("/api/v1/submissions/{id}/accept/", "post"),
    ("/api/v1/submissions/{id}/return/", "post"),
]


def test_the_schema_documents_if_match_and_428_on_each_conditional_write(anonymous_api: ApiClient) -> None:
    schema = anonymous_api.get("/api/schema/", {"format": "json"}).json()
    for path, method in CONDITIONAL:
        operation = schema["paths"][path][method]
        headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
        assert "If-Match" in headers, f"{method} {path}"
        # Creating an update with PUT or PATCH needs none; every other of these writes does.
        assert headers["If-Match"].get("required", False) is (not path.endswith("{commitment_id}/"))
        assert "428" in operation["responses"], f"{method} {path}"
        assert "If-Match" in operation["responses"]["428"]["description"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if (path, method) not in CONDITIONAL:
                assert "428" not in operation.get("responses", {}), f"{method} {path} never answers 428"


def test_the_browser_editor_saves_with_its_form_version_and_no_if_match(
    client: Client, contact: User, draft: Submission, french_commitments: list[Commitment]
) -> None:
    """The page's editor posts its form (with the version it started from) to its own endpoint,
    not to the API: it needs no If-Match and keeps working as before."""
    commitment = french_commitments[1]
    client.force_login(contact)
    url = reverse("commitments:update_save", args=[draft.pk, commitment.pk])
    saved = client.post(
        url, form_data(commitment, 0, narrative="From the page."), headers={"X-Requested-With": "fetch"}
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["version"] == 1
    stale = client.post(url, form_data(commitment, 0, narrative="Again."), headers={"X-Requested-With": "fetch"})
    assert stale.status_code == 409
    assert ProgressUpdate.objects.get(submission=draft, commitment=commitment).narrative == "From the page."
