"""The filters of lists, one FilterSet per model, shared by the pages and the REST API.

A filter naming objects or choices takes a list: in a query string its values repeated
(`member=FR&member=DE`) or comma-separated (`member=FR,DE`), matching any of them; on a page, one
choice from a select (`ListSelect`). The API's rules for empty and repeated parameters are
`alliance.api.check_filter_values`.
"""

import re
from typing import Any, cast

import django_filters
from django import forms
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import fields
from drf_spectacular.utils import extend_schema_field

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
from .models.wording import mark_option_language, marked_text

CURRENT = "current"
SEVERAL = _("Several: separated by commas, or the parameter repeated (any of them).")


def with_list_help(text: str | Promise) -> str:
    """The help text of a filter taking a list: its own sentence, then how to give several values."""
    return cast(str, format_lazy("{} {}", text, SEVERAL))


class ListSelect(forms.Select):
    """One choice on a page; in a query string any number of values, repeated or comma-separated.
    A reference text among the choices (a policy target's title) says its language."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return mark_option_language(super().create_option(*args, **kwargs))

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        values = data.getlist(name) if hasattr(data, "getlist") else [data[name]] if name in data else []
        return [part.strip() for value in values for part in str(value).split(",") if part.strip()]


class ChoicesField(fields.MultipleChoiceField):
    widget = ListSelect

    def __init__(self, *args: Any, empty_label: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.empty_label = empty_label  # the pages' "any" choice, listed first


class ModelChoicesField(fields.ModelMultipleChoiceField):
    widget = ListSelect

    def __init__(self, *args: Any, empty_label: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.empty_label = empty_label

    def label_from_instance(self, obj: Any) -> str:
        if isinstance(obj, PolicyTarget):
            # Its title in the reader's language where it has an unofficial translation, said to be
            # one (ListSelect marks the option's language), as the pledge form names it.
            return f"{obj.number}. {marked_text(obj.wording('title'))}"
        return str(super().label_from_instance(obj))


class MemberCodesField(ModelChoicesField):
    """Member states named by their ISO codes, in any case (fr, FR)."""

    def clean(self, value: Any) -> Any:
        return super().clean([v.upper() for v in value] if isinstance(value, list) else value)


class CyclesField(ModelChoicesField):
    """Cycles by id, or `current`: the cycle open today (`selectors.current_cycle`)."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, list) and any(v.lower() == CURRENT for v in value):
            cycle = selectors.current_cycle(today=timezone.localdate())
            if cycle is None:
                raise forms.ValidationError(gettext("No reporting cycle has opened yet."), code="no_current_cycle")
            value = [str(cycle.pk) if v.lower() == CURRENT else v for v in value]
        return super().clean(value)


class ValuesFilter(django_filters.MultipleChoiceFilter):
    """Any of several choices."""

    field_class = ChoicesField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


# Names separated by commas, none of them empty (check_filter_values).
NAMES = r"^[^,]*[^,\s][^,]*(,[^,]*[^,\s][^,]*)*$"


class ObjectsFilter(django_filters.ModelMultipleChoiceFilter):
    """Any of several objects, named by `to_field_name` (their id by default)."""

    field_class = ModelChoicesField
    item_schema: dict[str, Any] | None = None  # what names one object in the query, for the schema

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)
        item = self.item_schema or ({"type": "string", "pattern": NAMES} if self.extra.get("to_field_name") else None)
        if item is not None:
            # drf-spectacular cannot tell what names the objects of a filter with a method.
            extend_schema_field({**item, "description": self.extra.get("help_text", "")})(cast(Any, self))

    def get_filter_predicate(self, v: Any) -> dict[str, Any]:
        return {str(self.field_name): v}  # the object itself, whatever names it in the query


class MembersFilter(ObjectsFilter):
    field_class = MemberCodesField


class CyclesFilter(ObjectsFilter):
    field_class = CyclesField
    item_schema = {"type": "string", "pattern": f"^([0-9]+|{CURRENT})$"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", ReportingCycle.objects.all())
        kwargs.setdefault("help_text", _("A reporting cycle's id, or `current` (the cycle open today)."))
        kwargs["help_text"] = with_list_help(kwargs["help_text"])
        super().__init__(*args, **kwargs)


def _member_filter(**kwargs: Any) -> MembersFilter:
    return MembersFilter(
        field_name="member_state",
        queryset=MemberState.objects.order_by("name"),
        to_field_name="iso_code",
        label=_("Member state"),
        help_text=with_list_help(_("A member state's ISO code (e.g. FR).")),
        **kwargs,
    )


def _codes_filter(queryset: QuerySet[Any], **kwargs: Any) -> ObjectsFilter:
    help_text = kwargs.pop("help_text", _("A code."))
    return ObjectsFilter(queryset=queryset, to_field_name="code", help_text=with_list_help(help_text), **kwargs)


# --- The change feed ------------------------------------------------------------------------------
#
# Every commitment, submission and progress update carries `changed_xid`, the id of the transaction
# that last wrote it (a trigger sets it). A sync reads the rows written by the transactions from
# `updated_since` up to its end (_SYNC_END): every transaction below that has ended, and every
# later write gets an id at or above it, so it is the next sync's `updated_since`. A commit order
# unlike the id order (a long transaction) never makes a client skip a row, as a time would.

SYNC_DIGITS = "[0-9]{1,18}"  # a PostgreSQL transaction id (xid8) or a row id: fits a bigint
TOKEN = re.compile(rf"({SYNC_DIGITS})(?:\.({SYNC_DIGITS}))?")
SYNC_UNTIL = "_sync_until"


# The oldest transaction of this database still running (it may yet commit rows with its id), else
# the next id to be given: every id below it belongs to a finished transaction. The snapshot's own
# xmin would do as well but is the whole server's: another database's long transaction would hold
# this one's syncs back. (A transaction given an id after pg_stat_activity was read gets one above
# the snapshot's xmax, read first.)
_SYNC_END = """
    SELECT LEAST(
        pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
        (SELECT min(backend_xid::text::bigint) FROM pg_stat_activity
         WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid())
    )
"""


def snapshot_xmin() -> int:
    """The end of a sync read now (see _SYNC_END)."""
    with connection.cursor() as cursor:
        cursor.execute(_SYNC_END)
        return int(cursor.fetchone()[0])


def feed_available() -> bool:
    """The change feed counts on PostgreSQL's transaction ids: the embedded SQLite of `make run`
    has none, and answers without it."""
    return connection.vendor == "postgresql"


def sync_until(request: HttpRequest) -> int | None:
    """The end of this request's sync, and its `Sync-Token`: the `sync_until` of a sync's next
    page, else the xmin of the snapshot now. Taken once per request, before its rows are read
    (a later xmin could pass writes committed after the read). Never past the xmin now: rows of
    transactions still running would be skipped."""
    if not feed_available():
        return None
    django_request = getattr(request, "_request", request)
    until: int | None = getattr(django_request, SYNC_UNTIL, None)
    if until is None:
        until = snapshot_xmin()
        given = TOKEN.fullmatch(request.GET.get("sync_until", ""))
        if given is not None and given.group(2) is None and request.GET.get("updated_since"):
            until = min(int(given.group(1)), until)
        setattr(django_request, SYNC_UNTIL, until)
    return until


class SyncTokenField(forms.CharField):
    """A `Sync-Token` (digits); `updated_since` also takes the position in a sync the `next` links
    give (`<token>.<id>`). Cleaned to (token, id or None)."""

    def __init__(self, *args: Any, position: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.position = position

    def clean(self, value: Any) -> tuple[int, int | None] | None:
        value = super().clean(value)
        if not value:
            return None
        if not feed_available():
            raise forms.ValidationError(gettext("Syncing changes needs the PostgreSQL database of a deployment."))
        match = TOKEN.fullmatch(value)
        if match is None or (match.group(2) is not None and not self.position):
            raise forms.ValidationError(gettext("Give a Sync-Token, as an earlier answer sent it (0: everything)."))
        return int(match.group(1)), None if match.group(2) is None else int(match.group(2))


class SyncTokenFilter(django_filters.Filter):
    field_class = SyncTokenField
    schema: dict[str, Any]  # what it takes, for the schema of a list that documents it by hand


def _token_filter(pattern: str, **kwargs: Any) -> Any:
    token = cast(Any, SyncTokenFilter)(**kwargs)
    token.schema = {"type": "string", "pattern": pattern, "description": kwargs["help_text"]}
    return extend_schema_field(token.schema)(token)


class ChangeFeed(django_filters.FilterSet):
    """The change feed of a list, on top of its scoped queryset: `updated_since` keeps the rows
    written from that token up to the request's `sync_until`, in the order they were written
    (`changed_xid`, then id), so that each page starts after the last row of the one before."""

    updated_since = _token_filter(
        rf"^{SYNC_DIGITS}(\.{SYNC_DIGITS})?$",
        method="filter_updated_since",
        position=True,
        help_text=_(
            "The rows changed since this `Sync-Token` (of the previous sync's answers; `0`: every row), in "
            "the order they changed. Follow `next` to the end, then keep the `Sync-Token` for the next sync."
        ),
    )
    sync_until = _token_filter(
        f"^{SYNC_DIGITS}$",
        method="keep_sync_until",
        help_text=_(
            "Set by the `next` links of a sync (with `updated_since`): its end, the `Sync-Token` of its first page."
        ),
    )

    def filter_updated_since(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value is None:
            return queryset
        since, after_id = value
        assert self.request is not None
        until = sync_until(self.request)
        assert until is not None  # the token's field refused it otherwise
        start = (
            Q(changed_xid__gte=since)
            if after_id is None
            else Q(changed_xid__gt=since) | Q(changed_xid=since, pk__gt=after_id)
        )
        return queryset.filter(start, changed_xid__lt=until).order_by("changed_xid", "pk")

    def keep_sync_until(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset  # read by sync_until(), once per request


class MemberFilter(django_filters.FilterSet):
    as_of = django_filters.DateFilter(method="keep", help_text=_("Members on this date (default: today)."))
    eu = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_eu",
        help_text=_("EU members on the `as_of` date."),
    )
    target = _codes_filter(
        PolicyTarget.objects.all(),
        method="filter_target",
        help_text=_("Members with commitments on this policy target (its code)."),
    )
    submission_status = ValuesFilter(
        choices=ReportingState.choices,
        method="filter_submission_status",
        help_text=with_list_help(
            _("Where the member stands in the current cycle (`not_due`: not a member on its due date).")
        ),
    )

    class Meta:
        model = MemberState
        fields = ("as_of", "eu", "target", "submission_status")

    def keep(self, queryset: QuerySet[MemberState], name: str, value: Any) -> QuerySet[MemberState]:
        return queryset  # applied by the view, which needs the date for its annotations

    def filter_eu(self, queryset: QuerySet[MemberState], name: str, value: str) -> QuerySet[MemberState]:
        return queryset.filter(is_eu_member=value == "true")  # type: ignore[misc]

    def filter_target(self, queryset: QuerySet[MemberState], name: str, value: Any) -> QuerySet[MemberState]:
        if not value:
            return queryset
        viewer = permissions.viewer_of(self.request)
        on_target = permissions.commitments_visible_to(viewer).filter(member_state=OuterRef("pk"), target__in=value)
        return queryset.filter(Exists(on_target))

    def filter_submission_status(
        self, queryset: QuerySet[MemberState], name: str, value: list[str]
    ) -> QuerySet[MemberState]:
        if not value:
            return queryset
        cycle = selectors.current_cycle(today=timezone.localdate())
        if cycle is None:
            return queryset.none()
        in_cycle = Submission.objects.filter(member_state=OuterRef("pk"), cycle=cycle)
        due = Membership.objects.filter(Membership.on(cycle.due_on), member_state=OuterRef("pk"))
        matches = Q()
        if ReportingState.NOT_DUE in value:
            matches |= Q(~Exists(due), ~Exists(in_cycle))
        if ReportingState.NOT_STARTED in value:
            matches |= Q(Exists(due), ~Exists(in_cycle))
        statuses = [state for state in value if state not in (ReportingState.NOT_DUE, ReportingState.NOT_STARTED)]
        if statuses:
            matches |= Q(Exists(in_cycle.filter(status__in=statuses)))
        return queryset.filter(matches)


class CommitmentFilter(ChangeFeed):
    member = _member_filter()
    target = _codes_filter(PolicyTarget.objects.all(), help_text=_("A policy target's code."))
    goal = _codes_filter(OperationalGoal.objects.all(), help_text=_("An operational goal's code."))
    status = ValuesFilter(choices=Commitment.Status.choices, help_text=with_list_help(_("A commitment status.")))
    cycle = CyclesFilter(
        method="filter_cycle",
        help_text=_("Reported on in this cycle: its id, or `current` (the cycle open today)."),
    )

    class Meta:
        model = Commitment
        fields = ("member", "target", "goal", "status", "cycle", "updated_since", "sync_until")

    def filter_cycle(self, queryset: QuerySet[Commitment], name: str, value: Any) -> QuerySet[Commitment]:
        if not value:
            return queryset
        viewer = permissions.viewer_of(self.request)
        reported = permissions.updates_visible_to(viewer).filter(commitment=OuterRef("pk"), submission__cycle__in=value)
        return queryset.filter(Exists(reported))


class SubmissionFilter(django_filters.FilterSet):
    """The submissions of the review queue and of the API. `late` needs the `is_late` annotation
    (`Submission.late_expression`), which both querysets carry."""

    member = _member_filter(empty_label=_("Any member state"))
    cycle = CyclesFilter(field_name="cycle")
    status = ValuesFilter(
        choices=Submission.Status.choices,
        # Given here: a label taken from the model is fixed in the language of its first reading.
        label=_("Status"),
        empty_label=_("Any status"),
        help_text=with_list_help(_("A submission status.")),
    )
    target = _codes_filter(
        PolicyTarget.objects.order_by("number"),
        method="filter_target",
        empty_label=_("Any policy target"),
        label=_("Policy target"),
        help_text=_("Submissions with an update on a commitment towards this policy target (its code)."),
    )
    late = django_filters.ChoiceFilter(
        choices=[("yes", _("Late")), ("no", _("On time"))],
        method="filter_late",
        empty_label=_("Late or on time"),
        label=_("Late"),
    )

    class Meta:
        model = Submission
        fields: tuple[str, ...] = ("member", "cycle", "status", "target", "late")

    def filter_target(self, queryset: QuerySet[Submission], name: str, value: Any) -> QuerySet[Submission]:
        if not value:
            return queryset
        on_target = ProgressUpdate.objects.filter(submission=OuterRef("pk"), commitment__target__in=value)
        return queryset.filter(Exists(on_target))

    def filter_late(self, queryset: QuerySet[Submission], name: str, value: Any) -> QuerySet[Submission]:
        if value not in ("yes", "no"):
            return queryset
        return queryset.filter(is_late=value == "yes")  # type: ignore[misc]


class SubmissionChangesFilter(ChangeFeed, SubmissionFilter):
    """The API's submissions: the review queue's filters and the change feed."""

    class Meta(SubmissionFilter.Meta):
        fields = (*SubmissionFilter.Meta.fields, "updated_since", "sync_until")


class ProgressUpdateChangesFilter(ChangeFeed):
    """A submission's progress updates in the API: the change feed."""

    class Meta:
        model = ProgressUpdate
        fields = ("updated_since", "sync_until")


class GoalFilter(django_filters.FilterSet):
    target__code = _codes_filter(
        PolicyTarget.objects.all(), field_name="target", help_text=_("The goals of this policy target (its code).")
    )

    class Meta:
        model = OperationalGoal
        fields = ("target__code",)
