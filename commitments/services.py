"""Every change to commitments and submissions: the reporting workflow.

draft → submitted → returned (with comments) → submitted → accepted. Each function takes the
acting user, checks their right to act, locks the submission row so that concurrent actions
serialise, records history, and queues notifications to be sent once the transaction commits.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import User
from alliance.formats import long_date
from webhooks.services import submission_event_record

from . import permissions, selectors
from .history import changed, field_values, record, record_edit
from .models import (
    UPDATE_FIELDS,
    Commitment,
    Evidence,
    Membership,
    MembershipChange,
    MemberState,
    Milestone,
    ProgressUpdate,
    ReportingCycle,
    ReviewComment,
    SpreadsheetImport,
    Submission,
    SubmissionSnapshot,
)
from .models.wording import language_base
from .standing import standing_of
from .uploads import DetectedType

COMMITMENT_FIELDS = ("target", "goal", "action", "title", "description", "planned_start", "planned_end", "status")


class WorkflowError(Exception):
    """An action that the submission's current state does not allow."""


class EditConflict(WorkflowError):
    """Someone else saved the update after this person loaded it."""

    def __init__(self, current: ProgressUpdate) -> None:
        super().__init__("Someone else saved this update after you opened it.")
        self.current = current


class IncompleteSubmission(WorkflowError):
    def __init__(self, missing: list[Commitment]) -> None:
        super().__init__(f"{len(missing)} commitment(s) have no progress update yet.")
        self.missing = missing


class StaleReview(WorkflowError):
    """The submission changed after the person (a reviewer, or a contact submitting) loaded it."""


@dataclass(frozen=True)
class MilestoneData:
    due_on: date
    title: str
    done: bool = False

    def as_list(self) -> list[Any]:
        return [self.due_on.isoformat(), self.title, self.done]


def _notify(submission: Submission, event: str) -> None:
    from jobs import outbox

    from .tasks import notify_submission_event

    # Kept in the database with the change it tells of, and sent once that commits: a broker
    # that is down delays the email, it neither loses it nor fails the change (jobs.outbox).
    outbox.send(notify_submission_event, submission.pk, event)


def _locked(submission: Submission) -> Submission:
    return Submission.objects.select_for_update().select_related("member_state", "cycle").get(pk=submission.pk)


def _bump(submission: Submission, *fields: str) -> None:
    submission.version += 1
    submission.save(update_fields=["version", "updated_at", *fields])


def _record_on(submission: Submission, **entry: Any) -> None:
    """History of a change within a submission (locked by the caller), filed under its member state."""
    record(member_state=submission.member_state, submission=submission, **entry)


def _require_contact_of(actor: User, member_state: MemberState) -> None:
    if not permissions.is_contact(actor) or actor.member_state_id != member_state.pk:
        raise PermissionDenied(_("Only the member state's national contacts can do this."))


def _require_reviewer(actor: User) -> None:
    if not permissions.can_review(actor):
        raise PermissionDenied(_("Only secretariat reviewers can do this."))


@transaction.atomic
def submission_start(*, member_state: MemberState, cycle: ReportingCycle, actor: User) -> Submission:
    """The member state's submission for the cycle, created as a draft on first use."""
    _require_contact_of(actor, member_state)
    if cycle.opens_on > timezone.localdate():
        raise WorkflowError(
            _("%(cycle)s opens on %(day)s; reports can be started from then.")
            % {"cycle": cycle.name, "day": long_date(cycle.opens_on)}
        )
    where = standing_of(member_state=member_state, cycle=cycle, today=timezone.localdate())
    if not where.is_due:
        raise WorkflowError(
            _(
                "%(member)s was not a member of the Alliance on %(day)s, when %(cycle)s was due: it has no "
                "report to make for that cycle."
            )
            % {"member": member_state.name, "day": long_date(cycle.due_on), "cycle": cycle.name}
        )
    submission, created = Submission.objects.get_or_create(member_state=member_state, cycle=cycle)
    if created:
        record(actor=actor, action="created", subject=submission, member_state=member_state, submission=submission)
    return submission


@transaction.atomic
def progress_update_save(
    *,
    submission: Submission,
    commitment: Commitment,
    actor: User,
    values: dict[str, Any],
    milestones: list[MilestoneData] | None = None,
    expected_version: int | None,
    save_id: str = "",
) -> ProgressUpdate:
    """Save a progress update. `expected_version` is the version the person edited (0 for a new
    update); if someone saved in between, nothing is written and EditConflict carries theirs.

    `save_id` names this save (the editor makes one per request it sends): a save whose id made
    the current version already landed, and its retry changes nothing."""
    locked = _locked(submission)
    if commitment.member_state_id != locked.member_state_id:
        raise PermissionDenied(_("This commitment belongs to another member state."))
    update = ProgressUpdate.objects.select_for_update().filter(submission=locked, commitment=commitment).first()
    _require_contact_of(actor, locked.member_state)
    if not permissions.can_edit_update(actor, locked, update):
        raise WorkflowError(
            _("Only the updates the reviewer returned can change now.")
            if locked.status == Submission.Status.RETURNED
            else _("This submission is %(status)s and can no longer change.")
            % {"status": locked.get_status_display().lower()}
        )
    if save_id and update is not None and update.save_id == save_id:
        return update  # a retry of a save that landed (its answer was lost)
    current_version = update.version if update else 0
    if expected_version is not None and expected_version != current_version:
        assert update is not None
        raise EditConflict(update)

    is_new = update is None
    if update is None:
        update = ProgressUpdate(submission=locked, commitment=commitment, version=0)
        before: dict[str, Any] = {}
        old_milestones: list[list[Any]] = []
    else:
        before = field_values(update, UPDATE_FIELDS)
        old_milestones = selectors.milestones_of(update)
    for name in UPDATE_FIELDS:
        if name in values:
            setattr(update, name, values[name])
    new_milestones = old_milestones if milestones is None else [m.as_list() for m in milestones]
    changes = changed(before, field_values(update, UPDATE_FIELDS))
    if new_milestones != old_milestones:
        changes["milestones"] = [old_milestones, new_milestones]
    if not changes and not is_new:
        return update  # An autosave of unchanged content writes nothing.

    if "narrative" in changes:
        # The narrative is in the writer's language: the one they work in (their own choice, or their
        # browser's), unless the client names it.
        update.narrative_language = language_base(values.get("narrative_language") or get_language())
    update.full_clean(exclude=["submission", "commitment", "updated_by"], validate_unique=False)
    update.version += 1
    update.updated_by = actor
    update.save_id = save_id
    update.save()
    if milestones is not None and new_milestones != old_milestones:
        update.milestones.all().delete()
        Milestone.objects.bulk_create(
            Milestone(update=update, due_on=m.due_on, title=m.title, done=m.done) for m in milestones
        )
    _bump(locked)
    if is_new:
        _record_on(
            locked,
            actor=actor,
            action="created",
            subject=update,
            changes=changes,
        )
    else:
        record_edit(actor=actor, subject=update, changes=changes, member_state=locked.member_state, submission=locked)
    return update


def _store_upload(upload: UploadedFile, extension: str) -> tuple[str, str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return f"{uuid.uuid4().hex}{extension}", digest.hexdigest(), size


@transaction.atomic
def evidence_attach(
    *, submission: Submission, commitment: Commitment, actor: User, upload: UploadedFile, detected: DetectedType
) -> Evidence:
    """Attach a checked file to the commitment's update (creating an empty update if needed)."""
    locked = _locked(submission)
    update = ProgressUpdate.objects.filter(submission=locked, commitment=commitment).first()
    if update is None:
        update = progress_update_save(
            submission=locked, commitment=commitment, actor=actor, values={}, expected_version=0
        )
    _require_contact_of(actor, locked.member_state)
    if not permissions.can_edit_update(actor, locked, update):
        raise WorkflowError(_("Files can only be attached while the update can be edited."))
    stored_name, sha256, size = _store_upload(upload, detected.extension)
    evidence = Evidence(
        update=update,
        stored_name=stored_name,
        original_name=upload.name or f"evidence{detected.extension}",
        content_type=detected.content_type,
        size=size,
        sha256=sha256,
        uploaded_by=actor,
    )
    evidence.file.save(stored_name, upload, save=False)
    evidence.save()
    _bump(locked)
    _record_on(
        locked,
        actor=actor,
        action="attached",
        subject=update,
        changes={"evidence": [None, evidence.original_name]},
    )
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence, actor: User) -> None:
    locked = _locked(evidence.update.submission)
    _require_contact_of(actor, locked.member_state)
    if not permissions.can_edit_update(actor, locked, evidence.update):
        raise WorkflowError(_("Files can only be removed while the update can be edited."))
    name = evidence.original_name
    update = evidence.update
    evidence.delete()
    # The file goes once the row is gone for good.
    transaction.on_commit(partial(evidence.file.storage.delete, evidence.file.name))
    _bump(locked)
    _record_on(
        locked,
        actor=actor,
        action="removed file",
        subject=update,
        changes={"evidence": [name, None]},
    )


@transaction.atomic
def submission_submit(*, submission: Submission, actor: User, seen_version: int | None = None) -> Submission:
    """Submit for review; with `seen_version`, only the version the person saw (checked under the
    lock, so that a change landing between their read and this write is never submitted unseen)."""
    locked = _locked(submission)
    _require_contact_of(actor, locked.member_state)
    if seen_version is not None and locked.version != seen_version:
        raise StaleReview(_("The submission changed after you read it; read it again before submitting."))
    if not locked.is_editable:
        raise WorkflowError(
            _("This submission is already %(status)s.") % {"status": locked.get_status_display().lower()}
        )
    missing = selectors.missing_commitments(locked)
    if missing:
        raise IncompleteSubmission(missing)
    now = timezone.now()
    returned = list(locked.updates.filter(needs_revision=True).values_list("pk", flat=True))
    locked.updates.filter(pk__in=returned).update(needs_revision=False)
    previous_status = locked.status
    locked.status = Submission.Status.SUBMITTED
    locked.round += 1
    locked.submitted_at = now
    locked.first_submitted_at = locked.first_submitted_at or now
    _bump(locked, "status", "round", "submitted_at", "first_submitted_at")
    SubmissionSnapshot.objects.create(
        submission=locked,
        round=locked.round,
        event=SubmissionSnapshot.Event.SUBMITTED,
        data=selectors.snapshot_data(locked),
    )
    _record_on(
        locked,
        actor=actor,
        action="submitted",
        subject=locked,
        changes={"status": [previous_status, locked.status], "round": [locked.round - 1, locked.round]},
    )
    _notify(locked, "submitted")
    submission_event_record(submission=locked, event="submission.submitted")
    return locked


def _require_seen(locked: Submission, seen_version: int) -> None:
    if locked.status != Submission.Status.SUBMITTED:
        raise WorkflowError(
            _("This submission is %(status)s, not awaiting review.") % {"status": locked.get_status_display().lower()}
        )
    if locked.version != seen_version:
        raise StaleReview(_("The submission changed after you opened it; review the current version."))


@transaction.atomic
def review_comment_add(*, update: ProgressUpdate, actor: User, body: str) -> ReviewComment:
    _require_reviewer(actor)
    if not body.strip():
        raise ValidationError({"body": "Write a comment."})
    locked = _locked(update.submission)
    comment = ReviewComment.objects.create(update=update, author=actor, body=body.strip(), round=locked.round)
    _record_on(
        locked,
        actor=actor,
        action="commented",
        subject=update,
        changes={"comment": [None, comment.body]},
    )
    return comment


@transaction.atomic
def submission_return(
    *, submission: Submission, actor: User, seen_version: int, comments: dict[int, str]
) -> Submission:
    """Return the submission with a comment on each update that needs changes (and only those)."""
    _require_reviewer(actor)
    locked = _locked(submission)
    _require_seen(locked, seen_version)
    comments = {pk: body.strip() for pk, body in comments.items()}
    if not comments:
        raise ValidationError(_("Choose at least one update to return, with a comment."))
    if any(not body for body in comments.values()):
        raise ValidationError(_("Each returned update needs a comment saying what to change."))
    updates = list(locked.updates.filter(pk__in=comments).select_related("commitment"))
    if len(updates) != len(comments):
        raise ValidationError(_("An update chosen for return is not part of this submission."))
    for update in updates:
        ReviewComment.objects.create(update=update, author=actor, body=comments[update.pk], round=locked.round)
    locked.updates.filter(pk__in=comments).update(needs_revision=True)
    locked.status = Submission.Status.RETURNED
    _bump(locked, "status")
    _record_on(
        locked,
        actor=actor,
        action="returned",
        subject=locked,
        changes={
            "status": [Submission.Status.SUBMITTED, locked.status],
            "returned updates": [None, sorted(u.commitment.title for u in updates)],
        },
    )
    _notify(locked, "returned")
    return locked


@transaction.atomic
def submission_accept(*, submission: Submission, actor: User, seen_version: int) -> Submission:
    """Accept the version the reviewer saw; refused if anything changed since."""
    _require_reviewer(actor)
    locked = _locked(submission)
    _require_seen(locked, seen_version)
    locked.status = Submission.Status.ACCEPTED
    locked.accepted_at = timezone.now()
    locked.accepted_by = actor
    _bump(locked, "status", "accepted_at", "accepted_by")
    SubmissionSnapshot.objects.create(
        submission=locked,
        round=locked.round,
        event=SubmissionSnapshot.Event.ACCEPTED,
        data=selectors.snapshot_data(locked),
    )
    _record_on(
        locked,
        actor=actor,
        action="accepted",
        subject=locked,
        changes={"status": [Submission.Status.SUBMITTED, locked.status]},
    )
    _notify(locked, "accepted")
    submission_event_record(submission=locked, event="submission.accepted")
    return locked


@transaction.atomic
def submission_grant_extension(*, submission: Submission, actor: User, due_on: date) -> Submission:
    if not permissions.can_grant_extension(actor):
        raise PermissionDenied(_("Only secretariat administrators can grant extensions."))
    locked = _locked(submission)
    if due_on <= locked.cycle.due_on:
        raise ValidationError({"due_on": f"An extension ends after the cycle's due date ({locked.cycle.due_on})."})
    if locked.status == Submission.Status.ACCEPTED:
        raise WorkflowError(_("This submission is accepted; it needs no extension."))
    before = locked.extended_due_on
    locked.extended_due_on = due_on
    _bump(locked, "extended_due_on")
    _record_on(
        locked,
        actor=actor,
        action="extended",
        subject=locked,
        changes={"extended_due_on": [before.isoformat() if before else None, due_on.isoformat()]},
    )
    return locked


@transaction.atomic
def commitment_pledge(
    *, member_state: MemberState, cycle: ReportingCycle, actor: User, values: dict[str, Any]
) -> Commitment:
    """A national contact adds a new pledge for their country within a reporting cycle."""
    _require_contact_of(actor, member_state)
    submission = Submission.objects.filter(member_state=member_state, cycle=cycle).first()
    if submission is not None and not submission.is_editable:
        raise WorkflowError(_("New pledges are added while the cycle's submission is a draft or returned."))
    commitment = Commitment(member_state=member_state, pledged_in=cycle, created_by=actor, **values)
    return _commitment_add(commitment, actor=actor, action="pledged", submission=submission)


# --- A report filled offline in a spreadsheet -----------------------------------------------------


class ImportOutdated(WorkflowError):
    """The report changed between the preview and the confirmation: nothing was applied."""


@transaction.atomic
def spreadsheet_import_prepare(*, submission: Submission, actor: User, upload: UploadedFile) -> SpreadsheetImport:
    """Read a filled spreadsheet of the submission into a preview kept until the person confirms.
    A file the tracker cannot read safely is refused (SpreadsheetRefused, a ValidationError)."""
    from .spreadsheet_fill import preview_rows, read_rows

    locked = _locked(submission)
    _require_contact_of(actor, locked.member_state)
    if not permissions.can_edit_submission(actor, locked):
        raise WorkflowError(
            _("This submission is %(status)s and can no longer change.")
            % {"status": locked.get_status_display().lower()}
        )
    upload.seek(0)
    sha256 = hashlib.sha256(upload.read()).hexdigest()
    rows = read_rows(upload, submission=locked)
    previews = preview_rows(submission=locked, viewer=actor, rows=rows)
    return SpreadsheetImport.objects.create(
        submission=locked,
        file_name=(upload.name or "")[:255],
        file_sha256=sha256,
        rows=[row.as_json() for row in previews],
        created_by=actor,
    )


@transaction.atomic
def spreadsheet_import_apply(*, spreadsheet_import: SpreadsheetImport, actor: User) -> int:
    """Save the rows the preview showed as to be applied, as draft updates; how many. All or none:
    a row edited in the tracker since the preview (its version moved) applies nothing, and the
    person uploads the file again to see the new preview."""
    from .spreadsheet_fill import APPLY, stored_values

    pending = SpreadsheetImport.objects.select_for_update().get(pk=spreadsheet_import.pk)
    if pending.created_by_id != actor.pk or pending.status != SpreadsheetImport.Status.PENDING:
        raise WorkflowError(_("This import is no longer waiting for confirmation."))
    submission = pending.submission
    commitments = {c.pk: c for c in Commitment.objects.filter(member_state_id=submission.member_state_id)}
    applied = [row for row in pending.rows if row["outcome"] == APPLY]
    try:
        for row in applied:
            progress_update_save(
                submission=submission,
                commitment=commitments[row["commitment_id"]],
                actor=actor,
                values=stored_values(row["values"]),
                expected_version=row["version"],
                save_id=f"import-{pending.pk}-{row['commitment_id']}",
            )
    except (EditConflict, KeyError) as error:
        raise ImportOutdated(
            _(
                "The report changed since the preview: nothing was applied. Upload the file again to see what it "
                "changes now."
            )
        ) from error
    pending.status = SpreadsheetImport.Status.APPLIED
    pending.decided_at = timezone.now()
    pending.save(update_fields=["status", "decided_at"])
    _record_on(
        submission,
        actor=actor,
        action="imported",
        subject=submission,
        changes={"file": [None, pending.file_name], "updates": [None, len(applied)]},
    )
    return len(applied)


@transaction.atomic
def spreadsheet_import_discard(*, spreadsheet_import: SpreadsheetImport, actor: User) -> None:
    """Leave an import unapplied."""
    updated = SpreadsheetImport.objects.filter(
        pk=spreadsheet_import.pk, created_by=actor, status=SpreadsheetImport.Status.PENDING
    ).update(status=SpreadsheetImport.Status.DISCARDED, decided_at=timezone.now())
    if not updated:
        raise WorkflowError(_("This import is no longer waiting for confirmation."))


# --- The record: changes after its sources --------------------------------------------------------


@transaction.atomic
def membership_change_record(*, change: MembershipChange, actor: User) -> MembershipChange:
    """Record that a member left the Alliance or the European Union, with the source saying so.

    `change` is new, with the fields the secretariat gave (member state, kind, date, source). It is
    kept, and ends the member's open period of its kind (the membership's `left_on`, the EU
    membership's `ended_on`), with an entry in the history. Refused, by field, without a source,
    with a source dated in the future, with an end before the period's start, or when the member
    has no such period open (`MembershipChange.clean`, checked here under a lock of the member)."""
    if not actor.has_perm("commitments.add_membershipchange"):
        raise PermissionDenied(_("Only secretariat administrators record membership changes."))
    if change.pk is not None:
        raise WorkflowError(_("This change is recorded already: record a new one."))
    # One change of a member at a time: the open period is looked for (clean) under this lock.
    MemberState.objects.select_for_update().filter(pk=change.member_state_id).first()
    change.full_clean()
    period = change.open_period()
    if period is None:  # full_clean found it; kept for the type checker
        raise WorkflowError(_("This member has no such membership open."))
    if isinstance(period, Membership):
        field, action = "left_on", "left the Alliance"
        period.left_on = change.ended_on
        change.membership = period
    else:
        field, action = "ended_on", "left the EU"
        period.ended_on = change.ended_on
        change.eu_membership = period
    period.full_clean()
    period.save(update_fields=[field])
    change.recorded_by = actor
    change.save()
    record(
        actor=actor,
        action=action,
        subject=period,
        changes={
            field: [None, change.ended_on.isoformat()],
            "source": [None, change.source_reference or change.source_url],
            "source_published_on": [None, change.source_published_on.isoformat()],
        },
        member_state=change.member_state,
    )
    return change


# --- Pledges in bulk, from a spreadsheet ----------------------------------------------------------


def _commitment_add(
    commitment: Commitment,
    *,
    actor: User,
    action: str,
    submission: Submission | None = None,
    noted: dict[str, list[Any]] | None = None,
) -> Commitment:
    """Create a new commitment: checked by the model's rules, saved, and its history recorded with
    every value it starts with (and `noted`, such as the file it came from)."""
    commitment.full_clean()
    commitment.save()
    record(
        actor=actor,
        action=action,
        subject=commitment,
        changes={**changed({}, field_values(commitment, COMMITMENT_FIELDS)), **(noted or {})},
        member_state=commitment.member_state,
        submission=submission,
    )
    return commitment


class PledgesChanged(WorkflowError):
    """Rows that the preview showed as to be created are not any more (one became invalid, or a
    duplicate): nothing was created. `preview` is what the rows do now."""

    def __init__(self, preview: Any) -> None:
        super().__init__(_("Something changed since the preview: nothing was created. Check the rows again."))
        self.preview = preview


@transaction.atomic
def pledges_import(*, rows: list[dict[str, Any]], actor: User, file_name: str) -> list[Commitment]:
    """Create the pledges of a spreadsheet's rows (the values its preview kept,
    `pledge_import.Preview.kept_values`), all or none: each row is checked again, under a lock of
    its member states, and if any would not be created now (invalid, or a duplicate of a pledge
    made since), nothing is (PledgesChanged, with the new preview). Secretariat administrators only."""
    from .pledge_import import CREATE, check_values

    if not actor.has_perm("commitments.add_commitment"):
        raise PermissionDenied(_("Only secretariat administrators import pledges."))
    if not rows:
        raise WorkflowError(_("The file has no pledges to create."))
    codes = {str(row.get("member_state") or "").upper() for row in rows}
    # One import of a member's pledges at a time: duplicates are looked for under this lock.
    list(MemberState.objects.select_for_update().filter(iso_code__in=codes).order_by("pk").values_list("pk"))
    preview = check_values(rows)
    if any(row.outcome != CREATE or row.commitment is None for row in preview.rows):
        raise PledgesChanged(preview)
    noted = {"file": [None, file_name]}
    created = []
    for row in preview.rows:
        assert row.commitment is not None  # checked above; for the type checker
        row.commitment.created_by = actor
        created.append(_commitment_add(row.commitment, actor=actor, action="imported", noted=noted))
    return created
