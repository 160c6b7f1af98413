"""Report jobs: take ids, call the services. Retried a bounded number of times, then marked failed."""

from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from commitments.models import ReportingCycle

from .models import CompiledReport
from .selectors import cycles_closed_without_final_report, cycles_open_on
from .services import (
    MAX_ATTEMPTS,
    report_await_retry,
    report_compile,
    report_fail,
    report_recover_stalled,
    report_schedule,
)
from .summary import completeness_summary_send


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_ATTEMPTS - 1,
    time_limit=settings.REPORT_COMPILE_TIME_LIMIT,
)
def compile_report(self: Any, report_id: int) -> str:
    report = CompiledReport.objects.select_related("cycle").filter(pk=report_id).first()
    if report is None:
        return "missing"
    try:
        return report_compile(report=report, worker=self.request.hostname or "").status
    except Exception as error:
        # Attempts are counted on the report, not only by this message: a compile requeued after
        # its worker died comes back as a new message, its retries counted from zero again.
        attempts = CompiledReport.objects.values_list("attempts", flat=True).get(pk=report_id)
        if attempts >= MAX_ATTEMPTS or self.request.retries >= self.max_retries:
            report_fail(report_id=report_id, reason=f"{type(error).__name__}: {error}")
            raise
        countdown = 5 * (self.request.retries + 1)
        report_await_retry(report_id=report_id, seconds=countdown)
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(acks_late=True, reject_on_worker_lost=True)
def recover_stalled_compiles() -> int:
    """Every 15 s: requeue the compiles whose worker died, without waiting for the broker's
    visibility timeout (an hour) to bring their task back."""
    return report_recover_stalled()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def compile_cycle(cycle_id: int, edition: str) -> int:
    """Queue the compile of one cycle's edition from its current data (nothing if built already)."""
    cycle = ReportingCycle.objects.get(pk=cycle_id)
    return report_schedule(cycle=cycle, edition=edition).pk


def _fan_out(cycles: list[ReportingCycle]) -> int:
    for cycle in cycles:
        for edition in CompiledReport.Edition.values:
            compile_cycle.delay(cycle.pk, edition)
    return len(cycles)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def compile_open_cycles() -> int:
    """Nightly: a draft report of each open cycle, both editions, when its data changed."""
    return _fan_out(cycles_open_on(timezone.localdate()))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def compile_closed_cycles() -> int:
    """Daily: the final report of each cycle past its due date that has none yet."""
    return _fan_out(cycles_closed_without_final_report(timezone.localdate()))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_completeness_summary() -> int:
    """Weekly: who has reported, late or not at all, emailed to the secretariat."""
    return completeness_summary_send(today=timezone.localdate())
