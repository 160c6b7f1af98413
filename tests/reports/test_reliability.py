"""Reliability of the report jobs with real processes: a worker killed mid-compile (redelivered by the
broker, or requeued from its stopped heartbeat), two schedules firing at once. Celery workers and
beat run as separate processes on Redis and the test database."""

import hashlib
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connections
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from accounts.models import User
from commitments.demo import seed_demo
from commitments.models import ReportingCycle, Submission
from reports.models import CompiledReport, ReportFile
from reports.selectors import cycles_open_on
from reports.services import (
    LOCK_NAMESPACE,
    report_await_retry,
    report_compile,
    report_recover_stalled,
    report_request,
)
from reports.storage import ReportStorage
from tests.worker import CeleryWorker

# A stalled compile noticed in seconds rather than the production minute: a heartbeat every second,
# stale after five without one. The broker's visibility timeout is left at its default (an hour).
QUICK_HEARTBEAT = {"REPORT_HEARTBEAT_SECONDS": "1", "REPORT_HEARTBEAT_STALE_SECONDS": "5"}

# A redelivery soon after the kill: the broker hands an unacknowledged task to another worker once
# it is older than this (kept far above the longest task in production).
QUICK_REDELIVERY = {"CELERY_VISIBILITY_TIMEOUT": "3", "CELERY_RESTORE_INTERVAL": "1"}


def report_folder(report: CompiledReport) -> Path:
    return Path(settings.MEDIA_ROOT) / "reports" / str(report.cycle_id) / report.edition / str(report.pk)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_compile_leaves_one_complete_report(
    celery_worker_factory, reviewer: User
) -> None:
    # The demo data: every member state reporting, so that a compile takes long enough to be cut.
    seed_demo(password="demo-password-1", today=timezone.localdate())
    cycle = ReportingCycle.objects.filter(submissions__isnull=False).order_by("-due_on").first()
    assert cycle is not None
    first = celery_worker_factory(**QUICK_REDELIVERY)
    report = report_request(cycle=cycle, edition="secretariat", actor=reviewer)

    def building() -> CompiledReport | None:
        current = CompiledReport.objects.get(pk=report.pk)
        return current if current.status == "running" and 5 <= current.progress < 90 else None

    seen = first.wait_for(building, "the compile to be under way", timeout=60)
    first.kill()
    killed_at = CompiledReport.objects.get(pk=report.pk)
    assert killed_at.status == "running", f"killed too late to test anything: {killed_at.status}"
    assert not ReportFile.objects.filter(report=report).exists()
    assert seen.progress < 100

    second = celery_worker_factory(**QUICK_REDELIVERY)

    def finished() -> CompiledReport | None:
        current = CompiledReport.objects.get(pk=report.pk)
        return current if current.status in ("done", "failed") else None

    done = second.wait_for(finished, "the compile to be delivered again and finish", timeout=120)
    assert done.status == "done", done.error
    assert f"compile_report[compile-report-{report.pk}] received" in second.output()
    # Exactly one report for this cycle and edition, with every format, whole.
    assert CompiledReport.objects.filter(cycle=cycle, edition="secretariat").count() == 1
    files = {entry.format: entry for entry in done.files.all()}
    assert set(files) == {"html", "pdf", "xlsx", "json", "csv"}
    for entry in files.values():
        content = Path(entry.file.path).read_bytes()
        assert hashlib.sha256(content).hexdigest() == entry.sha256
        assert len(content) == entry.size
    # Nothing else in the report's folder: no half-written file of the killed attempt.
    assert sorted(p.name for p in report_folder(done).iterdir()) == sorted(f"report.{fmt}" for fmt in files)
    info = subprocess.run(["pdfinfo", files["pdf"].file.path], capture_output=True, text=True, check=True)
    assert "Pages:" in info.stdout


@pytest.mark.django_db(transaction=True)
def test_two_schedules_firing_at_once_produce_one_report(
    celery_worker_factory, celery_beat_factory, submitted: Submission
) -> None:
    cycle = submitted.cycle
    assert cycles_open_on(timezone.localdate()) == [cycle]
    # The schedules of the database stay quiet; two copies of the nightly compile fire together.
    PeriodicTask.objects.update(enabled=False)
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    for name in ("Nightly compile", "Nightly compile (copy)"):
        PeriodicTask.objects.create(
            name=name, task="reports.tasks.compile_open_cycles", interval=every_second, one_off=True
        )
    # Two workers as on two machines (each its own host name), sharing the queue.
    workers = [celery_worker_factory(hostname="alpha@host-a"), celery_worker_factory(hostname="beta@host-b")]
    beat = celery_beat_factory()

    def both_sent() -> bool:
        return bool(beat.output().count("Sending due task Nightly compile") == 2)

    beat.wait_for(both_sent, "beat to send both schedules", timeout=60)

    def compiled() -> list[CompiledReport] | None:
        reports = list(CompiledReport.objects.filter(cycle=cycle))
        done = [r for r in reports if r.status == "done"]
        return reports if len(done) == 2 else None

    workers[0].wait_for(compiled, "both editions to be compiled", timeout=120)

    def succeeded(task: str) -> int:
        return sum(len(re.findall(rf"{task}\[[^\]]+\] succeeded", w.output())) for w in workers)

    # Both schedules ran, each asking for both editions; only one compile per edition was queued.
    workers[0].wait_for(lambda: succeeded("compile_cycle") == 4, "every scheduled task to run", timeout=60)
    assert succeeded("compile_open_cycles") == 2
    reports = list(CompiledReport.objects.filter(cycle=cycle).order_by("edition"))
    # Counted by task id: compiles queued by earlier tests of this run may be in the queue too.
    logs = "".join(w.output() for w in workers)
    assert [logs.count(f"compile_report[compile-report-{r.pk}] succeeded") for r in reports] == [1, 1]
    assert [(r.edition, r.status) for r in reports] == [("public", "done"), ("secretariat", "done")]
    assert ReportFile.objects.filter(report__cycle=cycle).count() == 10
    assert all(r.attempts == 1 and r.compiled_by in ("alpha@host-a", "beta@host-b") for r in reports)


class BrokenContent(ContentFile[bytes]):
    """Content whose second chunk never comes: the write stops half-way, as in a killed worker."""

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        yield b"%PDF-1.7 first half"
        raise OSError("the writer died")


def test_a_report_file_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    storage = ReportStorage(location=tmp_path)
    name = storage.save("reports/1/public/9/report.pdf", ContentFile(b"%PDF-1.7 complete"))
    with pytest.raises(OSError, match="the writer died"):
        storage.save(name, BrokenContent(b""))
    # The earlier complete file is still there, untouched, and nothing half-written sits beside it.
    folder = tmp_path / "reports/1/public/9"
    assert [p.name for p in folder.iterdir()] == ["report.pdf"]
    assert (folder / "report.pdf").read_bytes() == b"%PDF-1.7 complete"
    # A rewrite replaces the file under the same name (no suffixes), and leftovers of a killed
    # attempt (a process killed cannot clean up after itself) are removed.
    (folder / ".report.xlsx.k1ll3d.partial").write_bytes(b"PK half")
    assert storage.save(name, ContentFile(b"%PDF-1.7 again")) == name
    storage.remove_partial_files("reports/1/public/9")
    assert [p.name for p in folder.iterdir()] == ["report.pdf"]
    assert (folder / "report.pdf").read_bytes() == b"%PDF-1.7 again"


@pytest.mark.django_db(transaction=True)
def test_a_compile_that_keeps_failing_stops_after_three_attempts_and_says_why(
    celery_worker_factory, reviewer: User, cycle: ReportingCycle, tmp_path: Path
) -> None:
    # The worker's media folder is a plain file: every attempt to store the report fails.
    not_a_folder = tmp_path / "media"
    not_a_folder.write_text("")
    worker = celery_worker_factory(MEDIA_ROOT=str(not_a_folder))
    report = report_request(cycle=cycle, edition="public", actor=reviewer)

    def finished() -> CompiledReport | None:
        current = CompiledReport.objects.get(pk=report.pk)
        return current if current.status in ("done", "failed") else None

    failed = worker.wait_for(finished, "the compile to give up", timeout=90)
    assert failed.status == "failed"
    assert failed.error.startswith(("NotADirectoryError", "FileExistsError")), failed.error
    assert not failed.files.exists()
    attempts = worker.output().count(f"compile_report[compile-report-{report.pk}] received")
    assert attempts == 3
    assert worker.output().count("retry: Retry in") == 2


def wait_for_progress(worker: CeleryWorker, report: CompiledReport, at_least: int) -> CompiledReport:
    """The report once a worker is building it, past `at_least` percent and not yet storing it."""

    def building() -> CompiledReport | None:
        current = CompiledReport.objects.get(pk=report.pk)
        return current if current.status == "running" and at_least <= current.progress < 90 else None

    seen: CompiledReport = worker.wait_for(building, f"the compile to pass {at_least} %", timeout=60)
    return seen


@pytest.mark.django_db(transaction=True)
def test_a_compile_whose_worker_was_killed_is_requeued_within_a_minute_and_completes(
    celery_worker_factory, celery_beat_factory, reviewer: User, settings
) -> None:
    settings.REPORT_HEARTBEAT_STALE_SECONDS = 5  # this process answers requests by the same rule
    seed_demo(password="demo-password-1", today=timezone.localdate())
    cycle = ReportingCycle.objects.filter(submissions__isnull=False).order_by("-due_on").first()
    assert cycle is not None
    # Of the database schedule, only the recovery of stalled compiles, every second.
    PeriodicTask.objects.update(enabled=False)
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(
        task="reports.tasks.recover_stalled_compiles",
        defaults={"name": "Recover stalled compiles", "interval": every_second, "expire_seconds": 1, "enabled": True},
    )

    # A first worker is killed in the middle of the compile (no visibility timeout shortened).
    first = celery_worker_factory(**QUICK_HEARTBEAT)
    report = report_request(cycle=cycle, edition="secretariat", actor=reviewer)
    wait_for_progress(first, report, 30)
    first.kill()
    killed = time.monotonic()
    dead = CompiledReport.objects.get(pk=report.pk)
    assert dead.status == "running", f"killed too late to test anything: {dead.status}"
    second = celery_worker_factory(**QUICK_HEARTBEAT)

    # A request during the stall, once its heartbeat is stale, is not answered with the dead compile.
    time.sleep(max(0.0, killed + 6.5 - time.monotonic()))
    stuck = CompiledReport.objects.get(pk=report.pk)
    assert (stuck.status, stuck.progress) == ("running", dead.progress), "nothing should move without a worker"
    again = report_request(cycle=cycle, edition="secretariat", actor=reviewer)
    assert (again.status, again.progress) != ("running", dead.progress), "answered with the dead compile"
    assert again.pk == report.pk
    assert again.status == "queued"
    assert again.requeued_at is not None

    # The second worker takes it up, and is killed too, in the PDF step; beat's recovery notices it
    # without any request.
    wait_for_progress(second, report, 55)
    second.kill()
    killed_wall = timezone.now()
    killed = time.monotonic()
    stalled = CompiledReport.objects.get(pk=report.pk)
    assert stalled.status == "running"
    third = celery_worker_factory(**QUICK_HEARTBEAT)
    celery_beat_factory()

    def requeued() -> datetime | None:
        current = CompiledReport.objects.get(pk=report.pk)
        return current.requeued_at if current.requeued_at and current.requeued_at > killed_wall else None

    noticed_at = third.wait_for(requeued, "the stalled compile to be requeued", timeout=60)
    detection = (noticed_at - killed_wall).total_seconds()
    assert detection < 60
    print(f"stall noticed and requeued {detection:.1f} s after the kill")

    def finished() -> CompiledReport | None:
        current = CompiledReport.objects.get(pk=report.pk)
        return current if current.status in ("done", "failed") else None

    done = third.wait_for(finished, "the requeued compile to finish", timeout=120)
    print(f"done {time.monotonic() - killed:.1f} s after the kill")
    assert done.status == "done", done.error
    assert done.attempts == 3  # the two killed compiles and the one that finished
    assert f"compile_report[compile-report-{report.pk}] received" in third.output()
    assert f"Report {report.pk}: its compile stalled at {stalled.progress} %" in third.output()  # by the job
    assert CompiledReport.objects.filter(cycle=cycle, edition="secretariat").count() == 1
    files = {entry.format: entry for entry in done.files.all()}
    assert set(files) == {"html", "pdf", "xlsx", "json", "csv"}
    for entry in files.values():
        content = Path(entry.file.path).read_bytes()
        assert hashlib.sha256(content).hexdigest() == entry.sha256
        assert len(content) == entry.size
    assert sorted(p.name for p in report_folder(done).iterdir()) == sorted(f"report.{fmt}" for fmt in files)


# --- Which compiles are requeued: no worker process needed ------------------------------------


def running(cycle: ReportingCycle, *, beat_ago: float, attempts: int = 1) -> CompiledReport:
    """A compile marked running at 55 %, its last heartbeat `beat_ago` seconds ago."""
    return CompiledReport.objects.create(
        cycle=cycle,
        edition="secretariat",
        status="running",
        progress=55,
        attempts=attempts,
        heartbeat_at=timezone.now() - timedelta(seconds=beat_ago),
    )


def test_a_compile_with_a_fresh_heartbeat_is_never_requeued(
    reviewer: User, cycle: ReportingCycle, django_capture_on_commit_callbacks
) -> None:
    report = running(cycle, beat_ago=settings.REPORT_HEARTBEAT_STALE_SECONDS - 5)
    with django_capture_on_commit_callbacks() as sent:
        assert report_recover_stalled() == 0
        assert report_request(cycle=cycle, edition="secretariat", actor=reviewer) == report
    assert sent == []
    report.refresh_from_db()
    assert (report.status, report.progress, report.requeued_at) == ("running", 55, None)


def test_a_compile_whose_lock_is_held_is_never_requeued_however_old_its_heartbeat(
    reviewer: User, cycle: ReportingCycle, django_capture_on_commit_callbacks, caplog
) -> None:
    report = running(cycle, beat_ago=3600)
    # A live worker too busy to beat: its database session holds the report's lock.
    worker = connections.create_connection("default")
    try:
        with worker.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, report.pk])
        with django_capture_on_commit_callbacks() as sent:
            assert report_recover_stalled() == 0
            assert report_request(cycle=cycle, edition="secretariat", actor=reviewer).status == "running"
        assert sent == []
        report.refresh_from_db()
        assert (report.status, report.progress, report.requeued_at) == ("running", 55, None)
    finally:
        worker.close()  # the worker dies: its lock goes with its session

    with django_capture_on_commit_callbacks() as sent:
        assert report_recover_stalled() == 1
        assert report_recover_stalled() == 0  # requeued once, however many runs find it
    assert len(sent) == 1
    report.refresh_from_db()
    assert (report.status, report.progress, report.attempts) == ("queued", 0, 1)
    assert report.requeued_at is not None
    assert f"Report {report.pk}: its compile stalled at 55 %" in caplog.text


def test_a_compile_waiting_for_its_retry_is_not_taken_for_a_dead_one(cycle: ReportingCycle) -> None:
    report = running(cycle, beat_ago=3600)
    report_await_retry(report_id=report.pk, seconds=10)
    assert report_recover_stalled() == 0
    report.refresh_from_db()
    assert report.status == "running"


def test_a_compile_whose_worker_died_on_its_last_attempt_fails_and_a_new_request_starts_again(
    reviewer: User, cycle: ReportingCycle, django_capture_on_commit_callbacks
) -> None:
    report = running(cycle, beat_ago=3600, attempts=3)
    with django_capture_on_commit_callbacks() as sent:
        fresh = report_request(cycle=cycle, edition="secretariat", actor=reviewer)
    report.refresh_from_db()
    assert report.status == "failed"
    assert report.error == "The worker compiling this report stopped 3 times before it was finished."
    assert fresh.pk != report.pk
    assert (fresh.status, fresh.attempts) == ("queued", 0)
    assert len(sent) == 1  # the new report's compile only


def test_a_compile_delivered_again_after_its_last_attempt_is_not_started(cycle: ReportingCycle) -> None:
    # The broker's redelivery of a task whose worker died on the third attempt (or a pool process
    # killed for its memory, whose task the pool hands back at once): a fourth would die the same way.
    report = running(cycle, beat_ago=0, attempts=3)
    done = report_compile(report=report)
    assert (done.status, done.attempts) == ("failed", 3)
    assert done.error == "The worker compiling this report stopped 3 times before it was finished."
    assert not done.files.exists()


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_beats_while_a_long_step_reports_no_progress(
    reviewer: User, cycle: ReportingCycle, settings
) -> None:
    settings.REPORT_HEARTBEAT_SECONDS = 0.1
    report = report_request(cycle=cycle, edition="public", actor=reviewer)
    seen: set[datetime] = set()

    def slow_pdf(html: str) -> bytes:
        # WeasyPrint laying out a long report: no progress for a while, the heartbeat goes on.
        deadline = time.monotonic() + 1
        while time.monotonic() < deadline:
            current = CompiledReport.objects.get(pk=report.pk)
            assert current.progress == 55
            assert current.heartbeat_at is not None
            seen.add(current.heartbeat_at)
            time.sleep(0.05)
        return b"%PDF-1.7 slow"

    with mock.patch("reports.services.render_pdf", slow_pdf):
        done = report_compile(report=report)
    assert done.status == "done"
    assert done.attempts == 1
    assert len(seen) >= 5, seen
