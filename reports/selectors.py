"""Reads for the report pages and schedules."""

from datetime import date

from django.db.models import QuerySet

from commitments.models import ReportingCycle

from .models import CompiledReport


def cycles_open_on(day: date) -> list[ReportingCycle]:
    return list(ReportingCycle.objects.filter(opens_on__lte=day, due_on__gte=day).order_by("due_on"))


def cycles_closed_without_final_report(day: date) -> list[ReportingCycle]:
    """Cycles past their due date lacking a final report in one of the editions."""
    finals = set(
        CompiledReport.objects.filter(is_final=True, status=CompiledReport.Status.DONE)
        .values_list("cycle_id", "edition")
        .distinct()
    )
    editions = CompiledReport.Edition.values
    closed = ReportingCycle.objects.filter(due_on__lt=day).order_by("due_on")
    return [cycle for cycle in closed if any((cycle.pk, edition) not in finals for edition in editions)]


def published_reports() -> QuerySet[CompiledReport]:
    """The reports published and not withdrawn, one per cycle at most, latest cycle first."""
    return (
        CompiledReport.objects.filter(published_at__isnull=False, withdrawn_at__isnull=True)
        .select_related("cycle", "same_as")
        .order_by("-cycle__due_on", "-published_at")
    )


def latest_published_report() -> CompiledReport | None:
    return published_reports().first()
