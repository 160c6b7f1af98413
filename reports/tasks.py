"""Report jobs: take an id, call the service. Retried a bounded number of times, then marked failed."""

from typing import Any

from celery import shared_task

from .models import CompiledReport
from .services import report_compile, report_fail

MAX_ATTEMPTS = 3


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_ATTEMPTS - 1)
def compile_report(self: Any, report_id: int) -> str:
    report = CompiledReport.objects.select_related("cycle").filter(pk=report_id).first()
    if report is None:
        return "missing"
    try:
        return report_compile(report=report).status
    except Exception as error:
        if self.request.retries >= self.max_retries:
            report_fail(report_id=report_id, reason=f"{type(error).__name__}: {error}")
            raise
        raise self.retry(exc=error, countdown=5 * (self.request.retries + 1)) from error
