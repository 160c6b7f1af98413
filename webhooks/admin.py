"""Webhook endpoints and the delivery log, for secretariat administrators only.

Changes go through the services (history, validation of the URL); the log is read-only, with a
redeliver action. A signing secret is shown once, on the page that follows the endpoint's creation
or the rolling of its secret, and only its first characters afterwards."""

import json
from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User

from . import services
from .models import SUBSCRIBABLE, WebhookDelivery, WebhookEndpoint
from .permissions import can_manage_webhooks

_M = TypeVar("_M", bound=models.Model)

ENDPOINT_FIELDS = ("name", "url", "events", "is_active")


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class _AdministratorsOnly(admin.ModelAdmin[_M]):
    """Secretariat administrators (webhooks.permissions) see and manage these; nobody deletes them
    (an endpoint is deactivated, and the log is kept)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_manage_webhooks(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_webhooks(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_manage_webhooks(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_webhooks(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class WebhookEndpointForm(forms.ModelForm[WebhookEndpoint]):
    # A URL typed without a scheme is taken as https (Django 6's default; the model allows http too).
    url = forms.URLField(
        label=gettext_lazy("URL"),
        max_length=2000,
        assume_scheme="https",
        help_text=WebhookEndpoint._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"), choices=SUBSCRIBABLE, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ENDPOINT_FIELDS


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(_AdministratorsOnly[WebhookEndpoint]):
    form = WebhookEndpointForm
    list_display = ("name", "url", "subscribed", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    readonly_fields = ("secret_hint", "created_by", "created_at")
    actions = ("send_ping", "roll_secret")

    def get_fields(self, request: HttpRequest, obj: WebhookEndpoint | None = None) -> tuple[str, ...]:
        # The secret's first characters, who created it and when: known once it exists.
        return ENDPOINT_FIELDS if obj is None else (*ENDPOINT_FIELDS, *self.readonly_fields)

    @admin.display(description=gettext_lazy("events"))
    def subscribed(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events)

    @admin.display(description=gettext_lazy("signing secret"))
    def secret_hint(self, endpoint: WebhookEndpoint) -> str:
        return endpoint.secret_hint

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        values = {name: form.cleaned_data[name] for name in ENDPOINT_FIELDS}
        if change:
            services.webhook_endpoint_update(endpoint=obj, actor=_actor(request), **values)
            return
        created = services.webhook_endpoint_create(actor=_actor(request), **values)
        # The admin goes on with its own instance (its log, the page that shows the secret).
        obj.pk, obj.secret = created.pk, created.secret

    def response_add(
        self, request: HttpRequest, obj: WebhookEndpoint, post_url_continue: str | None = None
    ) -> HttpResponse:
        return self._secrets_page(request, [obj])

    def _secrets_page(self, request: HttpRequest, endpoints: list[WebhookEndpoint]) -> HttpResponse:
        # The admin's views already answer "Cache-Control: no-store": no cache keeps the secrets.
        return TemplateResponse(
            request,
            "admin/webhooks/secrets.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Signing secrets"),
                "opts": self.opts,
                "endpoints": endpoints,
                "changelist": reverse("admin:webhooks_webhookendpoint_changelist"),
            },
        )

    @admin.action(description=gettext_lazy("Send a test ping"), permissions=["change"])
    def send_ping(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        sent = 0
        for endpoint in queryset:
            try:
                services.webhook_ping(endpoint=endpoint, actor=_actor(request))
            except services.WebhookError as error:
                messages.warning(request, str(error))
            else:
                sent += 1
        if sent:
            message = ngettext(
                "A ping was queued; see the delivery log for its answer.",
                "%(count)d pings were queued; see the delivery log for their answers.",
                sent,
            ) % {"count": sent}
            messages.success(request, message)

    @admin.action(
        description=gettext_lazy("Roll the signing secret (the old one stops at once)"), permissions=["change"]
    )
    def roll_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> HttpResponse:
        rolled = [
            services.webhook_endpoint_roll_secret(endpoint=endpoint, actor=_actor(request)) for endpoint in queryset
        ]
        return self._secrets_page(request, rolled)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_AdministratorsOnly[WebhookDelivery]):
    """The delivery log: watched, not edited; a finished delivery can be sent again."""

    list_display = (
        "created_at", "event", "endpoint", "status", "attempts", "last_status_code", "last_attempt_at", "delivered_at",
    )  # fmt: skip
    list_filter = ("status", "event", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("uuid", "event_id", "endpoint__name")
    fields = (
        "endpoint", "event", "event_id", "uuid", "status", "attempts", "last_status_code", "last_error", "created_at",
        "last_attempt_at", "next_attempt_at", "delivered_at", "redelivery_of", "payload_json",
    )  # fmt: skip
    readonly_fields = fields
    actions = ("redeliver",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        return can_manage_webhooks(request.user)

    @admin.display(description=gettext_lazy("payload"))
    def payload_json(self, delivery: WebhookDelivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(delivery.payload, indent=2, sort_keys=True))

    @admin.action(description=gettext_lazy("Redeliver"), permissions=["redeliver"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        sent = 0
        for delivery in queryset:
            try:
                services.webhook_redeliver(delivery=delivery, actor=_actor(request))
            except services.WebhookError as error:
                messages.warning(request, str(error))
            else:
                sent += 1
        if sent:
            message = ngettext("A new delivery was queued.", "%(count)d new deliveries were queued.", sent) % {
                "count": sent
            }
            messages.success(request, message)
