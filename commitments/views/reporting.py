"""Pages of national contacts: their cycles, the submission editor (autosaved), evidence, pledges."""

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from alliance.formats import long_date

from .. import dataversion, permissions, selectors, services
from ..forms import (
    EvidenceForm,
    MilestoneFormSet,
    PledgeForm,
    ProgressUpdateForm,
    milestones_from,
)
from ..models import (
    Commitment,
    ProgressUpdate,
    ReportingCycle,
    Submission,
)

# --- National contacts ---------------------------------------------------------------------------
from .common import cards_of, error_links, user_of, wants_json


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if permissions.is_secretariat(user):
        return redirect("commitments:review_queue")
    if not permissions.is_contact(user) or user.member_state is None:
        raise PermissionDenied(_("This account has no member state to report for."))
    today = timezone.localdate()
    member_state = user.member_state
    cycles = dataversion.cached(
        "contact-cycles",
        member_state.pk,
        build=lambda: selectors.contact_cycles(member_state=member_state, today=today),
        scope=permissions.viewer_scope(user),
    )
    return render(request, "commitments/home.html", {"cycles": cycles, "member_state": member_state, "today": today})


@login_required
@require_POST
def cycle_start(request: HttpRequest, cycle_id: int) -> HttpResponse:
    user = user_of(request)
    cycle = get_object_or_404(ReportingCycle, pk=cycle_id)
    if user.member_state is None:
        raise PermissionDenied(_("Only national contacts report for a member state."))
    try:
        submission = services.submission_start(member_state=user.member_state, cycle=cycle, actor=user)
    except services.WorkflowError as error:
        messages.error(request, str(error))
        return redirect("commitments:home")
    return redirect("commitments:submission", pk=submission.pk)


def _submission_page(
    request: HttpRequest,
    submission: Submission,
    *,
    bound: dict[int, dict[str, Any]] | None = None,
    missing: list[Commitment] | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = request.user
    groups, cards = cards_of(request, submission, bound)
    reported = sum(1 for c in cards if c.update is not None)
    insider = permissions.is_insider(viewer, submission.member_state_id)
    context = {
        "submission": submission,
        "groups": groups,
        "reported": reported,
        "total": len(cards),
        "insider": insider,
        "can_edit": permissions.can_edit_submission(viewer, submission),
        "can_review": permissions.can_review(viewer),
        "is_late": submission.is_late_on(timezone.localdate()),
        "missing": missing,
        # The workflow's record (who changed what, drafts' values) is for the member and the
        # secretariat; others read the accepted content they may see.
        "history": selectors.submission_history(submission) if insider else [],
        "error_links": error_links(cards),
        "user_id": viewer.pk,
    }
    return render(request, "commitments/submission.html", context, status=status)


@require_GET
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A submission: the editor for its contacts, read-only for the secretariat; other members and
    the public read the accepted content they may see (404 for anything else)."""
    submission = permissions.get_submission_for_user(request.user, pk)
    return _submission_page(request, submission)


def _conflict_json(current: ProgressUpdate, viewer: User) -> dict[str, Any]:
    at = f"{timezone.localtime(current.updated_at):%H:%M}"
    if current.updated_by_id == viewer.pk:
        # The same person, from another window or device: the editor recognises its own saves
        # by their id, so this one was not made from this browser.
        message = _(
            "You saved this update at %(at)s in another window or on another device, after this page "
            "loaded. This page's changes were not saved. That version is shown below: copy what you "
            "need, then reload."
        ) % {"at": at}
    else:
        who = (current.updated_by.full_name or current.updated_by.email) if current.updated_by else _("Someone")
        message = _(
            "%(who)s saved this update at %(at)s after you opened it. Your changes were not saved. "
            "Their version is shown below: copy what you need, then reload."
        ) % {"who": who, "at": at}
    values = {
        str(_("Status")): current.get_status_display(),
        str(_("Completion (%)")): current.completion_percent,
        str(_("Narrative")): current.narrative,
        str(_("Confidentiality")): current.get_confidentiality_display(),
    }
    # Translators: a milestone in the list of another saved version's values (1 April 2027: Law passed).
    milestones = [
        _("%(day)s: %(title)s") % {"day": long_date(m.due_on), "title": m.title} for m in current.milestones.all()
    ]
    if milestones:
        values[str(_("Milestones"))] = "; ".join(milestones)
    return {"message": message, "version": current.version, "save_id": current.save_id, "values": values}


SAVE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _save_id(request: HttpRequest) -> str:
    """The editor's id for this save (its Idempotency-Key header); empty for a plain form."""
    value = request.headers.get("Idempotency-Key", "")
    return value if SAVE_ID.fullmatch(value) else ""


def _form_errors(form: ProgressUpdateForm, milestones: Any) -> dict[str, list[str]]:
    """Errors keyed by the name of the input they belong to, as the page's fields are named."""
    errors = {
        (form.add_prefix(name) if name != "__all__" else form.prefix or ""): [str(e) for e in errs]
        for name, errs in form.errors.items()
    }
    for row in milestones.forms:
        for name, errs in row.errors.items():
            errors[row.add_prefix(name)] = [str(e) for e in errs]
    if milestones.non_form_errors():
        errors[milestones.prefix] = [str(e) for e in milestones.non_form_errors()]
    return errors


def _editable(
    request: HttpRequest, pk: int, commitment_id: int
) -> tuple[User, Submission, Commitment, ProgressUpdate | None, bool]:
    """The person, the submission, the commitment and its update (if any) a save or an upload is
    about, and whether the person may change that update now (404 for what they may not see)."""
    user = user_of(request)
    submission = permissions.get_submission_for_user(user, pk)
    commitment = get_object_or_404(Commitment, pk=commitment_id, member_state_id=submission.member_state_id)
    update = ProgressUpdate.objects.filter(submission=submission, commitment=commitment).first()
    return user, submission, commitment, update, permissions.can_edit_update(user, submission, update)


@login_required
@require_POST
def update_save(request: HttpRequest, pk: int, commitment_id: int) -> HttpResponse:
    user, submission, commitment, update, editable = _editable(request, pk, commitment_id)
    if not editable:
        refused = _("This update cannot be changed now.")
        if wants_json(request):
            return JsonResponse({"error": refused}, status=403)
        raise PermissionDenied(refused)
    prefix = f"c{commitment.pk}"
    form = ProgressUpdateForm(request.POST, instance=update, commitment=commitment, prefix=prefix)
    milestones = MilestoneFormSet(request.POST, prefix=f"{prefix}-ms")
    if not (form.is_valid() and milestones.is_valid()):
        if wants_json(request):
            return JsonResponse({"errors": _form_errors(form, milestones)}, status=400)
        return _submission_page(
            request, submission, bound={commitment.pk: {"form": form, "milestones": milestones}}, status=400
        )
    try:
        saved = services.progress_update_save(
            submission=submission,
            commitment=commitment,
            actor=user,
            values=form.update_values(),
            milestones=milestones_from(milestones),
            expected_version=form.cleaned_data["version"],
            save_id=_save_id(request),
        )
    except services.EditConflict as conflict:
        if wants_json(request):
            return JsonResponse({"conflict": _conflict_json(conflict.current, user)}, status=409)
        return _submission_page(
            request,
            submission,
            bound={commitment.pk: {"form": form, "milestones": milestones, "conflict": conflict.current}},
            status=409,
        )
    except services.WorkflowError as error:
        if wants_json(request):
            return JsonResponse({"error": str(error)}, status=409)
        messages.error(request, str(error))
        return redirect("commitments:submission", pk=submission.pk)
    if wants_json(request):
        return JsonResponse(
            {
                "saved": True,
                "version": saved.version,
                "save_id": saved.save_id,
                "saved_at": f"{timezone.localtime(saved.updated_at):%H:%M:%S}",
            }
        )
    messages.success(request, _("Saved your update on “%(title)s”.") % {"title": commitment.title})
    return redirect(reverse("commitments:submission", args=[submission.pk]) + f"#c{commitment.pk}")


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int, commitment_id: int) -> HttpResponse:
    user, submission, commitment, _update, editable = _editable(request, pk, commitment_id)
    if not editable:
        raise PermissionDenied(_("Files can only be attached while the update can be edited."))
    form = EvidenceForm(
        request.POST,
        request.FILES,
        prefix=f"e{commitment.pk}",
        unsafe_names=getattr(request, "unsafe_upload_names", []),
    )
    if not form.is_valid():
        return _submission_page(request, submission, bound={commitment.pk: {"evidence_form": form}}, status=400)
    assert form.detected is not None
    try:
        evidence = services.evidence_attach(
            submission=submission,
            commitment=commitment,
            actor=user,
            upload=form.cleaned_data["file"],
            detected=form.detected,
        )
    except services.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Attached “%(name)s”.") % {"name": evidence.original_name})
    return redirect(reverse("commitments:submission", args=[submission.pk]) + f"#c{commitment.pk}")


@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = permissions.get_evidence_for_user(request.user, pk)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    evidence = permissions.get_evidence_for_user(user, pk)
    submission = evidence.update.submission
    commitment_id = evidence.update.commitment_id
    try:
        services.evidence_remove(evidence=evidence, actor=user)
    except services.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Removed “%(name)s”.") % {"name": evidence.original_name})
    return redirect(reverse("commitments:submission", args=[submission.pk]) + f"#c{commitment_id}")


@login_required
@require_POST
def submission_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    submission = permissions.get_submission_for_user(user, pk)
    try:
        services.submission_submit(submission=submission, actor=user)
    except services.IncompleteSubmission as incomplete:
        return _submission_page(request, submission, missing=incomplete.missing, status=400)
    except services.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Submitted. The secretariat has been told; you will hear when it is reviewed.")
    return redirect("commitments:submission", pk=submission.pk)


@login_required
def pledge_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    submission = permissions.get_submission_for_user(user, pk)
    if not permissions.can_edit_submission(user, submission):
        raise PermissionDenied(_("New pledges are added by the member state's contacts while the report is open."))
    form = PledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            commitment = services.commitment_pledge(
                member_state=submission.member_state, cycle=submission.cycle, actor=user, values=form.pledge_values()
            )
        except ValidationError as error:
            form.add_error(None, error)
        except services.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Added the pledge “%(title)s”. Report its progress below.") % {"title": commitment.title}
            )
            return redirect(reverse("commitments:submission", args=[submission.pk]) + f"#c{commitment.pk}")
    status = 400 if request.method == "POST" else 200
    return render(request, "commitments/pledge.html", {"form": form, "submission": submission}, status=status)
