"""Who may see and do what with commitments and submissions: one policy per model, used by the
pages, the API and the reports alike.

National contacts act for their own member state only; secretariat staff see every member state.
Access helpers answer 404 for objects a person may not know about, so that foreign rows are not
even confirmed to exist.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import ApiKey, User

from .models import (
    Commitment,
    Confidentiality,
    Evidence,
    HistoryEntry,
    Milestone,
    ProgressUpdate,
    ReminderSent,
    ReviewComment,
    Submission,
    SubmissionSnapshot,
)

AnyUser = User | AnonymousUser


def is_contact(user: AnyUser) -> bool:
    return isinstance(user, User) and user.is_active and user.role == User.Role.NATIONAL_CONTACT


def is_secretariat(user: AnyUser) -> bool:
    return isinstance(user, User) and user.is_active and user.is_secretariat


def can_review(user: AnyUser) -> bool:
    return user.has_perm("commitments.review_submission")


def can_grant_extension(user: AnyUser) -> bool:
    return user.has_perm("commitments.grant_extension")


def can_edit_submission(user: AnyUser, submission: Submission) -> bool:
    """Contacts of the member state edit its drafts and returned submissions."""
    return (
        is_contact(user)
        and isinstance(user, User)
        and user.member_state_id == submission.member_state_id
        and submission.is_editable
    )


def can_edit_update(user: AnyUser, submission: Submission, update: ProgressUpdate | None) -> bool:
    """In a returned submission only the updates the reviewer returned (and new pledges) can change."""
    if not can_edit_submission(user, submission):
        return False
    if submission.status == Submission.Status.RETURNED:
        return update is None or update.needs_revision
    return True


# --- Who may see what: one policy per model, for pages, API and reports alike --------------------
# Published data is what everyone may read: accepted submissions and their public updates.
# National contacts also read everything of their own country (drafts included), and other members'
# accepted content marked for members (goal 5 of the launch declaration: sharing best practice);
# the secretariat reads everything. A reading API key reads published data only, whoever owns it:
# reading drafts through the API takes a reporting or review key.

# Which confidentiality levels of another member's accepted content each kind of reader sees.
SHARED_WITH_PUBLIC = (Confidentiality.PUBLIC,)
SHARED_WITH_MEMBERS = (Confidentiality.PUBLIC, Confidentiality.MEMBERS)


def viewer_of(request: Any) -> AnyUser:
    """Whom a request reads as: its person, or anonymous for a reading API key."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiKey) and auth.scope == ApiKey.Scope.READ:
        return AnonymousUser()
    user = request.user
    return user if isinstance(user, User) else AnonymousUser()


def is_insider(viewer: AnyUser, member_state_id: int) -> bool:
    """The secretariat, and the member's own contacts: they see its drafts, comments and history."""
    if is_secretariat(viewer):
        return True
    return is_contact(viewer) and isinstance(viewer, User) and viewer.member_state_id == member_state_id


def shared_confidentialities(viewer: AnyUser, member_state_id: int) -> tuple[str, ...]:
    """The confidentiality levels of a member's accepted content that `viewer` may read."""
    if is_insider(viewer, member_state_id):
        return tuple(Confidentiality.values)
    return SHARED_WITH_MEMBERS if is_contact(viewer) else SHARED_WITH_PUBLIC


def _own(viewer: AnyUser, prefix: str = "") -> Q:
    assert isinstance(viewer, User)
    return Q(**{f"{prefix}member_state_id": viewer.member_state_id})


def submissions_visible_to(viewer: AnyUser) -> QuerySet[Submission]:
    if is_secretariat(viewer):
        return Submission.objects.all()
    accepted = Q(status=Submission.Status.ACCEPTED)
    if is_contact(viewer):
        return Submission.objects.filter(accepted | _own(viewer))
    return Submission.objects.filter(accepted)


def updates_visible_to(viewer: AnyUser) -> QuerySet[ProgressUpdate]:
    if is_secretariat(viewer):
        return ProgressUpdate.objects.all()
    accepted = Q(submission__status=Submission.Status.ACCEPTED)
    if is_contact(viewer):
        shared = accepted & Q(confidentiality__in=SHARED_WITH_MEMBERS)
        return ProgressUpdate.objects.filter(shared | _own(viewer, "submission__"))
    return ProgressUpdate.objects.filter(accepted & Q(confidentiality__in=SHARED_WITH_PUBLIC))


def _published_commitments() -> Q:
    accepted_in_cycle = Submission.objects.filter(
        member_state=OuterRef("member_state"), cycle=OuterRef("pledged_in"), status=Submission.Status.ACCEPTED
    )
    return Q(pledged_in__isnull=True) | Q(Exists(accepted_in_cycle))


def commitments_visible_to(viewer: AnyUser) -> QuerySet[Commitment]:
    """Pledges made before the tracker, and pledges of a cycle whose submission was accepted; plus
    a contact's own country's and, for the secretariat, all."""
    if is_secretariat(viewer):
        return Commitment.objects.all()
    if is_contact(viewer):
        return Commitment.objects.filter(_published_commitments() | _own(viewer))
    return Commitment.objects.filter(_published_commitments())


def evidence_visible_to(viewer: AnyUser) -> QuerySet[Evidence]:
    """A file is seen by whoever sees the update it is attached to."""
    return Evidence.objects.filter(update__in=updates_visible_to(viewer))


def get_submission_for_user(user: AnyUser, pk: int) -> Submission:
    submission = (
        submissions_visible_to(user).select_related("member_state", "cycle", "accepted_by").filter(pk=pk).first()
    )
    if submission is None:
        raise Http404("No such submission.")
    return submission


def get_evidence_for_user(user: AnyUser, pk: int) -> Evidence:
    evidence = evidence_visible_to(user).select_related("update__submission").filter(pk=pk).first()
    if evidence is None:
        raise Http404("No such file.")
    return evidence


# --- Scopes, for the caches: who sees what, grouped -------------------------------------------------
# Viewers fall into scopes that see the same things: the public (and reading API keys), the contacts
# of one member, the secretariat. A row written falls into the narrowest scope that sees it: the
# public (everyone) or the insiders of one member (its contacts and the secretariat). Both come from
# the policy above; `written_scope` reads it the other way round, and a row it does not know is
# public: a write wrongly taken for public costs cache hits, one wrongly taken for private would be
# served stale.


@dataclass(frozen=True)
class Scope:
    """Everyone's data (neither field), plus one member's insider data, or plus everything."""

    member_state_id: int | None = None
    secretariat: bool = False

    def __str__(self) -> str:
        if self.secretariat:
            return "secretariat"
        return "public" if self.member_state_id is None else f"contact-{self.member_state_id}"


PUBLIC = Scope()
SECRETARIAT = Scope(secretariat=True)


def viewer_scope(viewer: AnyUser) -> Scope:
    """What a viewer may see: two viewers with the same scope get the same answers."""
    if is_secretariat(viewer):
        return SECRETARIAT
    if is_contact(viewer):
        assert isinstance(viewer, User)
        return Scope(member_state_id=viewer.member_state_id)
    return PUBLIC


# What the public sees of a submission before it is accepted (the member status' current cycle): that
# it exists, its status and what makes it late. Each edit of its content also writes these fields,
# which no one outside sees: such a save changes the insiders' answers only.
SUBMISSION_INSIDER_FIELDS = frozenset({"version", "updated_at"})


def _submission_scope(submission: Submission, update_fields: Iterable[str] | None) -> Scope:
    if submission.status == Submission.Status.ACCEPTED or update_fields is None:
        return PUBLIC
    if not set(update_fields) <= SUBMISSION_INSIDER_FIELDS:
        return PUBLIC
    return Scope(member_state_id=submission.member_state_id)


def _submission_of(row: Model) -> Submission | None:
    """The submission whose content `row` is (its update's, for what hangs on an update)."""
    if isinstance(row, Milestone | Evidence | ReviewComment):
        row = row.update
    if isinstance(row, ProgressUpdate | SubmissionSnapshot):
        return row.submission
    return None


def written_scope(row: Model, update_fields: Iterable[str] | None = None) -> Scope:
    """The narrowest scope that sees `row` as written (saved, or deleted): PUBLIC, or the insiders
    of one member. `update_fields` is the save's, None for a whole row (or a deletion).

    Content of a submission (its updates, their milestones, files and comments, its snapshots) is
    published when the submission is accepted: until then only the member's insiders see it, and the
    acceptance is itself a public write. History is the insiders' (the secretariat's when it names no
    member: taken for public, as every write it goes with is). Commitments are public: a pledge made
    in a draft is not, but pledges are few, and whether one is published depends on another row."""
    try:
        if isinstance(row, Submission):
            return _submission_scope(row, update_fields)
        submission = _submission_of(row)
    except ObjectDoesNotExist:  # deleted with its parent: whatever it was, everyone is told
        return PUBLIC
    if submission is not None:
        if submission.status == Submission.Status.ACCEPTED:
            return PUBLIC
        return Scope(member_state_id=submission.member_state_id)
    if isinstance(row, HistoryEntry | ReminderSent) and row.member_state_id is not None:
        return Scope(member_state_id=row.member_state_id)
    return PUBLIC
