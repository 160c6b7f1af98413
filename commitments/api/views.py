"""The REST API over members, reference data, commitments and submissions.

Views parse, call a selector or service, and serialize; every queryset is scoped by
`commitments.permissions` to what the client may see, as in the browser.
"""

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from typing import Any, cast

from django import forms
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import parse_etags
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from accounts.models import User
from alliance.api import (
    READS,
    FilterBackend,
    OrderingFilter,
    Pagination,
    SearchFilter,
    check_filter_values,
    location,
    query_value,
)
from alliance.spreadsheets import safe_row
from commitments import filtersets, permissions, selectors, services
from commitments.models import (
    Commitment,
    Declaration,
    EuMembership,
    Membership,
    MemberState,
    OperationalGoal,
    PolicyTarget,
    ProgressUpdate,
    ReportingCycle,
    Submission,
)

from . import serializers as s
from .caching import VersionedAnswers


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The object changed since you read it (stale If-Match); read it again.")
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "This change needs an If-Match header: GET the object first and send its ETag in If-Match, "
        "so that a change someone made since you read it is never silently replaced."
    )
    default_code = "precondition_required"


def etag(obj: Submission | ProgressUpdate) -> str:
    return f'"{obj._meta.model_name}-{obj.pk}-v{obj.version}"'


def seen_version(request: Request, obj: Submission | ProgressUpdate | None) -> int:
    """The version of `obj` the client read and now changes, from its If-Match (RFC 9110 section 13.2).

    A write on an existing object must name the version it read: 428 without If-Match, or with
    `If-Match: *` (which names none). 412 when no tag of If-Match is this object's (weak tags
    never match: strong comparison), or when If-None-Match matches it (`*`: "only if it does not
    exist yet"). Whether the version named is still the current one is checked by the service,
    under its lock. For an object that does not exist yet (`obj` None) there is no version to
    name: any If-Match is 412, and the write creates it from version 0."""
    if_match = request.headers.get("If-Match", "").strip()
    if obj is None:
        if if_match:
            raise PreconditionFailed(_("If-Match names a version, but this object does not exist yet."))
        return 0
    versions: list[int] = []
    if if_match and if_match != "*":
        pattern = re.compile(rf'"{obj._meta.model_name}-{obj.pk}-v(\d+)"')
        versions = [int(m.group(1)) for tag in parse_etags(if_match) if (m := pattern.fullmatch(tag))]
        if not versions:
            raise PreconditionFailed()
    if_none_match = request.headers.get("If-None-Match", "").strip()
    if if_none_match == "*" or etag(obj) in {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}:
        raise PreconditionFailed(
            _("If-None-Match matches this object, which exists already: to change it, send its ETag in If-Match.")
        )
    if if_match == "*":
        raise PreconditionRequired(
            _(
                "If-Match: * does not say which version you read: GET the object first and send its ETag "
                "in If-Match, so that a change someone made since you read it is never silently replaced."
            )
        )
    if not versions:
        raise PreconditionRequired()
    return obj.version if obj.version in versions else versions[0]


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        "The submission's `ETag` as you read it (GET). Without it: 428. Stale, weak (`W/`) or another "
        "object's tag: 412, and nothing changes."
    ),
)
UPDATE_PRECONDITIONS = [
    OpenApiParameter(
        "If-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description=(
            "The update's `ETag` as you read it (GET). Required to change an existing update (428 without "
            "it); stale, weak (`W/`) or another object's tag: 412. Leave it out to create the update."
        ),
    ),
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="`*`: create the update only if it does not exist yet (412 if it does).",
    ),
]


def _user(request: Request) -> User:
    if not isinstance(request.user, User):
        raise exceptions.NotAuthenticated()
    return request.user


def _today() -> date:
    return timezone.localdate()


# --- Reference data ----------------------------------------------------------------------------


class TargetViewSet(viewsets.ReadOnlyModelViewSet[PolicyTarget]):
    queryset = PolicyTarget.objects.prefetch_related("goals").order_by("number")
    serializer_class = s.TargetSerializer
    lookup_field = "code"


class GoalViewSet(viewsets.ReadOnlyModelViewSet[OperationalGoal]):
    queryset = OperationalGoal.objects.select_related("target").order_by("number")
    serializer_class = s.GoalSerializer
    lookup_field = "code"
    filterset_class = filtersets.GoalFilter


class DeclarationViewSet(viewsets.ReadOnlyModelViewSet[Declaration]):
    queryset = Declaration.objects.select_related("conference", "source").prefetch_related("potential_actions")
    serializer_class = s.DeclarationSerializer
    lookup_field = "key"

    def get_queryset(self) -> QuerySet[Declaration]:
        return super().get_queryset().order_by("adopted_on")


class CycleViewSet(viewsets.ReadOnlyModelViewSet[ReportingCycle]):
    queryset = ReportingCycle.objects.order_by("due_on", "pk")
    serializer_class = s.CycleSerializer


# --- Members -----------------------------------------------------------------------------------


class MemberCsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        buffer = io.StringIO()
        if isinstance(data, list):  # the table, with its header row even when no member matches
            view = (renderer_context or {}).get("view")
            fields = view.selected_fields() if isinstance(view, MemberViewSet) else s.MemberSerializer.Meta.fields
            targets = list(PolicyTarget.objects.order_by("number").values_list("code", flat=True))
            statuses = [choice.value for choice in Commitment.Status]
            writer = csv.writer(buffer)
            writer.writerow([column for field in fields for column in self._columns(field, targets, statuses)])
            for row in data:
                # A machine table (codes, ISO dates), opened in spreadsheets all the same: names are
                # text typed in the admin, which must never run there as a formula.
                writer.writerow(
                    safe_row([cell for field in fields for cell in self._cells(row, field, targets, statuses)])
                )
        elif isinstance(data, dict) and "detail" in data:
            buffer.write(f"detail\n{data['detail']}\n")
        return buffer.getvalue().encode()

    @staticmethod
    def _columns(field: str, targets: list[str], statuses: list[str]) -> list[str]:
        if field != "status":
            return [field]
        return (
            ["commitments"]
            + [f"target_{t}" for t in targets]
            + [f"status_{x}" for x in statuses]
            + ["completion_percent", "current_cycle", "submission_status", "is_late", "last_accepted_at"]
        )

    @staticmethod
    def _cells(row: dict[str, Any], field: str, targets: list[str], statuses: list[str]) -> list[Any]:
        if field != "status":
            value = row[field]
            return ["" if value is None else value]
        status_ = row["status"]
        cycle = status_["current_cycle"] or {}
        return (
            [status_["commitments"]["total"]]
            + [status_["commitments"]["by_target"][t] for t in targets]
            + [status_["commitments"]["by_status"][x] for x in statuses]
            + [status_["completion_percent"], cycle.get("name", ""), cycle.get("submission_status", "")]
            + [cycle.get("is_late", ""), status_["last_accepted_at"] or ""]
        )


AS_OF = OpenApiParameter("as_of", OpenApiTypes.DATE, description="Members on this date (default: today).")
_FIELD = "(" + "|".join(s.MemberSerializer.Meta.fields) + ")"
FIELDS = OpenApiParameter(
    "fields",
    {"type": "string", "pattern": f"^{_FIELD}(,{_FIELD})*$"},
    description="The fields of each member to answer (columns of the CSV table), separated by commas, e.g. "
    "`iso_code,name`; all of them by default. Without `status` the answer is quicker: no summary is worked out.",
)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="csv: the table."),
            AS_OF,
            FIELDS,
        ]
    ),
    retrieve=extend_schema(parameters=[AS_OF]),
)
class MemberViewSet(VersionedAnswers, viewsets.ReadOnlyModelViewSet[MemberState]):
    """Member states with their membership and a status summary of their commitments and reporting."""

    serializer_class = s.MemberSerializer
    lookup_field = "iso_code"
    lookup_value_regex = "[A-Za-z]{2}"  # the ISO code, in either case
    filterset_class = filtersets.MemberFilter
    filter_backends = [FilterBackend, SearchFilter, OrderingFilter]
    search_fields = ("name",)
    ordering_fields = ("name", "iso_code", "joined_on")
    ordering = ("name",)
    renderer_classes = [JSONRenderer, MemberCsvRenderer]

    def as_of(self) -> date:
        raw = query_value(self.request, "as_of")
        if raw is None:
            return _today()
        field = forms.DateField()
        try:
            return field.clean(raw)  # type: ignore[no-any-return]
        except forms.ValidationError as error:
            raise exceptions.ValidationError({"as_of": error.messages}) from error

    def selected_fields(self) -> tuple[str, ...]:
        """The fields the list answers (`fields`), in the serializer's order; a 400 naming `fields`
        for a name that is not one of them."""
        known: tuple[str, ...] = s.MemberSerializer.Meta.fields
        raw = query_value(self.request, "fields")
        if raw is None:
            return known
        names = [part.strip() for part in raw.split(",")]
        unknown = [name for name in names if name not in known]
        if unknown or not all(names):
            message = gettext("Choose fields among %(known)s, separated by commas (not: %(unknown)s).") % {
                "known": ", ".join(known),
                "unknown": ", ".join(unknown) or gettext("an empty name"),
            }
            raise exceptions.ValidationError({"fields": [message]})
        return tuple(name for name in known if name in names)

    def get_queryset(self) -> QuerySet[MemberState]:
        queryset = selectors.members_as_of(day=self.as_of())
        if self.action == "retrieve":
            viewer = permissions.viewer_of(self.request)
            updates = permissions.updates_visible_to(viewer).select_related("submission").prefetch_related("milestones")
            queryset = queryset.prefetch_related(
                Prefetch("memberships", queryset=Membership.objects.select_related("source")),
                Prefetch("eu_memberships", queryset=EuMembership.objects.select_related("source")),
                Prefetch(
                    "commitments",
                    queryset=permissions.commitments_visible_to(viewer)
                    .select_related("member_state", "target", "goal", "action")
                    .prefetch_related(Prefetch("progress_updates", queryset=updates, to_attr="visible_updates"))
                    .order_by("target__number", "title"),
                    to_attr="visible_commitments",
                ),
                Prefetch(
                    "submissions",
                    queryset=permissions.submissions_visible_to(viewer)
                    .select_related("member_state", "cycle")
                    .prefetch_related(Prefetch("updates", queryset=updates, to_attr="visible_updates"))
                    .order_by("cycle__due_on"),
                    to_attr="visible_submissions",
                ),
            )
        return queryset

    def get_serializer_class(self) -> Any:
        return s.MemberDetailSerializer if self.action == "retrieve" else s.MemberSerializer

    def _context_for(self, members: list[MemberState], *, status: bool = True) -> dict[str, Any]:
        if not status:
            return {**self.get_serializer_context(), "today": _today()}
        viewer = permissions.viewer_of(self.request)
        status_ = selectors.member_status(
            member_ids=[m.pk for m in members],
            commitments=permissions.commitments_visible_to(viewer),
            updates=permissions.updates_visible_to(viewer),
            today=_today(),
        )
        return {**self.get_serializer_context(), "status": status_, "today": _today()}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return self.versioned(request, lambda: self._list(request))

    def _list(self, request: Request) -> Response:
        fields = self.selected_fields()
        queryset = self.filter_queryset(self.get_queryset())
        if request.accepted_renderer.format == "csv":
            assert isinstance(self.paginator, Pagination)
            self.paginator.check_query(request)
            members = list(queryset)  # the whole table, not a page
        else:
            page = self.paginate_queryset(queryset)
            members = list(page) if page is not None else list(queryset)
        context = self._context_for(members, status="status" in fields)
        data = s.MemberSerializer(members, many=True, context=context, fields=fields).data
        return Response(data) if request.accepted_renderer.format == "csv" else self.get_paginated_response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        def build() -> Response:
            member = self.get_object()
            return Response(s.MemberDetailSerializer(member, context=self._context_for([member])).data)

        return self.versioned(request, build)

    def get_renderers(self) -> Any:
        # The CSV format is the status table: the list only. (No action: a method the list does not
        # take, answered 405 whatever the format asked.)
        return super().get_renderers() if self.action in ("list", None) else [JSONRenderer()]

    def handle_exception(self, exc: Exception) -> Response:
        # Errors answer JSON, whatever format was asked for (the CSV table included).
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)

    def get_object(self) -> MemberState:
        code = str(self.kwargs["iso_code"]).upper()
        return get_object_or_404(self.get_queryset(), iso_code=code)


# --- The change feed (commitments.filtersets.ChangeFeed) ----------------------------------------

SYNC_TOKEN = OpenApiParameter(
    "Sync-Token",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description="Send it as `updated_since` in your next sync: it brings every change this answer has not. "
    "The same on every page of a sync.",
)
SYNC_PARAMETERS = [
    OpenApiParameter(name, token.schema, description=token.extra["help_text"])
    for name in ("updated_since", "sync_until")
    for token in [cast(filtersets.SyncTokenFilter, filtersets.ChangeFeed.base_filters[name])]
]


class ChangesPagination(Pagination):
    """The pages of a list; those of a sync (`updated_since`) in the order the rows changed, each
    `next` starting after the last row of its page, up to the same `sync_until`. A row that changes
    again during the sync leaves it for the next one, and no other row moves between pages, as it
    would with page numbers. `count` is the rows of the sync from this page on."""

    page_query_description = (
        Pagination.page_query_description + " Not with `updated_since`: a sync pages with its `next` links."
    )
    sync = False
    sync_next: str | None = None
    sync_count = 0

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        self.sync = "updated_since" in request.query_params
        if not self.sync:
            return super().paginate_queryset(queryset, request, view)
        if query_value(request, self.page_query_param) is not None:
            raise exceptions.ValidationError({self.page_query_param: [_("A sync pages with its next links.")]})
        self.request = request
        size = self.get_page_size(request)
        rows = list(queryset[: size + 1])
        self.sync_count = queryset.count() if len(rows) > size else len(rows)
        self.sync_next = None
        if len(rows) > size:
            last = rows[size - 1]
            url = remove_query_param(request.build_absolute_uri(), self.page_query_param)
            url = replace_query_param(url, "updated_since", f"{last.changed_xid}.{last.pk}")
            self.sync_next = replace_query_param(url, "sync_until", str(filtersets.sync_until(request)))
        return rows[:size]

    def get_paginated_response(self, data: Any) -> Response:
        if not self.sync:
            return super().get_paginated_response(data)
        body = {"count": self.sync_count, "next": self.sync_next, "previous": None, "results": data}
        return Response(body, headers={"Link": f'<{self.sync_next}>; rel="next"'} if self.sync_next else {})


def synced(request: Request, read: Callable[[], Any]) -> Any:
    """An answer with its `Sync-Token`, taken before its rows are read."""
    token = filtersets.sync_until(request)
    response = read()
    if token is not None:
        response["Sync-Token"] = str(token)
    return response


# --- Commitments -------------------------------------------------------------------------------


class CommitmentViewSet(VersionedAnswers, viewsets.ReadOnlyModelViewSet[Commitment]):
    """Members' pledged actions, each with the progress updates the client may see."""

    serializer_class = s.CommitmentSerializer
    filterset_class = filtersets.CommitmentFilter
    pagination_class = ChangesPagination

    @extend_schema(parameters=[SYNC_TOKEN])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        def read() -> Any:
            return synced(request, lambda: super(CommitmentViewSet, self).list(request, *args, **kwargs))

        # A sync is never answered from the cache: its rows and its token are of this request alone.
        return read() if "updated_since" in request.query_params else self.versioned(request, read)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return self.versioned(request, lambda: super(CommitmentViewSet, self).retrieve(request, *args, **kwargs))

    def get_queryset(self) -> QuerySet[Commitment]:
        viewer = permissions.viewer_of(self.request)
        updates = (
            permissions.updates_visible_to(viewer)
            .select_related("submission")
            .prefetch_related("milestones")
            .order_by("submission__cycle__due_on", "pk")
        )
        return (
            permissions.commitments_visible_to(viewer)
            .select_related("member_state", "target", "goal", "action")
            .prefetch_related(Prefetch("progress_updates", queryset=updates, to_attr="visible_updates"))
            .order_by("member_state__iso_code", "target__number", "pk")
        )


# --- Submissions -------------------------------------------------------------------------------


class SubmissionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[Submission]):
    """Submissions: contacts start, write and submit their country's; reviewers accept or return.

    Writable objects carry an `ETag`; a change of one must send it back in `If-Match` (428
    without it), and is refused (412) on a version you have not seen."""

    serializer_class = s.SubmissionSerializer
    filterset_class = filtersets.SubmissionChangesFilter
    pagination_class = ChangesPagination

    @extend_schema(parameters=[SYNC_TOKEN])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return synced(request, lambda: super(SubmissionViewSet, self).list(request, *args, **kwargs))

    def get_queryset(self) -> QuerySet[Submission]:
        viewer = permissions.viewer_of(self.request)
        updates = permissions.updates_visible_to(viewer).select_related("submission").prefetch_related("milestones")
        return (
            permissions.submissions_visible_to(viewer)
            .annotate(is_late=Submission.late_expression(_today()))
            .select_related("member_state", "cycle")
            .prefetch_related(Prefetch("updates", queryset=updates.order_by("pk"), to_attr="visible_updates"))
            .order_by("cycle__due_on", "member_state__iso_code", "pk")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": _today()}

    def _show(self, submission: Submission, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=submission.pk)
        created = location(self.request, "submission-detail", pk=fresh.pk) if code == status.HTTP_201_CREATED else {}
        response = Response(self.get_serializer(fresh).data, status=code, headers=created)
        response["ETag"] = etag(fresh)
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._show(self.get_object())

    @extend_schema(
        request=s.StartSubmissionSerializer,
        responses={200: s.SubmissionSerializer, 201: s.SubmissionSerializer},
        examples=[OpenApiExample("Start the report of cycle 12", request_only=True, value={"cycle": 12})],
        description="Start your country's submission of a cycle (201, with its `Location`), or get the one "
        "started already (200).",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        data = s.StartSubmissionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if user.member_state is None:
            raise exceptions.PermissionDenied(_("Only national contacts start their country's submission."))
        cycle = data.validated_data["cycle"]
        # The service answers the submission that exists too; which it was decides 200 or 201.
        existed = Submission.objects.filter(member_state=user.member_state, cycle=cycle).exists()
        submission = services.submission_start(member_state=user.member_state, cycle=cycle, actor=user)
        return self._show(submission, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.SubmissionSerializer}, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_object()
        seen = seen_version(request, submission)
        return self._show(services.submission_submit(submission=submission, actor=_user(request), seen_version=seen))

    @extend_schema(request=None, responses={200: s.SubmissionSerializer}, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_object()
        seen = seen_version(request, submission)
        return self._show(services.submission_accept(submission=submission, actor=_user(request), seen_version=seen))

    @extend_schema(request=s.ReturnSerializer, responses={200: s.SubmissionSerializer}, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_object()
        data = s.ReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        seen = seen_version(request, submission)
        comments = {item["update_id"]: item["comment"] for item in data.validated_data["updates"]}
        returned = services.submission_return(
            submission=submission, actor=_user(request), seen_version=seen, comments=comments
        )
        return self._show(returned)

    def _commitment(self, submission: Submission, commitment_id: int) -> Commitment:
        viewer = permissions.viewer_of(self.request)
        commitment = (
            permissions.commitments_visible_to(viewer)
            .filter(pk=commitment_id, member_state_id=submission.member_state_id)
            .first()
        )
        if commitment is None:
            raise Http404("No such commitment in this submission's member state.")
        return commitment

    def _update_response(self, update: ProgressUpdate, code: int = status.HTTP_200_OK) -> Response:
        fresh = ProgressUpdate.objects.select_related("submission").prefetch_related("milestones").get(pk=update.pk)
        created = {}
        if code == status.HTTP_201_CREATED:
            created = location(
                self.request, "submission-update-detail", pk=fresh.submission_id, commitment_id=fresh.commitment_id
            )
        response = Response(s.ProgressUpdateSerializer(fresh).data, status=code, headers=created)
        response["ETag"] = etag(fresh)
        return response

    def _save(self, submission: Submission, commitment: Commitment, data: dict[str, Any], version: int | None) -> Any:
        milestones = data.pop("milestones", None)
        return services.progress_update_save(
            submission=submission,
            commitment=commitment,
            actor=_user(self.request),
            values=data,
            milestones=[services.MilestoneData(**m) for m in milestones] if milestones is not None else None,
            expected_version=version,
        )

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: s.ProgressUpdateSerializer(many=True)},
        parameters=[*SYNC_PARAMETERS, SYNC_TOKEN],
        operation_id="updates_list",
    )
    @extend_schema(
        methods=["POST"],
        request=s.NewProgressUpdateSerializer,
        responses={201: s.ProgressUpdateSerializer},
        operation_id="updates_create",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def updates(self, request: Request, pk: str | None = None) -> Response:
        if request.method in READS:
            return synced(request, lambda: self._updates_of(self.get_object()))  # type: ignore[no-any-return]
        submission = self.get_object()
        data = s.NewProgressUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        commitment = self._commitment(submission, values.pop("commitment"))
        if ProgressUpdate.objects.filter(submission=submission, commitment=commitment).exists():
            raise services.WorkflowError("This commitment has an update already: change it with PUT or PATCH.")
        return self._update_response(self._save(submission, commitment, values, 0), status.HTTP_201_CREATED)

    def _updates_of(self, submission: Submission) -> Response:
        updates = submission.visible_updates  # type: ignore[attr-defined]
        # Either parameter of a sync is checked whenever it is given: a bad `sync_until` is a 400,
        # even alone (where it changes nothing), as on the other lists.
        if self.request.query_params.keys() & {"updated_since", "sync_until"}:
            check_filter_values(self.request, filtersets.ProgressUpdateChangesFilter)
            viewer = permissions.viewer_of(self.request)
            visible = permissions.updates_visible_to(viewer).filter(submission=submission)
            changes = filtersets.ProgressUpdateChangesFilter(
                self.request.query_params,
                queryset=visible.select_related("submission").prefetch_related("milestones"),
                request=self.request,
            )
            if not changes.is_valid():
                raise exceptions.ValidationError(changes.errors)
            if "updated_since" in self.request.query_params:
                updates = changes.qs
        return Response(s.ProgressUpdateSerializer(updates, many=True).data)

    @extend_schema(methods=["GET"], request=None, responses={200: s.ProgressUpdateSerializer})
    @extend_schema(
        methods=["PUT", "PATCH"],
        request=s.ProgressUpdateInputSerializer,
        responses={200: s.ProgressUpdateSerializer, 201: s.ProgressUpdateSerializer},
        parameters=UPDATE_PRECONDITIONS,
        examples=[
            OpenApiExample(
                "Progress on an ICSE pledge",
                request_only=True,
                value={
                    "status": "on_track",
                    "completion_percent": 60,
                    "narrative": "The victim identification unit is connected to ICSE and trained.",
                    "confidentiality": "public",
                    "icse_victims_identified": 42,
                    "figures_source": "National police annual statistics",
                },
            )
        ],
        description=(
            "Change the update: send its `ETag` in `If-Match` (428 without it). When the commitment has no "
            "update yet, this creates it (201), with no `If-Match`."
        ),
    )
    @action(
        detail=True,
        methods=["get", "put", "patch"],
        url_path=r"updates/(?P<commitment_id>\d+)",
        pagination_class=None,
        filter_backends=[],
    )
    def update_detail(self, request: Request, pk: str | None = None, commitment_id: str = "") -> Response:
        submission = self.get_object()
        commitment = self._commitment(submission, int(commitment_id))
        visible = {u.commitment_id: u for u in submission.visible_updates}  # type: ignore[attr-defined]
        update = visible.get(commitment.pk)
        if request.method in READS:
            if update is None:
                raise Http404("No update on this commitment yet.")
            return self._update_response(update)
        data = s.ProgressUpdateInputSerializer(data=request.data, partial=request.method == "PATCH")
        data.is_valid(raise_exception=True)
        if request.method == "PATCH" and "milestones" in data.validated_data:
            # A partial update still sends whole milestones: validate them as such.
            milestones = s.MilestoneInputSerializer(data=request.data.get("milestones"), many=True)
            if not milestones.is_valid():
                raise exceptions.ValidationError({"milestones": milestones.errors})
        version = seen_version(request, update)
        saved = self._save(submission, commitment, dict(data.validated_data), version)
        return self._update_response(saved, status.HTTP_200_OK if update else status.HTTP_201_CREATED)
