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
    """Compiles are started from the API or the report pages; here they are watched."""

    list_display = ("cycle", "edition", "status", "progress", "data_version", "created_at", "finished_at")
    list_filter = ("edition", "status", "cycle")
    list_select_related = ("cycle",)
    readonly_fields = (
        "cycle", "edition", "status", "progress", "error", "data_version", "is_final", "same_as", "timings",
        "requested_by", "created_at", "finished_at",
    )  # fmt: skip
    inlines = (ReportFileInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
