"""The Idempotency-Key a client sent with a POST, and the answer to the request it first came with."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """One client's key: the request it was first sent with (method, path, digest of the body), and
    that request's answer, empty while it runs. The client is a digest (of its API key, or of the
    signed-in account for browser sessions), never the key itself."""

    client = models.CharField(_("client"), max_length=64, help_text=_("SHA-256 of the API key or of the account."))
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.TextField(_("path"), help_text=_("With its query string."))
    body_digest = models.CharField(_("body digest"), max_length=64, help_text=_("SHA-256 of the request body."))
    # The run that holds the key: claimed when it started; a retry takes an unanswered claim over
    # only once it is older than any request can run (services.LEASE).
    claimed_at = models.DateTimeField(_("claimed at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    status_code = models.PositiveSmallIntegerField(_("answer status"), null=True, blank=True)
    headers = models.JSONField(_("answer headers"), default=dict, blank=True)
    body = models.BinaryField(_("answer body"), default=b"", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            # The claim: of two requests with the same key, one inserts and the other finds its row.
            models.UniqueConstraint(fields=["client", "key"], name="%(app_label)s_%(class)s_unique_client_key"),
            models.CheckConstraint(
                condition=models.Q(status_code__isnull=True) | models.Q(status_code__gte=100, status_code__lt=600),
                name="%(app_label)s_%(class)s_status_code_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
