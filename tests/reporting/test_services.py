"""The reporting workflow's rules, called directly on the services."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import User
from commitments import selectors, services
from commitments.models import Commitment, HistoryEntry, ProgressUpdate, ReviewComment, Submission, SubmissionSnapshot


def save(submission: Submission, commitment: Commitment, actor: User, version: int | None, **values: object):
    return services.progress_update_save(
        submission=submission, commitment=commitment, actor=actor, values=values, expected_version=version
    )


def test_a_contact_starts_one_draft_per_cycle(draft: Submission, contact: User) -> None:
    again = services.submission_start(member_state=draft.member_state, cycle=draft.cycle, actor=contact)
    assert again.pk == draft.pk
    assert draft.status == Submission.Status.DRAFT


def test_a_contact_cannot_start_another_countrys_submission(draft: Submission, foreign_contact: User) -> None:
    with pytest.raises(PermissionDenied):
        services.submission_start(member_state=draft.member_state, cycle=draft.cycle, actor=foreign_contact)


def test_saving_an_update_records_who_changed_what(draft: Submission, contact: User, french_commitments) -> None:
    update = save(draft, french_commitments[0], contact, 0, narrative="First words", completion_percent=10)
    assert update.version == 1
    update = save(draft, french_commitments[0], contact, 1, narrative="Second words", completion_percent=10)
    assert update.version == 2
    entry = HistoryEntry.objects.filter(subject_type="progressupdate", subject_id=update.pk).first()
    assert entry is not None
    assert entry.actor == contact
    assert entry.changes == {"narrative": ["First words", "Second words"]}
    assert entry.submission == draft


def test_an_unchanged_autosave_writes_nothing(draft: Submission, contact: User, french_commitments) -> None:
    save(draft, french_commitments[0], contact, 0, narrative="Same")
    count = HistoryEntry.objects.count()
    update = save(draft, french_commitments[0], contact, 1, narrative="Same")
    assert update.version == 1
    assert HistoryEntry.objects.count() == count


def test_a_stale_save_is_refused_and_overwrites_nothing(
    draft: Submission, contact: User, colleague: User, french_commitments
) -> None:
    save(draft, french_commitments[0], contact, 0, narrative="Original")
    save(draft, french_commitments[0], colleague, 1, narrative="The colleague's text")
    with pytest.raises(services.EditConflict) as conflict:
        save(draft, french_commitments[0], contact, 1, narrative="My late text")
    assert conflict.value.current.narrative == "The colleague's text"
    assert conflict.value.current.updated_by == colleague
    assert ProgressUpdate.objects.get(submission=draft, commitment=french_commitments[0]).narrative == (
        "The colleague's text"
    )


def test_two_people_creating_the_same_update_conflict(
    draft: Submission, contact: User, colleague: User, french_commitments
) -> None:
    save(draft, french_commitments[1], colleague, 0, narrative="Created first")
    with pytest.raises(services.EditConflict):
        save(draft, french_commitments[1], contact, 0, narrative="Created second")


def test_completed_means_one_hundred_percent(draft: Submission, contact: User, french_commitments) -> None:
    with pytest.raises(ValidationError) as error:
        save(draft, french_commitments[0], contact, 0, status="completed", completion_percent=80)
    assert "completion_percent" in error.value.message_dict


def test_submitting_needs_an_update_for_every_commitment(draft: Submission, contact: User, french_commitments) -> None:
    save(draft, french_commitments[0], contact, 0, narrative="Only one")
    with pytest.raises(services.IncompleteSubmission) as incomplete:
        services.submission_submit(submission=draft, actor=contact)
    assert incomplete.value.missing == [french_commitments[1]]
    draft.refresh_from_db()
    assert draft.status == Submission.Status.DRAFT


def test_submitting_snapshots_the_content(submitted: Submission) -> None:
    assert submitted.status == Submission.Status.SUBMITTED
    assert submitted.round == 1
    snapshot = SubmissionSnapshot.objects.get(submission=submitted, round=1, event="submitted")
    assert len(snapshot.data["updates"]) == 2


def test_a_submitted_report_cannot_be_edited(submitted: Submission, contact: User, french_commitments) -> None:
    update = ProgressUpdate.objects.get(submission=submitted, commitment=french_commitments[0])
    with pytest.raises(services.WorkflowError):
        save(submitted, french_commitments[0], contact, update.version, narrative="Too late")


def test_the_reviewer_returns_only_the_chosen_updates(
    submitted: Submission, contact: User, reviewer: User, french_commitments
) -> None:
    first = ProgressUpdate.objects.get(submission=submitted, commitment=french_commitments[0])
    second = ProgressUpdate.objects.get(submission=submitted, commitment=french_commitments[1])
    services.submission_return(
        submission=submitted, actor=reviewer, seen_version=submitted.version, comments={first.pk: "Add the figures."}
    )
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.RETURNED
    first.refresh_from_db()
    assert first.needs_revision
    assert ReviewComment.objects.get(update=first).body == "Add the figures."
    # The returned update can change; the other cannot.
    save(submitted, french_commitments[0], contact, first.version, narrative="Now with figures")
    with pytest.raises(services.WorkflowError):
        save(submitted, french_commitments[1], contact, second.version, narrative="Not returned")


def test_returning_needs_a_comment_on_each_chosen_update(submitted: Submission, reviewer: User) -> None:
    update = submitted.updates.first()
    assert update is not None
    with pytest.raises(ValidationError):
        services.submission_return(submission=submitted, actor=reviewer, seen_version=submitted.version, comments={})
    with pytest.raises(ValidationError):
        services.submission_return(
            submission=submitted, actor=reviewer, seen_version=submitted.version, comments={update.pk: "  "}
        )


def test_resubmission_clears_the_returned_marks_and_starts_a_new_round(
    submitted: Submission, contact: User, reviewer: User, french_commitments
) -> None:
    first = ProgressUpdate.objects.get(submission=submitted, commitment=french_commitments[0])
    services.submission_return(
        submission=submitted, actor=reviewer, seen_version=submitted.version, comments={first.pk: "Add the figures."}
    )
    first.refresh_from_db()
    save(submitted, french_commitments[0], contact, first.version, narrative="Now with figures")
    again = services.submission_submit(submission=submitted, actor=contact)
    assert again.round == 2
    assert not again.updates.filter(needs_revision=True).exists()


def test_accepting_locks_the_submission(
    submitted: Submission, contact: User, reviewer: User, french_commitments
) -> None:
    accepted = services.submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)
    assert accepted.status == Submission.Status.ACCEPTED
    assert accepted.accepted_by == reviewer
    update = ProgressUpdate.objects.get(submission=submitted, commitment=french_commitments[0])
    with pytest.raises(services.WorkflowError):
        save(submitted, french_commitments[0], contact, update.version, narrative="After acceptance")
    with pytest.raises(services.WorkflowError):
        services.submission_submit(submission=submitted, actor=contact)


def test_a_decision_on_a_version_the_reviewer_did_not_see_is_refused(submitted: Submission, reviewer: User) -> None:
    with pytest.raises(services.StaleReview):
        services.submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version - 1)
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.SUBMITTED


def test_contacts_cannot_review(submitted: Submission, contact: User) -> None:
    with pytest.raises(PermissionDenied):
        services.submission_accept(submission=submitted, actor=contact, seen_version=submitted.version)


def test_a_draft_past_its_due_date_is_late_until_an_extension(draft: Submission, secretariat_admin: User) -> None:
    after_due = draft.cycle.due_on + timedelta(days=1)
    assert draft.is_late_on(after_due)
    services.submission_grant_extension(
        submission=draft, actor=secretariat_admin, due_on=draft.cycle.due_on + timedelta(days=30)
    )
    draft.refresh_from_db()
    assert not draft.is_late_on(after_due)
    assert HistoryEntry.objects.filter(submission=draft, action="extended").exists()


def test_an_extension_must_end_after_the_due_date(draft: Submission, secretariat_admin: User, reviewer: User) -> None:
    with pytest.raises(ValidationError):
        services.submission_grant_extension(submission=draft, actor=secretariat_admin, due_on=draft.cycle.due_on)
    with pytest.raises(PermissionDenied):
        services.submission_grant_extension(
            submission=draft, actor=reviewer, due_on=draft.cycle.due_on + timedelta(days=3)
        )


def test_a_submission_first_sent_after_the_due_date_stays_late(submitted: Submission) -> None:
    Submission.objects.filter(pk=submitted.pk).update(first_submitted_at=timezone.now() + timedelta(days=90))
    submitted.refresh_from_db()
    assert submitted.is_late_on(timezone.localdate())


def test_a_contact_pledges_a_new_commitment_in_the_cycle(draft: Submission, contact: User) -> None:
    from commitments.models import OperationalGoal, PolicyTarget

    commitment = services.commitment_pledge(
        member_state=draft.member_state,
        cycle=draft.cycle,
        actor=contact,
        values={
            "target": PolicyTarget.objects.get(code="availability"),
            "goal": OperationalGoal.objects.get(code="notice-and-takedown-speed"),
            "action": None,
            "title": "Agree takedown times with the hotline",
            "description": "",
            "planned_start": None,
            "planned_end": None,
            "status": Commitment.Status.NOT_STARTED,
        },
    )
    assert commitment.pledged_in == draft.cycle
    assert commitment.created_by == contact
    assert HistoryEntry.objects.filter(subject_type="commitment", subject_id=commitment.pk, action="pledged").exists()
    assert commitment in selectors.missing_commitments(draft)


def test_a_pledge_with_a_goal_of_another_target_is_refused(draft: Submission, contact: User) -> None:
    from commitments.models import OperationalGoal, PolicyTarget

    with pytest.raises(ValidationError):
        services.commitment_pledge(
            member_state=draft.member_state,
            cycle=draft.cycle,
            actor=contact,
            values={
                "target": PolicyTarget.objects.get(code="victims"),
                "goal": OperationalGoal.objects.get(code="notice-and-takedown-speed"),
                "title": "Mismatched",
            },
        )


def test_history_is_recorded_for_changes_made_outside_a_request(submitted: Submission, reviewer: User) -> None:
    # Services called from a job or a command record history the same way.
    services.submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)
    actions = list(HistoryEntry.objects.filter(submission=submitted).values_list("action", flat=True))
    assert "accepted" in actions
    assert "submitted" in actions
    assert actions.count("created") == 3  # the submission and its two updates


def test_successive_saves_by_one_person_make_one_history_entry(
    draft: Submission, contact: User, colleague: User, french_commitments
) -> None:
    save(draft, french_commitments[0], contact, 0, narrative="a")
    save(draft, french_commitments[0], contact, 1, narrative="ab")
    save(draft, french_commitments[0], contact, 2, narrative="abc", completion_percent=20)
    update = ProgressUpdate.objects.get(submission=draft, commitment=french_commitments[0])
    edits = HistoryEntry.objects.filter(subject_type="progressupdate", subject_id=update.pk, action="updated")
    assert [e.changes for e in edits] == [{"narrative": ["a", "abc"], "completion_percent": [0, 20]}]
    # Another person's save is an entry of its own.
    save(draft, french_commitments[0], colleague, 3, narrative="abcd")
    assert edits.all().count() == 2


def test_history_leaves_out_fields_that_stay_empty(draft: Submission, contact: User, french_commitments) -> None:
    update = save(draft, french_commitments[1], contact, 0, narrative="", completion_percent=5)
    entry = HistoryEntry.objects.get(subject_type="progressupdate", subject_id=update.pk, action="created")
    assert "narrative" not in entry.changes
    assert "figures_source" not in entry.changes
    assert entry.changes["completion_percent"] == [None, 5]


def test_history_reads_in_words(draft: Submission, contact: User, french_commitments) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from commitments.templatetags.reporting import change_rows
    from commitments.uploads import PDF
    from tests.reporting import files

    save(draft, french_commitments[0], contact, 0, status="on_track", completion_percent=10)
    services.evidence_attach(
        submission=draft,
        commitment=french_commitments[0],
        actor=contact,
        upload=SimpleUploadedFile("report.pdf", files.PDF),
        detected=PDF,
    )
    entries = HistoryEntry.objects.filter(submission=draft)
    created = entries.get(action="created", subject_type="progressupdate")
    attached = entries.get(action="attached")
    assert ("Status", "—", "On track") in change_rows(created)
    assert ("Completion (%)", "—", "10") in change_rows(created)
    assert change_rows(attached) == [("Evidence files", "—", "report.pdf")]


def test_a_submit_of_a_version_no_longer_current_is_refused_under_the_lock(draft: Submission, contact: User) -> None:
    from tests.conftest import fill_all

    fill_all(draft, contact)
    draft.refresh_from_db()
    seen = draft.version
    fill_all(draft, contact, narrative="Changed by a colleague after the read.")
    with pytest.raises(services.StaleReview):
        services.submission_submit(submission=draft, actor=contact, seen_version=seen)
    draft.refresh_from_db()
    assert draft.status == Submission.Status.DRAFT
    submitted = services.submission_submit(submission=draft, actor=contact, seen_version=draft.version)
    assert submitted.status == Submission.Status.SUBMITTED
