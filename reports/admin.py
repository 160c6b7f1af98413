from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import CompiledReport, ReportFile


class ReportFileInline(admin.TabularInline[ReportFile, CompiledReport]):
    model = ReportFile
    extra = 0
    fields = ("format", "file", "sha256", "size")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CompiledReport)
class CompiledReportAdmin(admin.ModelAdmin[CompiledReport]):
    """Compiles are started from the API or the report pages; here they are watched. Publication
    is shown, never changed here: it is published and withdrawn on the report's page (or through
    the API), where the confirmation, the history and the notifications are."""

    list_display = (
        "cycle", "edition", "status", "progress", "data_version", "created_at", "finished_at", "published_at",
        "withdrawn_at",
    )  # fmt: skip
    list_filter = ("edition", "status", "cycle")
    list_select_related = ("cycle",)
    readonly_fields = (
        "cycle", "edition", "status", "progress", "error", "data_version", "is_final", "same_as", "timings",
        "requested_by", "created_at", "finished_at", "heartbeat_at", "attempts", "requeued_at", "compiled_by",
        "published_at", "published_by", "withdrawn_at", "withdrawn_by", "withdrawal_reason",
    )  # fmt: skip
    inlines = (ReportFileInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
