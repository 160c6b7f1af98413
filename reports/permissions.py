"""Who may compile, publish and read reports: used by the pages and the API alike.

The secretariat compiles, publishes and reads every edition, drafts included; everyone else
(national contacts, anonymous visitors, reading API keys) reads the published reports only: a
public edition the secretariat published and has not withdrawn. Reports a person may not read
answer 404."""

from django.db.models import QuerySet

from commitments.permissions import AnyUser, is_secretariat

from .models import CompiledReport
from .selectors import published_reports


def can_compile(user: AnyUser) -> bool:
    return is_secretariat(user)


def can_publish(user: AnyUser) -> bool:
    """Publishing a cycle's report (and withdrawing it) is the secretariat's decision."""
    return is_secretariat(user)


def reports_for(user: AnyUser) -> QuerySet[CompiledReport]:
    if is_secretariat(user):
        return CompiledReport.objects.select_related("cycle", "same_as")
    return published_reports()
