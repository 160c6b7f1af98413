"""Requesting and compiling reports.

One report per cycle, edition and data version: the data version is a digest of the report's
content, and a unique constraint on it settles every race (duplicate schedules, retries, a
secretariat asking twice). A compile holds a lock for its report while it builds, so two workers
never build the same one; the lock dies with its worker. A running compile also writes a heartbeat;
one whose heartbeat stopped and whose lock nobody holds lost its worker, and is requeued by the
recovery job (or by the next request for it) rather than left to the broker's visibility timeout."""

import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from commitments.models import ReportingCycle
from commitments.models.wording import OFFICIAL_LANGUAGE, speaking

from .data import data_version, render_csv, render_json, report_data
from .models import CompiledReport, ReportFile
from .permissions import can_compile
from .render import render_html, render_pdf, render_xlsx
from .storage import ReportStorage, report_storage

# Namespace of this app's PostgreSQL advisory locks (any constant distinct from other uses).
LOCK_NAMESPACE = 8_012_2012
IN_FLIGHT = (CompiledReport.Status.QUEUED, CompiledReport.Status.RUNNING)
# A report's compile is started at most this many times, whatever stopped the earlier ones (an
# error, or a worker that died): a report that kills its worker every time is not tried forever.
MAX_ATTEMPTS = 3

logger = logging.getLogger(__name__)


@transaction.atomic
def report_request(
    *, cycle: ReportingCycle, edition: str, actor: User, language: str = OFFICIAL_LANGUAGE
) -> CompiledReport:
    """Queue a compile (secretariat only); it runs in the worker once this transaction commits.

    A compile of the same cycle and edition already queued or running answers the request: it
    will be built from the data as it is when it runs, which is what this request asks for."""
    if not can_compile(actor):
        raise PermissionDenied(_("Only the secretariat compiles reports."))
    ReportingCycle.objects.select_for_update().filter(pk=cycle.pk).first()  # one request at a time per cycle
    pending = CompiledReport.objects.filter(
        cycle=cycle, edition=edition, language=language, status__in=IN_FLIGHT
    ).first()
    if pending is not None:
        # A compile whose worker died is requeued first, not shown as running for ever; one that
        # has used its attempts is failed by it, and this request starts a new one.
        report_recover(report=pending)
        if pending.status in IN_FLIGHT:
            return pending
    report = CompiledReport(cycle=cycle, edition=edition, language=language, requested_by=actor)
    report.full_clean(exclude=["cycle", "requested_by", "same_as"], validate_unique=False, validate_constraints=False)
    report.save()
    _enqueue(report)
    return report


def _enqueue(report: CompiledReport) -> None:
    from jobs import outbox

    from .tasks import compile_report

    # A task id per report: a duplicate send of the same compile is recognisable in the broker.
    # Through the outbox: kept in the database with the report, sent once that commits or, if the
    # broker is down then, when it is back.
    outbox.send(compile_report, report.pk, task_id=f"compile-report-{report.pk}")


def report_schedule(
    *, cycle: ReportingCycle, edition: str, today: date | None = None, language: str = OFFICIAL_LANGUAGE
) -> CompiledReport:
    """The scheduled compile: queue the report of the data as it is now, unless it exists already.

    Two schedules firing at once compute the same data version; the unique constraint lets one
    row through and the other finds it queued. A version whose compile failed is tried again."""
    today = today or timezone.localdate()
    data = report_data(cycle=cycle, edition=edition, today=today, language=language)
    with transaction.atomic():
        report, created = CompiledReport.objects.get_or_create(
            cycle=cycle,
            edition=edition,
            language=language,
            data_version=data_version(data),
            defaults={"is_final": data["cycle"]["final"]},
        )
        if not created and report.status == CompiledReport.Status.FAILED:
            created = bool(
                CompiledReport.objects.filter(pk=report.pk, status=CompiledReport.Status.FAILED).update(
                    status=CompiledReport.Status.QUEUED, progress=0, error="", finished_at=None, attempts=0
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
    CompiledReport.objects.filter(pk=report.pk, status=CompiledReport.Status.RUNNING).update(
        progress=percent, heartbeat_at=Now()
    )


def _beat(report_id: int) -> None:
    # The database's clock, here and in _stalled(): the workers' and the web's clocks may differ.
    CompiledReport.objects.filter(pk=report_id, status=CompiledReport.Status.RUNNING).update(heartbeat_at=Now())


class _Heartbeat:
    """Beats for a running compile every REPORT_HEARTBEAT_SECONDS from a thread of its own: some
    steps report no progress for a long time (WeasyPrint laying out a long report), and the thread
    still runs while they do. It dies with its worker, and that silence is what _stalled() finds."""

    def __init__(self, report_id: int) -> None:
        self.report_id = report_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"report-{report_id}-heartbeat", daemon=True)

    def __enter__(self) -> None:
        self.thread.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        self.thread.join()

    def _run(self) -> None:
        try:
            while not self.stopped.wait(settings.REPORT_HEARTBEAT_SECONDS):
                try:
                    _beat(self.report_id)
                except DatabaseError:
                    # A missed beat is no failure (it takes several to look stalled, and the lock
                    # still protects the compile); a new connection is tried at the next one.
                    logger.warning("Report %s: heartbeat not written", self.report_id, exc_info=True)
                    connection.close()
        finally:
            connection.close()  # this thread's own connection, which nothing else would close


def report_compile(
    *, report: CompiledReport, data: dict[str, Any] | None = None, today: date | None = None, worker: str = ""
) -> CompiledReport:
    """Build every format from the data as it is now and store them with their SHA-256.

    Safe to run again: a report done is left as it is; one interrupted half-way (its worker killed)
    is built again from the start, its earlier files replaced; one whose data turns out to be that
    of a report already built is answered with that report. `worker` names the Celery worker
    (name@host) that runs it, recorded on the report."""
    with _compile_lock(report.pk) as acquired:
        report.refresh_from_db()
        if not acquired or report.status not in IN_FLIGHT:
            return report  # built, failed, or being built by a live worker
        if report.attempts >= MAX_ATTEMPTS:
            # Delivered again after its last attempt's worker died (the broker's redelivery, or a
            # pool process killed for its memory): another try would only kill another worker.
            _give_up(report)
            report.refresh_from_db()
            return report
        CompiledReport.objects.filter(pk=report.pk).update(
            status=CompiledReport.Status.RUNNING,
            progress=5,
            error="",
            heartbeat_at=Now(),
            attempts=F("attempts") + 1,
            compiled_by=worker[:255],
        )
        with _Heartbeat(report.pk):
            today = today or timezone.localdate()
            clock = _Stopwatch()
            if data is None:
                data = report_data(cycle=report.cycle, edition=report.edition, today=today, language=report.language)
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


def _stalled() -> QuerySet[CompiledReport]:
    """Compiles marked running with no heartbeat for REPORT_HEARTBEAT_STALE_SECONDS: their worker
    died, or (rarely) is too busy to beat; only the lock tells these apart (see report_recover)."""
    since = Now() - timedelta(seconds=settings.REPORT_HEARTBEAT_STALE_SECONDS)
    return CompiledReport.objects.filter(status=CompiledReport.Status.RUNNING).filter(
        Q(heartbeat_at__lt=since) | Q(heartbeat_at__isnull=True)
    )


def report_recover(*, report: CompiledReport) -> bool:
    """Requeue the compile of `report` if its worker died; True if it had (the report refreshed).

    Dead means: running, no heartbeat for REPORT_HEARTBEAT_STALE_SECONDS, and its lock free. A
    live worker, however slow, holds the lock and is never robbed of its compile. A compile already
    started MAX_ATTEMPTS times is failed instead of requeued.

    Safe with the broker's own redelivery of the dead worker's task (after its visibility timeout):
    whichever message comes first builds the report under the lock; the other finds it built, or
    being built, and stops. The compile is sent once the lock is released and the requeue committed,
    or a worker quick to take it would find the lock held and drop it."""
    if not _stalled().filter(pk=report.pk).exists():
        return False  # the usual answer: nothing to take a lock for
    with transaction.atomic(), _compile_lock(report.pk) as acquired:
        stalled = _stalled().select_for_update().filter(pk=report.pk).first() if acquired else None
        if stalled is not None:
            _requeue_or_fail(stalled)
    report.refresh_from_db()
    return stalled is not None


def _give_up(report: CompiledReport) -> None:
    logger.error("Report %s: its worker stopped on its last attempt (%s); failed", report.pk, report.attempts)
    reason = _("The worker compiling this report stopped %(attempts)d times before it was finished.")
    report_fail(report_id=report.pk, reason=reason % {"attempts": report.attempts})


def _requeue_or_fail(report: CompiledReport) -> None:
    if report.attempts >= MAX_ATTEMPTS:
        _give_up(report)
        return
    logger.warning(
        "Report %s: its compile stalled at %s %% (no heartbeat since %s, no worker holding it); requeued",
        report.pk, report.progress, report.heartbeat_at,
    )  # fmt: skip
    CompiledReport.objects.filter(pk=report.pk).update(
        status=CompiledReport.Status.QUEUED, progress=0, heartbeat_at=Now(), requeued_at=Now()
    )
    _enqueue(report)


def report_recover_stalled() -> int:
    """The recovery job: requeue (or fail) every compile whose worker died; how many it found."""
    return sum(report_recover(report=report) for report in _stalled().order_by("pk"))


def report_await_retry(*, report_id: int, seconds: int) -> None:
    """A compile that failed waits `seconds` for its retry, its lock released: its heartbeat is
    moved to when the retry is due, so that the wait is not taken for a dead worker."""
    CompiledReport.objects.filter(pk=report_id, status=CompiledReport.Status.RUNNING).update(
        heartbeat_at=Now() + timedelta(seconds=seconds)
    )


def _claim_version(report: CompiledReport, version: str, *, final: bool) -> CompiledReport | None:
    """Make `version` this report's, or answer it with the report that has it already."""
    try:
        with transaction.atomic():
            CompiledReport.objects.filter(pk=report.pk).update(data_version=version, is_final=final)
        return None
    except IntegrityError:
        original = CompiledReport.objects.get(
            cycle=report.cycle, edition=report.edition, language=report.language, data_version=version
        )
        CompiledReport.objects.filter(pk=report.pk).update(
            status=CompiledReport.Status.DONE, progress=100, same_as=original, is_final=final,
            finished_at=timezone.now(),
        )  # fmt: skip
        report.refresh_from_db()
        return report


class _Stopwatch:
    """Seconds per step of a compile, kept with the report (to see where a compile's time goes)."""

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
    with speaking(report.language):
        return _render_formats(report, data, clock)


def _render_formats(report: CompiledReport, data: dict[str, Any], clock: _Stopwatch) -> dict[str, bytes]:
    html = render_html(data)
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


# Publishing and withdrawing a cycle's report: written in reports/publication.py with their rules,
# and imported here, where the report services are looked for (the import also registers the
# notification job with the workers, which import reports.tasks and so this module).
from .publication import report_publish as report_publish  # noqa: E402
from .publication import report_withdraw as report_withdraw  # noqa: E402
