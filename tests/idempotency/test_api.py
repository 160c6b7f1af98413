"""Idempotency-Key on the API's POSTs: a retry gets the first answer again and creates nothing."""

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey, User, token_digest
from accounts.services import api_key_revoke
from commitments import services as workflow
from commitments.models import ProgressUpdate, ReportingCycle, Submission
from idempotency.models import IdempotencyKey
from reports.models import CompiledReport
from tests.api.conftest import ApiClient, key_for


def post(client: Client, url: str, body: object, key: str | None = None, **headers: str) -> Any:
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def new_key() -> str:
    return str(uuid.uuid4())


def problem(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json"
    data: dict[str, Any] = response.json()
    return data


def test_a_retried_start_gets_the_first_answer_again_and_creates_nothing(
    contact_api: ApiClient, cycle: ReportingCycle, french_commitments
) -> None:
    key = new_key()
    first = post(contact_api, "/api/v1/submissions/", {"cycle": cycle.pk}, key)
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first

    again = post(contact_api, "/api/v1/submissions/", {"cycle": cycle.pk}, key)

    assert again.status_code == 201  # the first answer, not "it exists already"
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    for header in ("Content-Type", "Location", "ETag"):
        assert again[header] == first[header]
    assert "RateLimit-Remaining" in again  # the replay is counted like any request
    assert Submission.objects.filter(cycle=cycle).count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_a_retried_progress_update_is_replayed_instead_of_refused_as_a_duplicate(
    contact_api: ApiClient, draft: Submission, french_commitments
) -> None:
    url = f"/api/v1/submissions/{draft.pk}/updates/"
    body = {"commitment": french_commitments[0].pk, "status": "on_track", "completion_percent": 10}
    key = new_key()

    first = post(contact_api, url, body, key)
    again = post(contact_api, url, body, key)
    without_key = post(contact_api, url, body)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert without_key.status_code == 409  # what a retry without a key gets
    assert ProgressUpdate.objects.filter(submission=draft).count() == 1


def test_a_retried_compile_request_is_replayed_not_queued_again(reviewer: User, cycle: ReportingCycle) -> None:
    api = ApiClient(key_for(reviewer))
    body = {"cycle": cycle.pk, "edition": "public"}
    key = new_key()
    first = post(api, "/api/v1/reports/", body, key)
    assert first.status_code == 202, first.content
    # The compile has finished since: a new request would start another one...
    CompiledReport.objects.update(status=CompiledReport.Status.FAILED)

    again = post(api, "/api/v1/reports/", body, key)

    assert again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again["Location"] == first["Location"]
    assert CompiledReport.objects.count() == 1
    # ...as one with another key does.
    assert post(api, "/api/v1/reports/", body, new_key()).status_code == 202
    assert CompiledReport.objects.count() == 2


def test_the_same_key_with_another_body_or_address_is_refused_with_422(
    contact_api: ApiClient, draft: Submission, french_commitments
) -> None:
    url = f"/api/v1/submissions/{draft.pk}/updates/"
    key = new_key()
    assert post(contact_api, url, {"commitment": french_commitments[0].pk}, key).status_code == 201

    other_body = post(contact_api, url, {"commitment": french_commitments[1].pk}, key)
    other_address = post(contact_api, "/api/v1/submissions/", {"cycle": draft.cycle_id}, key)

    for refused in (other_body, other_address):
        assert refused.status_code == 422
        assert "Idempotency-Key" in problem(refused)["errors"]
    assert ProgressUpdate.objects.filter(submission=draft).count() == 1


@pytest.mark.parametrize(
    "key",
    ["", "   ", "x" * 256, "clé", "tab\there", "line\x01feed"],
    ids=["empty", "spaces", "too-long", "non-ascii", "tab", "control"],
)
def test_a_malformed_key_is_a_400_naming_the_header(
    contact_api: ApiClient, cycle: ReportingCycle, french_commitments, key: str
) -> None:
    response = post(contact_api, "/api/v1/submissions/", {"cycle": cycle.pk}, key)

    assert response.status_code == 400
    assert "Idempotency-Key" in problem(response)["errors"]
    assert not Submission.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_a_key_of_255_printable_characters_is_accepted_and_its_quoted_form_is_the_same_key(
    contact_api: ApiClient, cycle: ReportingCycle, french_commitments
) -> None:
    key = "~ !" + "k" * 252
    assert post(contact_api, "/api/v1/submissions/", {"cycle": cycle.pk}, key).status_code == 201

    quoted = post(contact_api, "/api/v1/submissions/", {"cycle": cycle.pk}, f'"{key}"')

    assert quoted.status_code == 201
    assert quoted["Idempotent-Replayed"] == "true"


def test_one_clients_key_never_replays_another_clients_answer(
    contact: User, colleague: User, cycle: ReportingCycle, french_commitments, client
) -> None:
    key = new_key()
    body = {"cycle": cycle.pk}
    first = post(ApiClient(key_for(contact)), "/api/v1/submissions/", body, key)
    assert first.status_code == 201

    # The same key and request, from another key of the same country, another person's session,
    # and another key of the same person.
    client.force_login(colleague)
    others = [
        post(ApiClient(key_for(colleague)), "/api/v1/submissions/", body, key),
        post(client, "/api/v1/submissions/", body, key),
        post(ApiClient(key_for(contact, name="second")), "/api/v1/submissions/", body, key),
    ]

    for response in others:
        assert response.status_code in (200, 201), response.content
        assert "Idempotent-Replayed" not in response  # each ran for its own client
    assert IdempotencyKey.objects.count() == 4
    assert Submission.objects.filter(cycle=cycle).count() == 1


def test_the_key_is_stored_as_a_digest_never_as_the_api_key(
    contact: User, cycle: ReportingCycle, french_commitments
) -> None:
    api_key = key_for(contact)
    post(ApiClient(api_key), "/api/v1/submissions/", {"cycle": cycle.pk}, new_key())

    row = IdempotencyKey.objects.get()
    assert api_key not in row.client
    assert api_key.split(".")[-1] not in row.client
    assert len(row.client) == 64


def test_token_and_bearer_with_the_same_key_are_the_same_client(
    contact: User, cycle: ReportingCycle, french_commitments
) -> None:
    api_key, key = key_for(contact), new_key()
    first = post(Client(), "/api/v1/submissions/", {"cycle": cycle.pk}, key, Authorization=f"Token {api_key}")
    again = post(Client(), "/api/v1/submissions/", {"cycle": cycle.pk}, key, Authorization=f"Bearer {api_key}")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"


def test_a_browser_session_retrying_gets_the_first_answer(
    client, contact: User, cycle: ReportingCycle, french_commitments
) -> None:
    client.force_login(contact)
    key = new_key()
    first = post(client, "/api/v1/submissions/", {"cycle": cycle.pk}, key)
    again = post(client, "/api/v1/submissions/", {"cycle": cycle.pk}, key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"


def test_anonymous_posts_are_refused_and_leave_no_key(anonymous_api: ApiClient, cycle: ReportingCycle) -> None:
    response = post(anonymous_api, "/api/v1/submissions/", {"cycle": cycle.pk}, new_key())

    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_a_revoked_key_gets_401_not_its_stored_answer(contact: User, cycle: ReportingCycle, french_commitments) -> None:
    api_key, key = key_for(contact), new_key()
    api = ApiClient(api_key)
    assert post(api, "/api/v1/submissions/", {"cycle": cycle.pk}, key).status_code == 201
    api_key_revoke(key=ApiKey.objects.get(digest=token_digest(api_key)), actor=contact)

    again = post(api, "/api/v1/submissions/", {"cycle": cycle.pk}, key)

    assert again.status_code == 401
    assert again["WWW-Authenticate"] == "Token"
    assert "Idempotent-Replayed" not in again


def test_an_invalid_api_key_with_a_malformed_idempotency_key_is_a_401_first(cycle: ReportingCycle) -> None:
    response = post(ApiClient("not-a-key"), "/api/v1/submissions/", {"cycle": cycle.pk}, "")

    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_server_errors_are_not_stored_so_the_client_may_retry(
    contact: User, cycle: ReportingCycle, french_commitments, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = ApiClient(key_for(contact), raise_request_exception=False)
    real_start = workflow.submission_start

    def broken(**kwargs: Any) -> Submission:
        raise RuntimeError("database went away")

    monkeypatch.setattr(workflow, "submission_start", broken)
    key = new_key()
    failed = post(api, "/api/v1/submissions/", {"cycle": cycle.pk}, key)
    assert failed.status_code == 500
    assert not IdempotencyKey.objects.exists()

    monkeypatch.setattr(workflow, "submission_start", real_start)
    retried = post(api, "/api/v1/submissions/", {"cycle": cycle.pk}, key)

    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried
    assert Submission.objects.filter(cycle=cycle).count() == 1


def test_a_request_refused_before_it_ran_frees_its_key_for_the_corrected_request(
    contact_api: ApiClient, cycle: ReportingCycle, french_commitments
) -> None:
    key = new_key()
    invalid = post(contact_api, "/api/v1/submissions/", {"cycle": 0}, key)
    assert invalid.status_code == 400
    assert not IdempotencyKey.objects.exists()

    corrected = post(contact_api, "/api/v1/submissions/", {"cycle": cycle.pk}, key)

    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected


def test_a_workflow_refusal_is_stored_and_replayed(
    contact_api: ApiClient, submitted: Submission, french_commitments
) -> None:
    url = f"/api/v1/submissions/{submitted.pk}/updates/"
    key = new_key()
    first = post(contact_api, url, {"commitment": french_commitments[0].pk}, key)
    assert first.status_code == 409

    again = post(contact_api, url, {"commitment": french_commitments[0].pk}, key)

    assert again.status_code == 409
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content


def test_an_expired_key_is_forgotten_and_the_request_runs_again(
    contact_api: ApiClient, draft: Submission, french_commitments, settings
) -> None:
    settings.IDEMPOTENCY_KEY_HOURS = 24
    url = f"/api/v1/submissions/{draft.pk}/updates/"
    key = new_key()
    assert post(contact_api, url, {"commitment": french_commitments[0].pk}, key).status_code == 201

    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        later = post(contact_api, url, {"commitment": french_commitments[0].pk}, key)

    assert later.status_code == 409  # it ran: the update exists now
    assert "Idempotent-Replayed" not in later


def test_other_methods_and_other_addresses_ignore_the_header(
    contact_api: ApiClient, draft: Submission, french_commitments
) -> None:
    key = new_key()
    assert contact_api.get("/api/v1/submissions/", headers={"Idempotency-Key": key}).status_code == 200
    assert contact_api.get("/api/v1/submissions/", headers={"Idempotency-Key": ""}).status_code == 200
    url = f"/api/v1/submissions/{draft.pk}/updates/{french_commitments[0].pk}/"
    patch = contact_api.patch(
        url, json.dumps({"completion_percent": 5}), content_type="application/json", headers={"Idempotency-Key": key}
    )
    assert patch.status_code == 201
    assert not IdempotencyKey.objects.exists()
