"""Pages of the secretariat: the review queue, completeness, and reviewing a submission."""

import re
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from alliance.formats import long_date

from .. import dataversion, permissions, selectors, services
from ..diffs import diff_snapshots
from ..filtersets import SubmissionFilter
from ..forms import (
    AcceptForm,
    DecisionForm,
    ExtensionForm,
    ReviewCommentForm,
)
from ..models import (
    ProgressUpdate,
    ReportingCycle,
    ReportingState,
    Submission,
    SubmissionSnapshot,
)
from .common import cards_of, user_of

# --- Secretariat ---------------------------------------------------------------------------------


def _require_reviewer(request: HttpRequest) -> User:
    user = user_of(request)
    if not permissions.can_review(user):
        raise PermissionDenied(_("Only secretariat reviewers can see this page."))
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
    counts = Counter(row.state for row in completeness)
    return {
        "completeness": completeness,
        # In the workflow's order, each state that occurs with its count.
        "summary": [(state.value, state.label, counts[state.value]) for state in ReportingState if counts[state.value]],
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

    cached = dataversion.cached(content, request.GET.urlencode(), build=build, scope=permissions.SECRETARIAT)
    return render(request, page, cached)


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
    groups, cards = cards_of(request, submission)
    current = selectors.snapshot_data(submission)
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
        ngettext(
            "Returned %(count)d update(s) to %(member)s with your comments.",
            "Returned %(count)d update(s) to %(member)s with your comments.",
            len(chosen),
        )
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
        % {"member": submission.member_state, "date": long_date(form.cleaned_data["due_on"])},
    )
    return redirect("commitments:review", pk=submission.pk)
