"""Two workers on two host names share the queue: every compile requested runs once, on one of them,
and the work is spread over both (as a deployment scaled to two machines runs it)."""

import hashlib
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import User
from commitments.models import ReportingCycle
from reports.models import CompiledReport, ReportFile
from reports.services import report_request
from tests.factories import ReportingCycleFactory
from tests.worker import CeleryWorker

HOSTS = ("alpha@host-a", "beta@host-b")


def request_at_once(requests: list[tuple[ReportingCycle, str]], reviewer: User) -> list[CompiledReport]:
    """The secretariat asking for every compile at the same moment, each request on its own connection."""

    def ask(cycle: ReportingCycle, edition: str) -> CompiledReport:
        try:
            return report_request(cycle=cycle, edition=edition, actor=reviewer)
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(lambda request: ask(*request), requests))


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.django_db(transaction=True)
def test_twenty_compiles_requested_at_once_run_once_each_spread_over_two_workers_on_two_hosts(
    celery_worker_factory, reviewer: User
) -> None:
    cycles = ReportingCycleFactory.create_batch(10)
    workers: list[CeleryWorker] = [celery_worker_factory(hostname=host) for host in HOSTS]
    # Twenty compiles (ten cycles, both editions), each asked for twice at the same moment.
    wanted = [(cycle, edition) for cycle in cycles for edition in CompiledReport.Edition.values]
    answers = request_at_once(wanted * 2, reviewer)
    reports = {answer.pk for answer in answers}
    assert len(reports) == 20, "a repeated request is answered with the queued compile"
    started = time.monotonic()

    def all_finished() -> list[CompiledReport] | None:
        current = list(CompiledReport.objects.filter(pk__in=reports))
        return current if all(r.status in ("done", "failed") for r in current) else None

    # Generous: the machine may be running other tests at the same time.
    finished = workers[0].wait_for(all_finished, "the 20 compiles to finish", timeout=600)

    # Each compile ran once, to the end, on one of the two workers.
    assert CompiledReport.objects.filter(cycle__in=cycles).count() == 20
    for report in finished:
        assert (report.status, report.attempts, report.same_as_id) == ("done", 1, None), report.error
        assert report.compiled_by in HOSTS
    logs = "".join(worker.output() for worker in workers)
    for pk in reports:
        assert logs.count(f"compile_report[compile-report-{pk}] received") == 1, pk
        assert len(re.findall(rf"compile_report\[compile-report-{pk}\] succeeded", logs)) == 1, pk
    # Both shared the work, and each one's log shows the compiles the database says it ran.
    by_host = {host: {r.pk for r in finished if r.compiled_by == host} for host in HOSTS}
    print(f"20 compiles in {time.monotonic() - started:.1f} s: { {h: len(p) for h, p in by_host.items()} }")
    assert all(by_host.values()), f"one worker did everything: { {h: len(p) for h, p in by_host.items()} }"
    for worker in workers:
        assert worker.hostname is not None
        ran = {int(pk) for pk in re.findall(r"compile_report\[compile-report-(\d+)\] succeeded", worker.output())}
        # (Compiles queued by earlier tests of this run, their reports gone since, may be in the queue too.)
        assert ran & reports == by_host[worker.hostname]
    # Every format of every report once, whole.
    entries = list(ReportFile.objects.filter(report__in=reports))
    assert len(entries) == 20 * 5
    assert len({entry.file.name for entry in entries}) == 100
    for entry in entries:
        content = Path(entry.file.path).read_bytes()
        assert hashlib.sha256(content).hexdigest() == entry.sha256
