"""Who may see and do what with commitments and submissions: used by pages and API alike.

National contacts act for their own member state only; secretariat staff see every member state.
Access helpers answer 404 for objects a person may not know about, so that foreign rows are not
even confirmed to exist.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User

from .models import Commitment, Evidence, ProgressUpdate, Submission

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
