"""Webhook endpoints (where the secretariat's integrations listen) and the log of deliveries to them."""

import secrets
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import targets


class Event(models.TextChoices):
    SUBMISSION_SUBMITTED = "submission.submitted", _("Submission submitted")
    SUBMISSION_ACCEPTED = "submission.accepted", _("Submission accepted")
    REPORT_PUBLISHED = "report.published", _("Report published")
    # Sent from the admin to check an endpoint; never subscribed to.
    PING = "ping", _("Test ping")


SUBSCRIBABLE = [(event.value, event.label) for event in Event if event != Event.PING]


def new_secret() -> str:
    return f"whsec_{secrets.token_hex(32)}"


class WebhookEndpoint(models.Model):
    """A receiver of an integration: its URL, the events it wants and the secret its deliveries
    are signed with (generated here; shown once, when created or rolled)."""

    name = models.CharField(_("name"), max_length=200, help_text=_("Which integration listens here."))
    url = models.URLField(
        _("URL"),
        max_length=2000,
        validators=[URLValidator(schemes=list(targets.SCHEMES))],
        help_text=_("The https:// address the deliveries are posted to. Redirects are not followed."),
    )
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret, editable=False)
    # Blank as far as the field goes: clean() says what is missing ("choose at least one event").
    events = models.JSONField(_("events"), default=list, blank=True, help_text=_("The events sent to this endpoint."))
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive endpoint is sent nothing, not even pending retries.")
    )
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        subscribable = {value for value, _label in SUBSCRIBABLE}
        if not isinstance(self.events, list) or not self.events or not set(self.events) <= subscribable:
            errors["events"] = [_("Choose at least one event.")]
        else:
            # Kept in a fixed order, so that a change of subscription is a readable change in the history.
            self.events = sorted(set(self.events))
        try:
            targets.check(self.url)
        except ValidationError as error:
            errors["url"] = error.messages
        if errors:
            raise ValidationError(errors)

    def wants(self, event: str) -> bool:
        return self.is_active and event in self.events

    @property
    def secret_hint(self) -> str:
        """Enough of the secret to tell which one a receiver holds, not enough to sign with it."""
        return f"{self.secret[:10]}…"


class WebhookDelivery(models.Model):
    """One event for one endpoint, and how sending it went: the delivery log.

    Attempts, the last answer and the last error are kept on the row; `claimed_until` is the lease
    of the attempt under way, so that two runs of the job never post the same delivery at once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    event_id = models.UUIDField(
        _("event id"), db_index=True, help_text=_("The payload's id: the same for every endpoint and redelivery.")
    )
    uuid = models.UUIDField(
        _("delivery id"),
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text=_("Sent as X-Alliance-Delivery; the same on each retry of this delivery."),
    )
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("attempt under way until"), null=True, blank=True, editable=False)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("redelivery of")
    )

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweep for stalled deliveries only ever looks at the pending ones.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhooks_delivery_pending"),
        ]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_delivered_has_time",
                condition=Q(status="delivered", delivered_at__isnull=False) | ~Q(status="delivered"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.uuid}"
