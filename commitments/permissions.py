"""Who may see and do what with commitments and submissions: used by pages and API alike.

National contacts act for their own member state only; secretariat staff see every member state.
Access helpers answer 404 for objects a person may not know about, so that foreign rows are not
even confirmed to exist.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import User

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


def submissions_visible_to(user: AnyUser) -> QuerySet[Submission]:
    if is_secretariat(user):
        return Submission.objects.all()
    if is_contact(user):
        assert isinstance(user, User)
        return Submission.objects.filter(member_state_id=user.member_state_id)
    return Submission.objects.none()


def commitments_visible_to(user: AnyUser) -> QuerySet[Commitment]:
    if is_secretariat(user):
        return Commitment.objects.all()
    if is_contact(user):
        assert isinstance(user, User)
        return Commitment.objects.filter(member_state_id=user.member_state_id)
    return Commitment.objects.none()


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


def get_submission_for_user(user: AnyUser, pk: int) -> Submission:
    submission = (
        submissions_visible_to(user).select_related("member_state", "cycle", "accepted_by").filter(pk=pk).first()
    )
    if submission is None:
        raise Http404("No such submission.")
    return submission


def get_evidence_for_user(user: AnyUser, pk: int) -> Evidence:
    evidence = (
        Evidence.objects.select_related("update__submission")
        .filter(pk=pk, update__submission__in=submissions_visible_to(user))
        .first()
    )
    if evidence is None:
        raise Http404("No such file.")
    return evidence


# --- What REST clients may see ---------------------------------------------------------------------
# Published data is what every client may read: accepted submissions and their public updates.
# Contacts also read their own country's drafts, and other members' content marked for members;
# the secretariat reads everything. A read-only API key reads published data only, whoever owns it.


def api_viewer(request: Any) -> AnyUser:
    auth = getattr(request, "auth", None)
    if getattr(auth, "read_only", False):
        return AnonymousUser()
    user = request.user
    return user if isinstance(user, User) else AnonymousUser()


def api_submissions_visible_to(viewer: AnyUser) -> QuerySet[Submission]:
    if is_secretariat(viewer):
        return Submission.objects.all()
    accepted = Q(status=Submission.Status.ACCEPTED)
    if is_contact(viewer):
        assert isinstance(viewer, User)
        return Submission.objects.filter(accepted | Q(member_state_id=viewer.member_state_id))
    return Submission.objects.filter(accepted)


def api_updates_visible_to(viewer: AnyUser) -> QuerySet[ProgressUpdate]:
    if is_secretariat(viewer):
        return ProgressUpdate.objects.all()
    accepted = Q(submission__status=Submission.Status.ACCEPTED)
    if is_contact(viewer):
        assert isinstance(viewer, User)
        members = accepted & Q(confidentiality__in=[Confidentiality.PUBLIC, Confidentiality.MEMBERS])
        return ProgressUpdate.objects.filter(members | Q(submission__member_state_id=viewer.member_state_id))
    return ProgressUpdate.objects.filter(accepted & Q(confidentiality=Confidentiality.PUBLIC))


def _published_commitments() -> Q:
    accepted_in_cycle = Submission.objects.filter(
        member_state=OuterRef("member_state"), cycle=OuterRef("pledged_in"), status=Submission.Status.ACCEPTED
    )
    return Q(pledged_in__isnull=True) | Q(Exists(accepted_in_cycle))


def api_commitments_visible_to(viewer: AnyUser) -> QuerySet[Commitment]:
    """Pledges made before the tracker, and pledges of a cycle whose submission was accepted; plus
    a contact's own country's and, for the secretariat, all."""
    if is_secretariat(viewer):
        return Commitment.objects.all()
    if is_contact(viewer):
        assert isinstance(viewer, User)
        return Commitment.objects.filter(_published_commitments() | Q(member_state_id=viewer.member_state_id))
    return Commitment.objects.filter(_published_commitments())
