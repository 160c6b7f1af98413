"""Two identical requests at once with one Idempotency-Key: one runs, the other is told to wait."""

import json
import threading
from typing import Any

import pytest
from django.db import connection

from accounts.models import User
from commitments import services as workflow
from commitments.models import ReportingCycle, Submission
from idempotency.models import IdempotencyKey
from tests.api.conftest import ApiClient, key_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_request_still_running_answers_409_and_the_create_runs_once(
    contact: User, cycle: ReportingCycle, french_commitments, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_key = key_for(contact)
    real_start = workflow.submission_start
    inside, release = threading.Event(), threading.Event()
    runs: list[int] = []

    def slow_start(**kwargs: Any) -> Submission:
        runs.append(1)
        inside.set()
        assert release.wait(timeout=30)
        return real_start(**kwargs)

    monkeypatch.setattr(workflow, "submission_start", slow_start)
    headers = {"Idempotency-Key": "concurrent-1"}
    body = json.dumps({"cycle": cycle.pk})
    answers: list[Any] = []

    def first_request() -> None:
        try:
            answers.append(
                ApiClient(api_key).post("/api/v1/submissions/", body, content_type="application/json", headers=headers)
            )
        finally:
            connection.close()

    thread = threading.Thread(target=first_request)
    thread.start()
    try:
        assert inside.wait(timeout=30)  # the first request holds the key and is in the view
        second = ApiClient(api_key).post("/api/v1/submissions/", body, content_type="application/json", headers=headers)
        assert second.status_code == 409
        assert second["Content-Type"] == "application/problem+json"
        assert second["Retry-After"] == "1"
    finally:
        release.set()
        thread.join(timeout=60)

    assert [a.status_code for a in answers] == [201]
    third = ApiClient(api_key).post("/api/v1/submissions/", body, content_type="application/json", headers=headers)
    assert third.status_code == 201
    assert third["Idempotent-Replayed"] == "true"
    assert len(runs) == 1
    assert Submission.objects.filter(cycle=cycle).count() == 1
    assert IdempotencyKey.objects.count() == 1
