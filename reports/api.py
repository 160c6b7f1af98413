"""The compiled reports of each cycle (started and filled in by the report jobs)."""

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from commitments import permissions

from .models import CompiledReport


class CompiledReportSerializer(serializers.ModelSerializer[CompiledReport]):
    files = serializers.SerializerMethodField(help_text="A download link per format, once the report is done.")

    class Meta:
        model = CompiledReport
        fields = ("id", "cycle", "edition", "status", "progress", "error", "created_at", "finished_at", "files")

    def get_files(self, report: CompiledReport) -> list[dict[str, Any]]:
        return []


class CompiledReportViewSet(viewsets.ReadOnlyModelViewSet[CompiledReport]):
    """Compiled reports: the public edition for everyone once done; the secretariat sees them all."""

    serializer_class = CompiledReportSerializer
    filterset_fields = ("cycle", "edition", "status")

    def get_queryset(self) -> QuerySet[CompiledReport]:
        reports = CompiledReport.objects.select_related("cycle").order_by("-created_at", "-pk")
        if permissions.is_secretariat(permissions.api_viewer(self.request)):
            return reports
        return reports.filter(edition=CompiledReport.Edition.PUBLIC, status=CompiledReport.Status.DONE)
