"""Fifty clients change the same progress update at once, each with If-Match, on PostgreSQL."""

import json
import threading
from collections import Counter

import pytest
from django.db import connection

from accounts.models import User
from commitments import services
from commitments.models import ProgressUpdate, Submission
from tests.api.conftest import ApiClient, key_for

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 50


def test_fifty_concurrent_conflicting_updates_one_wins_each_race_none_lost(
    contact: User, colleague: User, draft: Submission, french_commitments
) -> None:
    commitment = french_commitments[1]
    services.progress_update_save(
        submission=draft, commitment=commitment, actor=contact, values={"narrative": "start"}, expected_version=0
    )
    url = f"/api/v1/submissions/{draft.pk}/updates/{commitment.pk}/"
    keys = [key_for(contact if i % 2 else colleague) for i in range(CLIENTS)]
    wins: Counter[str] = Counter()  # the If-Match value of every successful write
    refusals = Counter[int]()
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)

    def client_run(index: int) -> None:
        client = ApiClient(keys[index])
        barrier.wait()
        try:
            for _ in range(200):  # bounded retries
                current = client.get(url)
                tag, narrative = current["ETag"], current.json()["narrative"]
                response = client.patch(
                    url,
                    json.dumps({"narrative": f"{narrative} [{index}]"}),
                    content_type="application/json",
                    headers={"If-Match": tag},
                )
                with lock:
                    if response.status_code == 200:
                        wins[tag] += 1
                        return
                    refusals[response.status_code] += 1
                assert response.status_code == 412, response.content
        finally:
            connection.close()

    threads = [threading.Thread(target=client_run, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    stored = ProgressUpdate.objects.get(submission=draft, commitment=commitment)
    assert sum(wins.values()) == CLIENTS  # every client's change got in, after retrying
    assert set(wins.values()) == {1}  # exactly one winner for each version raced on
    assert stored.version == 1 + CLIENTS
    assert all(f"[{i}]" in stored.narrative for i in range(CLIENTS))  # none lost
    assert set(refusals) <= {412}
    assert refusals[412] >= 1  # they really raced
