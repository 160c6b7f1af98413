"""A report filled offline: the spreadsheet to download, its upload, the preview and its confirmation."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from .. import permissions, services
from ..models import SpreadsheetImport, Submission
from ..spreadsheet_fill import APPLY, CONFLICT, ERROR, cell_errors, fill_in_workbook
from .common import user_of

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FillInUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("The filled spreadsheet (.xlsx)"),
        help_text=gettext_lazy("The file downloaded from this page, filled in. Nothing is saved before you confirm."),
    )


def _editable_submission(request: HttpRequest, pk: int) -> Submission:
    user = user_of(request)
    submission = permissions.get_submission_for_user(user, pk)
    if not (permissions.is_insider(user, submission.member_state_id) and permissions.is_contact(user)):
        raise PermissionDenied(_("Only the member state's national contacts can do this."))
    return submission


@login_required
@require_GET
def fill_in_download(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _editable_submission(request, pk)
    content = fill_in_workbook(submission=submission, viewer=request.user)
    name = slugify(f"{submission.member_state.iso_code} {submission.cycle.name}") or "report"
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def fill_in_upload(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _editable_submission(request, pk)
    form = FillInUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            pending = services.spreadsheet_import_prepare(
                submission=submission, actor=user_of(request), upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            form.add_error("file", error.messages)
        except services.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            return redirect("commitments:fill_in_preview", pk=submission.pk, import_pk=pending.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "commitments/fill_in_upload.html", {"form": form, "submission": submission}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def fill_in_preview(request: HttpRequest, pk: int, import_pk: int) -> HttpResponse:
    submission = _editable_submission(request, pk)
    pending = get_object_or_404(SpreadsheetImport, pk=import_pk, submission=submission, created_by=request.user)
    if request.method == "POST":
        user = user_of(request)
        if request.POST.get("decision") not in ("apply", "discard"):
            return HttpResponseBadRequest(_("Choose to save the rows or to set the file aside (decision)."))
        try:
            if request.POST.get("decision") == "apply":
                count = services.spreadsheet_import_apply(spreadsheet_import=pending, actor=user)
                saved = ngettext(
                    "Saved %(count)s update from the spreadsheet, as a draft.",
                    "Saved %(count)s updates from the spreadsheet, as drafts.",
                    count,
                ) % {"count": count}
                messages.success(request, saved)
            else:
                services.spreadsheet_import_discard(spreadsheet_import=pending, actor=user)
                messages.info(request, _("The spreadsheet was set aside: nothing changed."))
        except services.WorkflowError as error:
            messages.error(request, str(error))
            return redirect("commitments:fill_in_upload", pk=submission.pk)
        return redirect("commitments:submission", pk=submission.pk)
    rows = [{**row, "cells": cell_errors(row["errors"])} for row in pending.rows]
    counts = {outcome: sum(1 for row in rows if row["outcome"] == outcome) for outcome in (APPLY, CONFLICT, ERROR)}
    context = {
        "submission": submission,
        "pending": pending,
        # The file's name as the person gave it: not text to translate.
        "file_name": format_html('<span translate="no">{}</span>', pending.file_name),
        "rows": rows,
        "counts": counts,
        "is_pending": pending.status == SpreadsheetImport.Status.PENDING,
    }
    return render(request, "commitments/fill_in_preview.html", context)
