"""The filters of lists, one FilterSet per model, shared by the pages and the REST API."""

from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from . import permissions, selectors
from .models import (
    Commitment,
    Membership,
    MemberState,
    OperationalGoal,
    PolicyTarget,
    ProgressUpdate,
    ReportingCycle,
    ReportingState,
    Submission,
)


class MemberCodeField(forms.ModelChoiceField[MemberState]):
    """A member state named by its ISO code, in any case (fr, FR)."""

    def to_python(self, value: Any) -> Any:
        return super().to_python(value.upper() if isinstance(value, str) else value)


class MemberCodeFilter(django_filters.ModelChoiceFilter):
    field_class = MemberCodeField  # type: ignore[assignment]


def _member_filter(**kwargs: Any) -> MemberCodeFilter:
    return MemberCodeFilter(
        field_name="member_state",
        queryset=MemberState.objects.order_by("name"),
        to_field_name="iso_code",
        label="Member state",
        help_text="A member state's ISO code (e.g. FR).",
        **kwargs,
    )


class MemberFilter(django_filters.FilterSet):
    as_of = django_filters.DateFilter(method="keep", help_text="Members on this date (default: today).")
    eu = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_eu", help_text="EU members on the `as_of` date."
    )
    target = django_filters.ModelChoiceFilter(
        queryset=PolicyTarget.objects.all(),
        to_field_name="code",
        method="filter_target",
        help_text="Members with commitments on this policy target (its code).",
    )
    submission_status = django_filters.ChoiceFilter(
        choices=ReportingState.choices,
        method="filter_submission_status",
        help_text="Where the member stands in the current cycle (`not_due`: not a member on its due date).",
    )

    class Meta:
        model = MemberState
        fields = ("as_of", "eu", "target", "submission_status")

    def keep(self, queryset: QuerySet[MemberState], name: str, value: Any) -> QuerySet[MemberState]:
        return queryset  # applied by the view, which needs the date for its annotations

    def filter_eu(self, queryset: QuerySet[MemberState], name: str, value: str) -> QuerySet[MemberState]:
        return queryset.filter(is_eu_member=value == "true")  # type: ignore[misc]

    def filter_target(self, queryset: QuerySet[MemberState], name: str, value: Any) -> QuerySet[MemberState]:
        viewer = permissions.viewer_of(self.request)
        on_target = permissions.commitments_visible_to(viewer).filter(member_state=OuterRef("pk"), target=value)
        return queryset.filter(Exists(on_target))

    def filter_submission_status(self, queryset: QuerySet[MemberState], name: str, value: str) -> QuerySet[MemberState]:
        cycle = selectors.current_cycle(today=timezone.localdate())
        if cycle is None:
            return queryset.none()
        in_cycle = Submission.objects.filter(member_state=OuterRef("pk"), cycle=cycle)
        due = Membership.objects.filter(Membership.on(cycle.due_on), member_state=OuterRef("pk"))
        if value == ReportingState.NOT_DUE:
            return queryset.filter(~Exists(due) & ~Exists(in_cycle))
        if value == ReportingState.NOT_STARTED:
            return queryset.filter(Exists(due) & ~Exists(in_cycle))
        return queryset.filter(Exists(in_cycle.filter(status=value)))


class CommitmentFilter(django_filters.FilterSet):
    member = _member_filter()
    target = django_filters.ModelChoiceFilter(queryset=PolicyTarget.objects.all(), to_field_name="code")
    goal = django_filters.ModelChoiceFilter(queryset=OperationalGoal.objects.all(), to_field_name="code")
    status = django_filters.ChoiceFilter(choices=Commitment.Status.choices)
    cycle = django_filters.ModelChoiceFilter(
        queryset=ReportingCycle.objects.all(), method="filter_cycle", help_text="Reported on in this cycle."
    )

    class Meta:
        model = Commitment
        fields = ("member", "target", "goal", "status", "cycle")

    def filter_cycle(self, queryset: QuerySet[Commitment], name: str, value: Any) -> QuerySet[Commitment]:
        viewer = permissions.viewer_of(self.request)
        reported = permissions.updates_visible_to(viewer).filter(commitment=OuterRef("pk"), submission__cycle=value)
        return queryset.filter(Exists(reported))


class SubmissionFilter(django_filters.FilterSet):
    """The submissions of the review queue and of the API. `late` needs the `is_late` annotation
    (`Submission.late_expression`), which both querysets carry."""

    member = _member_filter(empty_label="Any member state")
    cycle = django_filters.ModelChoiceFilter(queryset=ReportingCycle.objects.all())
    status = django_filters.ChoiceFilter(choices=Submission.Status.choices, empty_label="Any status")
    target = django_filters.ModelChoiceFilter(
        queryset=PolicyTarget.objects.order_by("number"),
        to_field_name="code",
        method="filter_target",
        empty_label="Any policy target",
        label="Policy target",
        help_text="Submissions with an update on a commitment towards this policy target (its code).",
    )
    late = django_filters.ChoiceFilter(
        choices=[("yes", "Late"), ("no", "On time")], method="filter_late", empty_label="Late or on time", label="Late"
    )

    class Meta:
        model = Submission
        fields = ("member", "cycle", "status", "target", "late")

    def filter_target(self, queryset: QuerySet[Submission], name: str, value: Any) -> QuerySet[Submission]:
        if not value:
            return queryset
        on_target = ProgressUpdate.objects.filter(submission=OuterRef("pk"), commitment__target=value)
        return queryset.filter(Exists(on_target))

    def filter_late(self, queryset: QuerySet[Submission], name: str, value: Any) -> QuerySet[Submission]:
        if value not in ("yes", "no"):
            return queryset
        return queryset.filter(is_late=value == "yes")  # type: ignore[misc]
