"""What waits in PostgreSQL while Redis is away."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task asked for by a write: saved in the write's transaction, so that it exists
    exactly when the write does, and sent to the broker once the transaction commits or, if the
    broker cannot take it then, by the relay when it can (jobs.outbox)."""

    task = models.CharField(_("task"), max_length=200, help_text=_("The Celery task's registered name."))
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    task_id = models.CharField(
        _("task id"), max_length=255, help_text=_("Sent as the task's id: a message sent twice is recognisable.")
    )
    created_at = models.DateTimeField(_("asked for at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["pk"]
        indexes = [
            # The relay and /healthz only ever look for the messages still waiting.
            models.Index(fields=["id"], condition=models.Q(sent_at__isnull=True), name="jobs_outbox_waiting"),
        ]

    def __str__(self) -> str:
        return f"{self.task}[{self.task_id}]"


class StaleCacheKey(models.Model):
    """A cache key whose write (a set, a delete, the data version's bump) did not reach Redis. Redis
    may still hold the entry from before, now stale, and give it back once reachable: the first
    process to reach it again deletes every key listed here (alliance.cache)."""

    key = models.CharField(_("key"), max_length=1000, unique=True)
    noted_at = models.DateTimeField(_("noted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stale cache key")
        verbose_name_plural = _("stale cache keys")

    def __str__(self) -> str:
        return self.key
