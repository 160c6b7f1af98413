"""Who may compile and read reports: used by the pages and the API alike.

The secretariat compiles and reads every edition; everyone else, the published (public, done)
editions only. Reports a person may not read answer 404."""

from django.db.models import QuerySet

from commitments.permissions import AnyUser, is_secretariat

from .models import CompiledReport


def can_compile(user: AnyUser) -> bool:
    return is_secretariat(user)


def reports_for(user: AnyUser) -> QuerySet[CompiledReport]:
    reports = CompiledReport.objects.select_related("cycle", "same_as")
    if is_secretariat(user):
        return reports
    return reports.filter(edition=CompiledReport.Edition.PUBLIC, status=CompiledReport.Status.DONE)
