"""The compiled reports of each cycle: started here by the secretariat, downloadable when done, and
published (or withdrawn) by the secretariat. Everyone else reads the published reports only."""

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from alliance.api import location
from commitments import permissions
from commitments.models import ReportingCycle, TextLanguage

from .downloads import report_file_response
from .filtersets import ReportFilter
from .models import CompiledReport, ReportFile
from .permissions import reports_for
from .services import report_publish, report_request, report_withdraw


class ReportFileSerializer(serializers.ModelSerializer[ReportFile]):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReportFile
        fields = ("format", "url", "sha256", "size")

    def get_url(self, entry: ReportFile) -> str:
        path = reverse("report-download", args=[entry.report_id, entry.format])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class CompiledReportSerializer(serializers.ModelSerializer[CompiledReport]):
    """A request answered with a report built earlier from the same data shows that report's
    state and files, and links to it in `same_as`."""

    url = serializers.HyperlinkedIdentityField(view_name="report-detail")
    same_as = serializers.HyperlinkedRelatedField[CompiledReport](
        view_name="report-detail", read_only=True, allow_null=True
    )
    status = serializers.ChoiceField(source="built.status", choices=CompiledReport.Status.choices, read_only=True)
    progress = serializers.IntegerField(source="built.progress", read_only=True, min_value=0, max_value=100)
    error = serializers.CharField(source="built.error", read_only=True)
    data_version = serializers.CharField(source="built.data_version", read_only=True)
    is_final = serializers.BooleanField(source="built.is_final", read_only=True)
    finished_at = serializers.DateTimeField(source="built.finished_at", read_only=True, allow_null=True)
    files = serializers.SerializerMethodField(help_text="A download link per format, once the report is done.")
    published_at = serializers.SerializerMethodField(
        help_text="When the secretariat published it as its cycle's report; null while it is not published (a "
        "draft, or withdrawn). Only published reports are shown to anyone outside the secretariat."
    )
    withdrawn_at = serializers.SerializerMethodField(
        help_text="When its publication was withdrawn; null unless it was published and then withdrawn."
    )

    class Meta:
        model = CompiledReport
        fields = (
            "id", "url", "cycle", "edition", "language", "status", "progress", "error", "data_version", "is_final",
            "same_as", "created_at", "finished_at", "published_at", "withdrawn_at", "files",
        )  # fmt: skip

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_published_at(self, report: CompiledReport) -> str | None:
        at = report.published_at if report.is_published else None
        return serializers.DateTimeField().to_representation(at) if at is not None else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_withdrawn_at(self, report: CompiledReport) -> str | None:
        at = report.withdrawn_at
        return serializers.DateTimeField().to_representation(at) if at is not None else None

    @extend_schema_field(ReportFileSerializer(many=True))
    def get_files(self, report: CompiledReport) -> list[dict[str, Any]]:
        built = report.built
        if built.status != CompiledReport.Status.DONE:
            return []
        return list(ReportFileSerializer(built.files.all(), many=True, context=self.context).data)


class ReportRequestSerializer(serializers.Serializer[Any]):
    cycle = serializers.PrimaryKeyRelatedField(queryset=ReportingCycle.objects.all())
    edition = serializers.ChoiceField(choices=CompiledReport.Edition.choices)
    language = serializers.ChoiceField(
        choices=TextLanguage.choices,
        default=TextLanguage.ENGLISH,
        help_text="The language of the report's labels, dates and numbers (narratives stay in their writers').",
    )


class PublishSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Why: needed when the report replaces the cycle's published report, or publishes the cycle's "
        "report again after a withdrawal.",
    )


class WithdrawSerializer(serializers.Serializer[Any]):
    # Required in the request's shape too, so that the schema says so (the service's refusal of a
    # blank reason still names the field for its other callers).
    reason = serializers.CharField(max_length=2000, help_text="Why the report is withdrawn.")


class CompiledReportViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[CompiledReport]):
    """Compiled reports: everyone reads the published reports (a public edition the secretariat
    published and has not withdrawn); the secretariat sees them all, starts compiles (`POST`,
    answered 202 while the worker builds it), and publishes or withdraws a cycle's report."""

    serializer_class = CompiledReportSerializer
    filterset_class = ReportFilter

    def get_queryset(self) -> QuerySet[CompiledReport]:
        reports = reports_for(permissions.viewer_of(self.request))
        return reports.prefetch_related("files", "same_as__files").order_by("-created_at", "-pk")

    @extend_schema(
        request=ReportRequestSerializer,
        responses={202: CompiledReportSerializer},
        examples=[
            OpenApiExample(
                "The public edition of cycle 12", request_only=True, value={"cycle": 12, "edition": "public"}
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not isinstance(request.user, User):
            raise exceptions.NotAuthenticated()
        data = ReportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = report_request(
            cycle=data.validated_data["cycle"],
            edition=data.validated_data["edition"],
            language=data.validated_data["language"],
            actor=request.user,
        )
        return Response(
            self.get_serializer(report).data,
            status=status.HTTP_202_ACCEPTED,
            headers=location(request, "report-detail", pk=report.pk),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(ReportFile.Format.values), description="")
        ],
        responses={(200, kind.split(";")[0]): OpenApiTypes.BINARY for kind in ReportFile.CONTENT_TYPES.values()},
    )
    @action(detail=True, methods=["get"], url_path=r"files/(?P<fmt>html|pdf|xlsx|json|csv)", url_name="download")
    def download(self, request: Request, pk: str | None = None, fmt: str = "") -> FileResponse:
        return report_file_response(self.get_object(), fmt)

    def _acting(self, request: Request) -> User:
        if not isinstance(request.user, User):
            raise exceptions.NotAuthenticated()
        return request.user

    @extend_schema(
        request=PublishSerializer,
        responses={200: CompiledReportSerializer},
        description="Publish a finished, final public edition as its cycle's report (secretariat only): 409 if "
        "it cannot be (not public, not finished, built while the cycle was open, published already); 400 naming "
        "`reason` when a reason is needed and missing. The cycle's contacts are emailed once it is published.",
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        actor = self._acting(request)
        report = self.get_object()
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        published = report_publish(
            report=report, actor=actor, reason=data.validated_data.get("reason", ""), request=request._request
        )
        return Response(self.get_serializer(published).data)

    @extend_schema(
        request=WithdrawSerializer,
        responses={200: CompiledReportSerializer},
        description="Withdraw a published report, with the reason why (secretariat only): 400 naming `reason` "
        "without one; 409 if the report is not published.",
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        actor = self._acting(request)
        report = self.get_object()
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        withdrawn = report_withdraw(report=report, actor=actor, reason=data.validated_data.get("reason", ""))
        return Response(self.get_serializer(withdrawn).data)
