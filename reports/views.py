"""The report pages: the secretariat starts compiles, follows them, and publishes a cycle's public
edition (after a confirmation) or withdraws it; everyone, signed in or not, reads the published
reports. What each person sees is `permissions.reports_for`, as in the API."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from commitments.permissions import AnyUser
from commitments.selectors import history_of
from commitments.services import WorkflowError

from .downloads import report_file_response
from .forms import CompileForm, PublishForm, WithdrawForm
from .models import CompiledReport, ReportFile
from .permissions import can_compile, can_publish, reports_for
from .publication import members_in, publication_problem, reason_needed
from .selectors import published_reports
from .services import report_publish, report_request, report_withdraw

LISTED = 100


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def _viewer(request: HttpRequest) -> AnyUser:
    return request.user if isinstance(request.user, User) else AnonymousUser()


def _publisher(request: HttpRequest, pk: int) -> tuple[User, CompiledReport]:
    """The secretariat member acting on a report they may see; 404 for a report the person may not
    see, 403 for one they see (a published report) but may not publish or withdraw."""
    user = _user(request)
    report = get_object_or_404(reports_for(user), pk=pk)
    if not can_publish(user):
        raise PermissionDenied(_("Only the secretariat publishes and withdraws reports."))
    return user, report


def _error_links(form: forms.Form) -> list[tuple[str, str]]:
    """The error summary's entries: each message, linked to its field."""
    links = [("", str(message)) for message in form.non_field_errors()]
    for name in form.errors:
        if name != NON_FIELD_ERRORS:
            links += [(form[name].id_for_label, str(message)) for message in form.errors[name]]
    return links


def _refused(form: forms.Form, error: ValidationError | WorkflowError) -> None:
    """A service's refusal shown on the form: by field where it names one."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))


def _list(request: HttpRequest, form: CompileForm | None, status: int = 200) -> HttpResponse:
    viewer = _viewer(request)
    reports = reports_for(viewer).order_by("-created_at", "-pk")[:LISTED]
    return render(
        request,
        "reports/list.html",
        {"reports": reports, "form": form, "can_compile": can_compile(viewer)},
        status=status,
    )


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    return _list(request, CompileForm() if can_compile(_viewer(request)) else None)


@login_required
@require_POST
def report_start(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_compile(user):
        raise PermissionDenied(_("Only the secretariat compiles reports."))
    form = CompileForm(request.POST)
    if not form.is_valid():
        return _list(request, form, status=400)
    report = report_request(
        cycle=form.cleaned_data["cycle"],
        edition=form.cleaned_data["edition"],
        language=form.cleaned_data["language"],
        actor=user,
    )
    return redirect("reports:detail", pk=report.pk)


@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    report = get_object_or_404(reports_for(viewer).select_related("published_by", "withdrawn_by"), pk=pk)
    built = report.built
    files = list(built.files.all()) if built.status == CompiledReport.Status.DONE else []
    context = {"report": report, "built": built, "files": files, "is_secretariat": can_publish(viewer)}
    if can_publish(viewer):
        context |= {
            "can_be_published": publication_problem(report) is None,
            "history": list(history_of(report)),
        }
    return render(request, "reports/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_publish_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """What will become public, which report it replaces, and the confirmation that publishes it."""
    user, report = _publisher(request, pk)
    form = PublishForm(request.POST) if request.method == "POST" else PublishForm()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report_publish(report=report, actor=user, reason=form.cleaned_data["reason"], request=request)
            except (ValidationError, WorkflowError) as error:
                _refused(form, error)
            else:
                messages.success(request, _("The report is published: everyone can read it now."))
                return redirect("reports:detail", pk=report.pk)
        status = 400
    replaces = published_reports().filter(cycle_id=report.cycle_id).exclude(pk=report.pk).first()
    built = report.built
    return render(
        request,
        "reports/publish.html",
        {
            "report": report,
            "built": built,
            "files": list(built.files.all()) if built.status == CompiledReport.Status.DONE else [],
            "problem": publication_problem(report),
            "replaces": replaces,
            "reason_needed": reason_needed(report),
            "members": members_in(report),
            "form": form,
            "error_links": _error_links(form),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_withdraw_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a published report, with the reason why."""
    user, report = _publisher(request, pk)
    form = WithdrawForm(request.POST) if request.method == "POST" else WithdrawForm()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report_withdraw(report=report, actor=user, reason=form.cleaned_data["reason"])
            except (ValidationError, WorkflowError) as error:
                _refused(form, error)
            else:
                messages.success(request, _("The report is withdrawn: only the secretariat can see it now."))
                return redirect("reports:detail", pk=report.pk)
        status = 400
    return render(
        request,
        "reports/withdraw.html",
        {"report": report, "form": form, "error_links": _error_links(form)},
        status=status,
    )


@require_GET
def report_file(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    """A format of a report: the HTML shown in the browser, the others downloaded."""
    report = get_object_or_404(reports_for(_viewer(request)), pk=pk)
    return report_file_response(report, fmt, inline=fmt == ReportFile.Format.HTML)
