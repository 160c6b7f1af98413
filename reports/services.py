"""Requesting and compiling reports. `report_compile` is pure and safe to run again."""

import hashlib
from functools import partial

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from commitments import permissions
from commitments.models import ReportingCycle

from .charts import report_charts
from .data import data_version, render_csv, render_json, render_pdf, render_xlsx, report_data
from .models import CompiledReport, ReportFile


@transaction.atomic
def report_request(*, cycle: ReportingCycle, edition: str, actor: User) -> CompiledReport:
    """Queue a compile (secretariat only); it runs in the worker once this transaction commits."""
    if not permissions.is_secretariat(actor):
        raise PermissionDenied("Only the secretariat compiles reports.")
    report = CompiledReport.objects.create(cycle=cycle, edition=edition, requested_by=actor)
    from .tasks import compile_report

    transaction.on_commit(partial(compile_report.delay, report.pk))
    return report


def _set_progress(report: CompiledReport, percent: int) -> None:
    CompiledReport.objects.filter(pk=report.pk).update(progress=percent)


def report_compile(*, report: CompiledReport) -> CompiledReport:
    """Build every format from the data as it is now and store them with their SHA-256.

    Idempotent: a report already done is left as it is; a report interrupted half-way (its worker
    killed) is built again from the start, its earlier files replaced."""
    claimed = CompiledReport.objects.filter(
        pk=report.pk, status__in=[CompiledReport.Status.QUEUED, CompiledReport.Status.RUNNING]
    ).update(status=CompiledReport.Status.RUNNING, progress=5, error="")
    report.refresh_from_db()
    if not claimed:
        return report
    data = report_data(cycle=report.cycle, edition=report.edition, today=timezone.localdate())
    _set_progress(report, 40)
    html = render_to_string("reports/report.html", {"data": data, "charts": report_charts(data)})
    rendered = {
        ReportFile.Format.JSON: render_json(data),
        ReportFile.Format.CSV: render_csv(data),
        ReportFile.Format.HTML: html.encode(),
        ReportFile.Format.XLSX: render_xlsx(data),
    }
    _set_progress(report, 60)
    rendered[ReportFile.Format.PDF] = render_pdf(html)
    _set_progress(report, 80)
    with transaction.atomic():
        locked = CompiledReport.objects.select_for_update().get(pk=report.pk)
        for old in locked.files.all():
            old.file.delete(save=False)
            old.delete()
        for fmt, content in rendered.items():
            entry = ReportFile(report=locked, format=fmt, sha256=hashlib.sha256(content).hexdigest(), size=len(content))
            entry.file.save(f"report.{fmt}", ContentFile(content), save=False)
            entry.save()
        locked.status = CompiledReport.Status.DONE
        locked.progress = 100
        locked.data_version = data_version(data)
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "progress", "data_version", "finished_at"])
    return locked


def report_fail(*, report_id: int, reason: str) -> None:
    CompiledReport.objects.filter(pk=report_id).exclude(status=CompiledReport.Status.DONE).update(
        status=CompiledReport.Status.FAILED, error=reason[:2000], finished_at=timezone.now()
    )
