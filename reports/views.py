"""The report pages: the secretariat starts compiles and watches them; everyone signed in reads
the published (public) editions."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User

from .downloads import report_file_response
from .forms import CompileForm
from .models import CompiledReport, ReportFile
from .permissions import can_compile, reports_for
from .services import report_request

LISTED = 100


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def _list(request: HttpRequest, form: CompileForm | None, status: int = 200) -> HttpResponse:
    user = _user(request)
    reports = reports_for(user).order_by("-created_at", "-pk")[:LISTED]
    return render(
        request,
        "reports/list.html",
        {"reports": reports, "form": form, "can_compile": can_compile(user)},
        status=status,
    )


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    return _list(request, CompileForm() if can_compile(_user(request)) else None)


@login_required
@require_POST
def report_start(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_compile(user):
        raise PermissionDenied("Only the secretariat compiles reports.")
    form = CompileForm(request.POST)
    if not form.is_valid():
        return _list(request, form, status=400)
    report = report_request(cycle=form.cleaned_data["cycle"], edition=form.cleaned_data["edition"], actor=user)
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(reports_for(_user(request)), pk=pk)
    built = report.built
    files = list(built.files.all()) if built.status == CompiledReport.Status.DONE else []
    return render(request, "reports/detail.html", {"report": report, "built": built, "files": files})


@login_required
@require_GET
def report_file(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    """A format of a report: the HTML shown in the browser, the others downloaded."""
    report = get_object_or_404(reports_for(_user(request)), pk=pk)
    return report_file_response(report, fmt, inline=fmt == ReportFile.Format.HTML)
