"""Concurrent edits and decisions on PostgreSQL, in real parallel transactions."""

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User
from commitments import selectors, services
from commitments.models import HistoryEntry, ProgressUpdate, Submission, SubmissionSnapshot
from tests.conftest import fill_all

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*actions: Callable[[], Any]) -> list[Any]:
    """Run the actions in parallel threads, released at the same moment; return results or errors."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = action()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_people_saving_the_same_update_one_wins_nothing_is_lost(
    contact: User, colleague: User, draft: Submission, french_commitments
) -> None:
    commitment = french_commitments[1]
    first = services.progress_update_save(
        submission=draft, commitment=commitment, actor=contact, values={"narrative": "v1"}, expected_version=0
    )

    def save_as(person: User, text: str) -> Callable[[], ProgressUpdate]:
        return lambda: services.progress_update_save(
            submission=draft, commitment=commitment, actor=person, values={"narrative": text}, expected_version=1
        )

    for _ in range(3):
        ProgressUpdate.objects.filter(pk=first.pk).update(version=1, narrative="v1")
        results = run_together(save_as(contact, "contact's text"), save_as(colleague, "colleague's text"))
        winners = [r for r in results if isinstance(r, ProgressUpdate)]
        losers = [r for r in results if isinstance(r, services.EditConflict)]
        assert len(winners) == 1, results
        assert len(losers) == 1, results
        stored = ProgressUpdate.objects.get(pk=first.pk)
        assert stored.narrative == winners[0].narrative
        assert stored.version == 2
        # The loser is shown the winner's version.
        assert losers[0].current.narrative == winners[0].narrative


def test_the_editor_pages_answer_the_loser_with_the_conflict_message(
    contact: User, colleague: User, draft: Submission, french_commitments
) -> None:
    commitment = french_commitments[1]
    services.progress_update_save(
        submission=draft, commitment=commitment, actor=contact, values={"narrative": "v1"}, expected_version=0
    )
    url = reverse("commitments:update_save", args=[draft.pk, commitment.pk])

    def post_as(person: User, text: str) -> Callable[[], Any]:
        client = Client()
        client.force_login(person)
        prefix = f"c{commitment.pk}"
        data = {
            f"{prefix}-version": 1,
            f"{prefix}-status": "on_track",
            f"{prefix}-completion_percent": 30,
            f"{prefix}-narrative": text,
            f"{prefix}-confidentiality": "members",
            f"{prefix}-ms-TOTAL_FORMS": 0,
            f"{prefix}-ms-INITIAL_FORMS": 0,
        }
        return lambda: client.post(url, data, headers={"X-Requested-With": "fetch"})

    responses = run_together(post_as(contact, "contact's text"), post_as(colleague, "colleague's text"))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    winner = next(r for r in responses if r.status_code == 200)
    conflict = loser.json()["conflict"]
    assert "after you opened it" in conflict["message"]
    stored = ProgressUpdate.objects.get(submission=draft, commitment=commitment)
    assert stored.version == winner.json()["version"] == 2
    assert conflict["values"]["Narrative"] == stored.narrative
    assert (
        HistoryEntry.objects.filter(subject_type="progressupdate", subject_id=stored.pk, action="updated").count() == 1
    )


def return_change_resubmit(
    submission: Submission, seen_version: int, update_id: int, reviewer: User, contact: User
) -> Submission:
    services.submission_return(
        submission=submission, actor=reviewer, seen_version=seen_version, comments={update_id: "More."}
    )
    current = ProgressUpdate.objects.get(pk=update_id)
    services.progress_update_save(
        submission=submission,
        commitment=current.commitment,
        actor=contact,
        values={"narrative": f"Changed after the return, version {current.version}"},
        expected_version=current.version,
    )
    return services.submission_submit(submission=submission, actor=contact)


def test_an_acceptance_racing_a_return_and_resubmission_never_accepts_unseen_content(
    contact: User, reviewer: User, secretariat_admin: User, draft: Submission, french_commitments
) -> None:
    fill_all(draft, contact)
    for _ in range(3):
        submission = services.submission_submit(submission=Submission.objects.get(pk=draft.pk), actor=contact)
        seen_version, seen = submission.version, selectors.snapshot_data(submission)
        update = submission.updates.order_by("pk").first()
        assert update is not None

        accept = partial(services.submission_accept, submission=submission, actor=reviewer, seen_version=seen_version)
        revise = partial(return_change_resubmit, submission, seen_version, update.pk, secretariat_admin, contact)
        results = run_together(accept, revise)
        final = Submission.objects.get(pk=draft.pk)
        if final.status == Submission.Status.ACCEPTED:
            assert isinstance(results[0], Submission)
            assert isinstance(results[1], services.WorkflowError)
            accepted = SubmissionSnapshot.objects.get(submission=final, event="accepted")
            assert accepted.data == seen
            return
        # The return won: the acceptance of the older version was refused.
        assert isinstance(results[0], services.WorkflowError), results
        assert final.status == Submission.Status.SUBMITTED
        assert not SubmissionSnapshot.objects.filter(submission=final, event="accepted").exists()
        # Go round again from the resubmitted report.
        Submission.objects.filter(pk=draft.pk).update(status=Submission.Status.DRAFT)
