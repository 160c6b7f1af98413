"""Pages of the reporting workflow. Each view parses input, calls a service or selector, renders."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User

from . import dataversion, permissions, selectors, services
from .diffs import diff_snapshots
from .filtersets import SubmissionFilter
from .forms import (
    AcceptForm,
    DecisionForm,
    EvidenceForm,
    ExtensionForm,
    MilestoneFormSet,
    PledgeForm,
    ProgressUpdateForm,
    ReviewCommentForm,
    milestones_from,
)
from .models import (
    Commitment,
    Declaration,
    PolicyTarget,
    ProgressUpdate,
    ReportingCycle,
    Submission,
    SubmissionSnapshot,
)
from .selectors import member_states_on


def alliance_overview(request: HttpRequest) -> HttpResponse:
    """The public face of the reference data: members today, declarations, targets and goals."""
    today = timezone.localdate()
    states = member_states_on(day=today).order_by("name")
    return render(
        request,
        "commitments/overview.html",
        {
            "today": today,
            "member_states": states,
            "declarations": Declaration.objects.select_related("conference").prefetch_related("potential_actions"),
            "targets": PolicyTarget.objects.prefetch_related("goals"),
        },
    )


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


# --- National contacts ---------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if permissions.is_secretariat(user):
        return redirect("commitments:review_queue")
    if not permissions.is_contact(user) or user.member_state is None:
        raise PermissionDenied("This account has no member state to report for.")
    today = timezone.localdate()
    member_state = user.member_state
    rows = dataversion.cached(
        "contact-cycles",
        member_state.pk,
        build=lambda: selectors.contact_cycles(member_state=member_state, today=today),
    )
    return render(request, "commitments/home.html", {"rows": rows, "member_state": member_state, "today": today})


@login_required
@require_POST
def cycle_start(request: HttpRequest, cycle_id: int) -> HttpResponse:
    user = _user(request)
    cycle = get_object_or_404(ReportingCycle, pk=cycle_id)
    if user.member_state is None:
        raise PermissionDenied("Only national contacts report for a member state.")
    try:
        submission = services.submission_start(member_state=user.member_state, cycle=cycle, actor=user)
    except services.WorkflowError as error:
        messages.error(request, str(error))
        return redirect("commitments:home")
    return redirect("commitments:submission", pk=submission.pk)


@dataclass
class Card:
    """One commitment on the submission page, with its update and the forms to change it."""

    commitment: Commitment
    update: ProgressUpdate | None
    editable: bool
    form: ProgressUpdateForm | None = None
    milestones: Any = None
    evidence_form: EvidenceForm | None = None
    conflict: ProgressUpdate | None = None
    diff: Any = None
    diff_accepted: Any = None
    comment_form: ReviewCommentForm | None = None
    return_chosen: bool = False
    return_comment: str = ""


@dataclass
class TargetGroup:
    target: PolicyTarget
    cards: list[Card] = field(default_factory=list)


def _cards(
    request: HttpRequest,
    submission: Submission,
    bound: dict[int, dict[str, Any]] | None = None,
) -> tuple[list[TargetGroup], list[Card]]:
    user = _user(request)
    commitments, updates = selectors.submission_page_data(submission)
    groups: dict[int, TargetGroup] = {}
    cards = []
    for commitment in commitments:
        update = updates.get(commitment.pk)
        card = Card(commitment, update, permissions.can_edit_update(user, submission, update))
        if card.editable:
            prefix = f"c{commitment.pk}"
            extra = (bound or {}).get(commitment.pk, {})
            card.form = extra.get("form") or ProgressUpdateForm(instance=update, commitment=commitment, prefix=prefix)
            card.milestones = extra.get("milestones") or MilestoneFormSet(
                prefix=f"{prefix}-ms",
                initial=[{"due_on": m.due_on, "title": m.title, "done": m.done} for m in update.milestones.all()]
                if update
                else [],
            )
            card.evidence_form = extra.get("evidence_form") or EvidenceForm(prefix=f"e{commitment.pk}")
            card.conflict = extra.get("conflict")
        groups.setdefault(commitment.target.number, TargetGroup(commitment.target)).cards.append(card)
        cards.append(card)
    return [groups[n] for n in sorted(groups)], cards


def _error_links(cards: list[Card]) -> list[tuple[str, str]]:
    """The error summary of a page whose forms were refused: one link per error to its field."""
    links: list[tuple[str, str]] = []
    for card in cards:
        rows = list(card.milestones.forms) if card.milestones is not None and card.milestones.is_bound else []
        for form in [card.form, card.evidence_form, *rows]:
            if form is None or not form.is_bound:
                continue
            for name, errors in form.errors.items():
                field = form.fields.get(name)
                anchor = form[name].auto_id if field is not None else f"c{card.commitment.pk}"
                label = f"{field.label}: " if field is not None and field.label else ""
                links += [(anchor, f"{card.commitment.title} — {label}{error}") for error in errors]
        if rows:
            anchor = card.milestones.prefix
            links += [(anchor, f"{card.commitment.title} — {error}") for error in card.milestones.non_form_errors()]
    return links


def _submission_page(
    request: HttpRequest,
    submission: Submission,
    *,
    bound: dict[int, dict[str, Any]] | None = None,
    missing: list[Commitment] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    groups, cards = _cards(request, submission, bound)
    reported = sum(1 for c in cards if c.update is not None)
    context = {
        "submission": submission,
        "groups": groups,
        "reported": reported,
        "total": len(cards),
        "can_edit": permissions.can_edit_submission(user, submission),
        "can_review": permissions.can_review(user),
        "is_late": submission.is_late_on(timezone.localdate()),
        "missing": missing,
        "history": selectors.submission_history(submission),
        "error_links": _error_links(cards),
        "user_id": user.pk,
    }
    return render(request, "commitments/submission.html", context, status=status)


@login_required
@require_GET
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
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
    milestones = [f"{m.due_on:%d %B %Y}: {m.title}" for m in current.milestones.all()]
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


@login_required
@require_POST
def update_save(request: HttpRequest, pk: int, commitment_id: int) -> HttpResponse:
    user = _user(request)
    submission = permissions.get_submission_for_user(user, pk)
    commitment = get_object_or_404(Commitment, pk=commitment_id, member_state_id=submission.member_state_id)
    update = ProgressUpdate.objects.filter(submission=submission, commitment=commitment).first()
    if not permissions.can_edit_update(user, submission, update):
        if _wants_json(request):
            return JsonResponse({"error": "This update cannot be changed now."}, status=403)
        raise PermissionDenied("This update cannot be changed now.")
    prefix = f"c{commitment.pk}"
    form = ProgressUpdateForm(request.POST, instance=update, commitment=commitment, prefix=prefix)
    milestones = MilestoneFormSet(request.POST, prefix=f"{prefix}-ms")
    if not (form.is_valid() and milestones.is_valid()):
        if _wants_json(request):
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
        if _wants_json(request):
            return JsonResponse({"conflict": _conflict_json(conflict.current, user)}, status=409)
        return _submission_page(
            request,
            submission,
            bound={commitment.pk: {"form": form, "milestones": milestones, "conflict": conflict.current}},
            status=409,
        )
    except services.WorkflowError as error:
        if _wants_json(request):
            return JsonResponse({"error": str(error)}, status=409)
        messages.error(request, str(error))
        return redirect("commitments:submission", pk=submission.pk)
    if _wants_json(request):
        return JsonResponse(
            {
                "saved": True,
                "version": saved.version,
                "save_id": saved.save_id,
                "saved_at": f"{timezone.localtime(saved.updated_at):%H:%M:%S}",
            }
        )
    messages.success(request, f"Saved your update on “{commitment.title}”.")
    return redirect(reverse("commitments:submission", args=[submission.pk]) + f"#c{commitment.pk}")


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int, commitment_id: int) -> HttpResponse:
    user = _user(request)
    submission = permissions.get_submission_for_user(user, pk)
    commitment = get_object_or_404(Commitment, pk=commitment_id, member_state_id=submission.member_state_id)
    update = ProgressUpdate.objects.filter(submission=submission, commitment=commitment).first()
    if not permissions.can_edit_update(user, submission, update):
        raise PermissionDenied("Files can only be attached while the update can be edited.")
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
        messages.success(request, f"Attached “{evidence.original_name}”.")
    return redirect(reverse("commitments:submission", args=[submission.pk]) + f"#c{commitment.pk}")


@login_required
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
    user = _user(request)
    evidence = permissions.get_evidence_for_user(user, pk)
    submission = evidence.update.submission
    commitment_id = evidence.update.commitment_id
    try:
        services.evidence_remove(evidence=evidence, actor=user)
    except services.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Removed “{evidence.original_name}”.")
    return redirect(reverse("commitments:submission", args=[submission.pk]) + f"#c{commitment_id}")


@login_required
@require_POST
def submission_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
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
    user = _user(request)
    submission = permissions.get_submission_for_user(user, pk)
    if not permissions.can_edit_submission(user, submission):
        raise PermissionDenied("New pledges are added by the member state's contacts while the report is open.")
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
            messages.success(request, f"Added the pledge “{commitment.title}”. Report its progress below.")
            return redirect(reverse("commitments:submission", args=[submission.pk]) + f"#c{commitment.pk}")
    status = 400 if request.method == "POST" else 200
    return render(request, "commitments/pledge.html", {"form": form, "submission": submission}, status=status)


# --- Secretariat ---------------------------------------------------------------------------------


def _require_reviewer(request: HttpRequest) -> User:
    user = _user(request)
    if not permissions.can_review(user):
        raise PermissionDenied("Only secretariat reviewers can see this page.")
    return user


def _chosen_cycle(request: HttpRequest, today: date) -> tuple[list[ReportingCycle], ReportingCycle | None]:
    """Every cycle (for the chooser) and the one asked for in ?cycle=, else the current one."""
    cycles = list(ReportingCycle.objects.order_by("-due_on"))
    cycle = None
    if request.GET.get("cycle"):
        cycle = next((c for c in cycles if str(c.pk) == request.GET["cycle"]), None)
    return cycles, cycle or selectors.current_cycle(today=today)


def _completeness_context(cycle: ReportingCycle | None, today: date) -> dict[str, Any]:
    completeness = selectors.cycle_completeness(cycle=cycle, today=today) if cycle else []
    summary: dict[str, int] = {}
    for row in completeness:
        summary[row.state] = summary.get(row.state, 0) + 1
    return {
        "completeness": completeness,
        "summary": sorted(summary.items()),
        "late_count": sum(1 for row in completeness if row.is_late),
    }


def _shared_page(
    request: HttpRequest, page: str, content: str, context: Callable[[date], dict[str, Any]]
) -> HttpResponse:
    """A secretariat page whose content is the same for every reviewer (no token or name in it):
    built once per query string and kept until the data changes."""

    def build() -> dict[str, Any]:
        values = context(timezone.localdate())
        return {"cycle": values["cycle"], "content": render_to_string(content, values)}

    return render(request, page, dataversion.cached(content, request.GET.urlencode(), build=build))


@login_required
@require_GET
def completeness(request: HttpRequest) -> HttpResponse:
    """Where each member state's report stands in a cycle."""
    _require_reviewer(request)

    def context(today: date) -> dict[str, Any]:
        cycles, cycle = _chosen_cycle(request, today)
        return {"cycles": cycles, "cycle": cycle, **_completeness_context(cycle, today)}

    return _shared_page(request, "commitments/completeness.html", "commitments/completeness_content.html", context)


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)

    def context(today: date) -> dict[str, Any]:
        cycles, cycle = _chosen_cycle(request, today)
        submissions: QuerySet[Submission] = selectors.submissions_with_progress(
            Submission.objects.filter(cycle=cycle), today=today
        ).order_by("member_state__name")
        filters = SubmissionFilter(request.GET or None, queryset=submissions)
        return {
            "cycles": cycles,
            "cycle": cycle,
            "filter": filters,
            # Values that do not validate are left out of the filtering (and shown as errors).
            "submissions": filters.qs,
            **_completeness_context(cycle, today),
        }

    return _shared_page(request, "commitments/review_queue.html", "commitments/review_queue_content.html", context)


def _previous_accepted(submission: Submission) -> SubmissionSnapshot | None:
    return (
        SubmissionSnapshot.objects.filter(
            submission__member_state_id=submission.member_state_id,
            submission__cycle__due_on__lt=submission.cycle.due_on,
            event=SubmissionSnapshot.Event.ACCEPTED,
        )
        .select_related("submission__cycle")
        .order_by("-submission__cycle__due_on", "-round")
        .first()
    )


@login_required
@require_GET
def review_submission(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reviewer(request)
    submission = permissions.get_submission_for_user(request.user, pk)
    kept = request.session.pop(_kept_key(submission), None) or {}
    return _review_page(request, submission, kept=kept)


# The comment boxes of the review page: "What should change" (comment-<update>) and the plain
# comment of each update (r<update>-body).
KEPT_REVIEW_FIELD = re.compile(r"comment-\d+|r\d+-body")


def _kept_key(submission: Submission) -> str:
    return f"review-kept-{submission.pk}"


def _back_to_review(request: HttpRequest, submission: Submission, errors: list[str]) -> HttpResponse:
    """A refused decision goes back to the review page (its own address) with the errors and
    everything the reviewer typed or ticked, so that nothing has to be written twice."""
    request.session[_kept_key(submission)] = {
        "errors": errors,
        "returned": [v for v in request.POST.getlist("return") if v.isdigit()],
        "fields": {name: value[:5000] for name, value in request.POST.items() if KEPT_REVIEW_FIELD.fullmatch(name)},
        "due_on": request.POST.get("due_on", "")[:20],
        "confirm": bool(request.POST.get("confirm")),
    }
    return redirect(reverse("commitments:review", args=[submission.pk]) + "#review-errors", permanent=False)


def _review_page(
    request: HttpRequest, submission: Submission, *, kept: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    kept = kept or {}
    fields: dict[str, str] = kept.get("fields", {})
    groups, cards = _cards(request, submission)
    current = services.snapshot_data(submission)
    last_returned = (
        SubmissionSnapshot.objects.filter(
            submission=submission, event=SubmissionSnapshot.Event.SUBMITTED, round=submission.round - 1
        ).first()
        if submission.round > 1
        else None
    )
    previous_accepted = _previous_accepted(submission)
    since_returned = diff_snapshots(last_returned.data, current) if last_returned else {}
    since_accepted = diff_snapshots(previous_accepted.data if previous_accepted else None, current)
    returned = set(kept.get("returned", []))
    for card in cards:
        card.diff = since_returned.get(card.commitment.pk)
        card.diff_accepted = since_accepted.get(card.commitment.pk)
        if card.update is not None:
            prefix = f"r{card.update.pk}"
            body = fields.get(f"{prefix}-body")
            card.comment_form = ReviewCommentForm(prefix=prefix, initial={"body": body} if body else None)
            card.return_chosen = str(card.update.pk) in returned
            card.return_comment = fields.get(f"comment-{card.update.pk}", "")
    extension_form = ExtensionForm(initial={"due_on": kept["due_on"]} if kept.get("due_on") else None)
    return render(
        request,
        "commitments/review.html",
        {
            "submission": submission,
            "groups": groups,
            "last_returned": last_returned,
            "previous_accepted": previous_accepted,
            "is_late": submission.is_late_on(timezone.localdate()),
            "can_decide": submission.status == Submission.Status.SUBMITTED,
            "can_extend": permissions.can_grant_extension(request.user)
            and submission.status != Submission.Status.ACCEPTED,
            "extension_form": extension_form,
            "confirm_checked": kept.get("confirm", False),
            "history": selectors.submission_history(submission),
            "errors": kept.get("errors", []),
        },
        status=status,
    )


@login_required
@require_POST
def review_comment(request: HttpRequest, pk: int, update_id: int) -> HttpResponse:
    user = _require_reviewer(request)
    submission = permissions.get_submission_for_user(user, pk)
    update = get_object_or_404(ProgressUpdate, pk=update_id, submission=submission)
    form = ReviewCommentForm(request.POST, prefix=f"r{update.pk}")
    if not form.is_valid():
        return _back_to_review(request, submission, [_("Write a comment before sending it.")])
    services.review_comment_add(update=update, actor=user, body=form.cleaned_data["body"])
    messages.success(request, _("Comment added."))
    return redirect(reverse("commitments:review", args=[submission.pk]) + f"#c{update.commitment_id}")


def _decision(
    request: HttpRequest, pk: int, form_class: type[DecisionForm] = DecisionForm
) -> tuple[User, Submission, DecisionForm]:
    user = _require_reviewer(request)
    submission = permissions.get_submission_for_user(user, pk)
    return user, submission, form_class(request.POST)


@login_required
@require_POST
def review_return(request: HttpRequest, pk: int) -> HttpResponse:
    user, submission, form = _decision(request, pk)
    if not form.is_valid():
        return _back_to_review(request, submission, [_("The form was incomplete; reload the page.")])
    chosen = {int(v) for v in request.POST.getlist("return") if v.isdigit()}
    comments = {update_id: request.POST.get(f"comment-{update_id}", "") for update_id in chosen}
    try:
        services.submission_return(
            submission=submission, actor=user, seen_version=form.cleaned_data["version"], comments=comments
        )
    except ValidationError as error:
        return _back_to_review(request, submission, error.messages)
    except services.WorkflowError as error:
        return _back_to_review(request, submission, [str(error)])
    messages.success(
        request,
        _("Returned %(count)d update(s) to %(member)s with your comments.")
        % {"count": len(chosen), "member": submission.member_state},
    )
    return redirect("commitments:review", pk=submission.pk)


@login_required
@require_POST
def review_accept(request: HttpRequest, pk: int) -> HttpResponse:
    user, submission, form = _decision(request, pk, AcceptForm)
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return _back_to_review(request, submission, errors)
    try:
        services.submission_accept(submission=submission, actor=user, seen_version=form.cleaned_data["version"])
    except services.WorkflowError as error:
        return _back_to_review(request, submission, [str(error)])
    accepted = _("Accepted %(member)s's report. It is now locked.") % {"member": submission.member_state}
    messages.success(request, accepted)
    return redirect("commitments:review", pk=submission.pk)


@login_required
@require_POST
def review_extension(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_reviewer(request)
    submission = permissions.get_submission_for_user(user, pk)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        return _back_to_review(request, submission, [_("Give the new due date as a date.")])
    try:
        services.submission_grant_extension(submission=submission, actor=user, due_on=form.cleaned_data["due_on"])
    except ValidationError as error:
        return _back_to_review(request, submission, error.messages)
    except services.WorkflowError as error:
        return _back_to_review(request, submission, [str(error)])
    messages.success(
        request,
        _("%(member)s now has until %(date)s.")
        % {"member": submission.member_state, "date": date_format(form.cleaned_data["due_on"], "j F Y")},
    )
    return redirect("commitments:review", pk=submission.pk)
