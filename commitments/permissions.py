"""Who may see and do what with commitments and submissions: one policy per model, used by the
pages, the API and the reports alike.

National contacts act for their own member state only; secretariat staff see every member state.
Access helpers answer 404 for objects a person may not know about, so that foreign rows are not
even confirmed to exist.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import ApiKey, User

from .models import Commitment, Confidentiality, Evidence, ProgressUpdate, Submission

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
