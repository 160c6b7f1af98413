"""Filters shared by the pages and the API."""

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, QuerySet

from .models import MemberState, PolicyTarget, ProgressUpdate, Submission


class SubmissionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Submission.Status.choices, empty_label="Any status")
    member_state = django_filters.ModelChoiceFilter(
        queryset=MemberState.objects.order_by("name"), empty_label="Any member state", label="Member state"
    )
    target = django_filters.ModelChoiceFilter(
        queryset=PolicyTarget.objects.order_by("number"),
        method="filter_target",
        empty_label="Any policy target",
        label="Policy target",
    )
    late = django_filters.ChoiceFilter(
        choices=[("yes", "Late"), ("no", "On time")], method="filter_late", empty_label="Late or on time", label="Late"
    )

    class Meta:
        model = Submission
        fields = ("status", "member_state", "target", "late")

    def filter_target(self, queryset: QuerySet[Submission], name: str, value: Any) -> QuerySet[Submission]:
        if not value:
            return queryset
        on_target = ProgressUpdate.objects.filter(submission=OuterRef("pk"), commitment__target=value)
        return queryset.filter(Exists(on_target))

    def filter_late(self, queryset: QuerySet[Submission], name: str, value: Any) -> QuerySet[Submission]:
        # `is_late` is annotated by selectors.submissions_with_progress.
        if value not in ("yes", "no"):
            return queryset
        return queryset.filter(is_late=value == "yes")  # type: ignore[misc]
