"""Reliability of the report jobs with real processes: a worker killed mid-compile, two schedules
firing at once. Celery workers and beat run as separate processes on Redis and the test database."""

import hashlib
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from accounts.models import User
from commitments.demo import seed_demo
from commitments.models import ReportingCycle, Submission
from reports.models import CompiledReport, ReportFile
from reports.selectors import cycles_open_on
from reports.services import report_request
from reports.storage import ReportStorage

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
    workers = [celery_worker_factory(), celery_worker_factory()]
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
    assert succeeded("compile_report") == 2
    reports = list(CompiledReport.objects.filter(cycle=cycle).order_by("edition"))
    assert [(r.edition, r.status) for r in reports] == [("public", "done"), ("secretariat", "done")]
    assert ReportFile.objects.filter(report__cycle=cycle).count() == 10


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
