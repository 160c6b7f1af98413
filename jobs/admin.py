from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin[OutboxMessage]):
    """Watched, not edited: messages are written by the services and sent by the relay."""

    list_display = ("task", "task_id", "created_at", "sent_at", "attempts")
    list_filter = ("task", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("task_id",)
    readonly_fields = ("task", "args", "kwargs", "task_id", "created_at", "sent_at", "attempts", "last_error")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
