"""Requesting and compiling reports.

One report per cycle, edition and data version: the data version is a digest of the report's
content, and a unique constraint on it settles every race (duplicate schedules, retries, a
secretariat asking twice). A compile holds a lock for its report while it builds, so two workers
never build the same one; the lock dies with its worker, and the task's unacknowledged message
brings the work back to a live one."""

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from commitments.models import ReportingCycle

from .charts import report_charts
from .data import data_version, render_csv, render_json, render_pdf, render_xlsx, report_data
from .models import CompiledReport, ReportFile
from .permissions import can_compile
from .storage import ReportStorage, report_storage

# Namespace of this app's PostgreSQL advisory locks (any constant distinct from other uses).
LOCK_NAMESPACE = 8_012_2012
IN_FLIGHT = (CompiledReport.Status.QUEUED, CompiledReport.Status.RUNNING)


@transaction.atomic
def report_request(*, cycle: ReportingCycle, edition: str, actor: User) -> CompiledReport:
    """Queue a compile (secretariat only); it runs in the worker once this transaction commits.

    A compile of the same cycle and edition already queued or running answers the request: it
    will be built from the data as it is when it runs, which is what this request asks for."""
    if not can_compile(actor):
        raise PermissionDenied("Only the secretariat compiles reports.")
    ReportingCycle.objects.select_for_update().filter(pk=cycle.pk).first()  # one request at a time per cycle
    pending = CompiledReport.objects.filter(cycle=cycle, edition=edition, status__in=IN_FLIGHT).first()
    if pending is not None:
        return pending
    report = CompiledReport.objects.create(cycle=cycle, edition=edition, requested_by=actor)
    _enqueue(report)
    return report


def _enqueue(report: CompiledReport) -> None:
    from .tasks import compile_report

    # A task id per report: a duplicate send of the same compile is recognisable in the broker.
    send = partial(compile_report.apply_async, args=(report.pk,), task_id=f"compile-report-{report.pk}")
    transaction.on_commit(send)


def report_schedule(*, cycle: ReportingCycle, edition: str, today: date | None = None) -> CompiledReport:
    """The scheduled compile: queue the report of the data as it is now, unless it exists already.

    Two schedules firing at once compute the same data version; the unique constraint lets one
    row through and the other finds it queued. A version whose compile failed is tried again."""
    today = today or timezone.localdate()
    data = report_data(cycle=cycle, edition=edition, today=today)
    with transaction.atomic():
        report, created = CompiledReport.objects.get_or_create(
            cycle=cycle, edition=edition, data_version=data_version(data), defaults={"is_final": data["cycle"]["final"]}
        )
        if not created and report.status == CompiledReport.Status.FAILED:
            created = bool(
                CompiledReport.objects.filter(pk=report.pk, status=CompiledReport.Status.FAILED).update(
                    status=CompiledReport.Status.QUEUED, progress=0, error="", finished_at=None
                )
            )
        if created:
            _enqueue(report)
    return report


@contextmanager
def _compile_lock(report_id: int) -> Iterator[bool]:
    """Hold the compile of one report; False when another worker holds it. On PostgreSQL a
    session advisory lock, released by the server when the worker's connection dies."""
    if connection.vendor != "postgresql":
        yield True  # SQLite (`make run` on its defaults): one worker, nothing to race
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, report_id])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, report_id])


def _set_progress(report: CompiledReport, percent: int) -> None:
    CompiledReport.objects.filter(pk=report.pk, status=CompiledReport.Status.RUNNING).update(progress=percent)


def report_compile(
    *, report: CompiledReport, data: dict[str, Any] | None = None, today: date | None = None
) -> CompiledReport:
    """Build every format from the data as it is now and store them with their SHA-256.

    Safe to run again: a report done is left as it is; one interrupted half-way (its worker killed)
    is built again from the start, its earlier files replaced; one whose data turns out to be that
    of a report already built is answered with that report."""
    with _compile_lock(report.pk) as acquired:
        report.refresh_from_db()
        if not acquired or report.status not in IN_FLIGHT:
            return report  # built, failed, or being built by a live worker
        CompiledReport.objects.filter(pk=report.pk).update(status=CompiledReport.Status.RUNNING, progress=5, error="")
        today = today or timezone.localdate()
        clock = _Stopwatch()
        if data is None:
            data = report_data(cycle=report.cycle, edition=report.edition, today=today)
        clock.lap("data")
        version = data_version(data)
        if report.data_version != version:
            existing = _claim_version(report, version, final=data["cycle"]["final"])
            if existing is not None:
                return existing
        _set_progress(report, 30)
        rendered = _render(report, data, clock)
        _store(report, rendered, clock)
    report.refresh_from_db()
    return report


def _claim_version(report: CompiledReport, version: str, *, final: bool) -> CompiledReport | None:
    """Make `version` this report's, or answer it with the report that has it already."""
    try:
        with transaction.atomic():
            CompiledReport.objects.filter(pk=report.pk).update(data_version=version, is_final=final)
        return None
    except IntegrityError:
        original = CompiledReport.objects.get(cycle=report.cycle, edition=report.edition, data_version=version)
        CompiledReport.objects.filter(pk=report.pk).update(
            status=CompiledReport.Status.DONE, progress=100, same_as=original, is_final=final,
            finished_at=timezone.now(),
        )  # fmt: skip
        report.refresh_from_db()
        return report


class _Stopwatch:
    """Seconds per step of a compile, kept with the report (the benchmark reads them)."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.laps[step] = round(now - self.last, 3)
        self.last = now

    def timings(self) -> dict[str, float]:
        return {**self.laps, "total": round(time.perf_counter() - self.started, 3)}


def _render(report: CompiledReport, data: dict[str, Any], clock: _Stopwatch) -> dict[str, bytes]:
    html = render_to_string("reports/report.html", {"data": data, "charts": report_charts(data)})
    clock.lap("html")
    rendered: dict[str, bytes] = {ReportFile.Format.HTML: html.encode()}
    rendered[ReportFile.Format.JSON] = render_json(data)
    clock.lap("json")
    rendered[ReportFile.Format.CSV] = render_csv(data)
    clock.lap("csv")
    _set_progress(report, 45)
    rendered[ReportFile.Format.XLSX] = render_xlsx(data)
    clock.lap("xlsx")
    _set_progress(report, 55)
    rendered[ReportFile.Format.PDF] = render_pdf(html)
    clock.lap("pdf")
    _set_progress(report, 90)
    return rendered


def _store(report: CompiledReport, rendered: dict[str, bytes], clock: _Stopwatch) -> None:
    """Files first, each written whole; then, in one transaction, their rows and the report done."""
    storage = report_storage()
    entries = []
    for fmt, content in rendered.items():
        entry = ReportFile(report=report, format=fmt, sha256=hashlib.sha256(content).hexdigest(), size=len(content))
        entry.file.save(f"report.{fmt}", ContentFile(content), save=False)
        entries.append(entry)
    if isinstance(storage, ReportStorage) and entries:
        storage.remove_partial_files(entries[0].file.name.rsplit("/", 1)[0])
    clock.lap("store")
    with transaction.atomic():
        ReportFile.objects.filter(report=report).delete()
        ReportFile.objects.bulk_create(entries)
        CompiledReport.objects.filter(pk=report.pk).update(
            status=CompiledReport.Status.DONE, progress=100, finished_at=timezone.now(), timings=clock.timings()
        )


def report_fail(*, report_id: int, reason: str) -> None:
    CompiledReport.objects.filter(pk=report_id).exclude(status=CompiledReport.Status.DONE).update(
        status=CompiledReport.Status.FAILED, error=reason[:2000], finished_at=timezone.now()
    )
