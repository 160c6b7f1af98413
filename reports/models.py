"""Compiled progress reports of a reporting cycle."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from commitments.models.wording import TextLanguage

from .storage import report_storage


class CompiledReport(models.Model):
    class Edition(models.TextChoices):
        SECRETARIAT = "secretariat", _("Secretariat edition (everything)")
        PUBLIC = "public", _("Public edition (public content only)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    cycle = models.ForeignKey("commitments.ReportingCycle", on_delete=models.PROTECT, related_name="reports")
    edition = models.CharField(max_length=16, choices=Edition.choices)
    # The language of its labels, dates and numbers (the texts members wrote stay in theirs).
    language = models.CharField(_("language"), max_length=8, choices=TextLanguage.choices, default=TextLanguage.ENGLISH)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    data_version = models.CharField(max_length=32, blank=True, help_text="Digest of the data it was built from.")
    is_final = models.BooleanField(default=False, help_text="Built after the cycle's due date.")
    timings = models.JSONField(default=dict, blank=True, help_text="Seconds each step of the compile took.")
    same_as = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The report already built from the same data, which this request was answered with.",
    )
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A worker killed mid-compile leaves its report running and its task unacknowledged until the
    # broker's visibility timeout (an hour); these let the recovery job notice it within a minute.
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The running compile's last sign of life (its progress, or a beat every few seconds); "
        "while it waits for a retry, the time the retry is due.",
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Compiles started: a retry after an error, or a requeue after a worker died, is one more."
    )
    requeued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its compile was last found stalled (its worker gone) and requeued."
    )
    # Which worker built it: with several workers on several hosts, where to look for its logs.
    compiled_by = models.CharField(
        max_length=255,
        blank=True,
        help_text="The Celery worker (name@host) that last started its compile.",
    )
    # Publication: the secretariat's deliberate act that makes a public edition the Alliance's
    # report of its cycle. Nothing else is ever shown outside the secretariat; a withdrawal keeps
    # the record (who, when, why) and another report of the cycle may then be published.
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    withdrawal_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_progress_range", condition=models.Q(progress__lte=100)
            ),
            # The idempotency key: one report per cycle, edition and data version, however many
            # requests, retries or schedules ask for it.
            models.UniqueConstraint(
                name="%(app_label)s_%(class)s_one_per_data_version",
                fields=["cycle", "edition", "language", "data_version"],
                condition=~models.Q(data_version=""),
            ),
            # One published report per cycle at a time; only a finished public edition is published.
            models.UniqueConstraint(
                name="%(app_label)s_%(class)s_one_published_per_cycle",
                fields=["cycle"],
                condition=models.Q(published_at__isnull=False, withdrawn_at__isnull=True),
            ),
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_only_public_done_published",
                condition=models.Q(published_at__isnull=True) | models.Q(edition="public", status="done"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} — {self.get_edition_display()} ({self.get_status_display()})"

    @property
    def is_published(self) -> bool:
        """Published and not withdrawn: the Alliance's report of its cycle, visible to everyone."""
        return self.published_at is not None and self.withdrawn_at is None

    @property
    def built(self) -> "CompiledReport":
        """The report holding the files: this one, or the one it was answered with."""
        return self.same_as or self


def report_file_path(instance: "ReportFile", filename: str) -> str:
    report = instance.report
    return f"reports/{report.cycle_id}/{report.edition}/{report.pk}/{filename}"


class ReportFile(models.Model):
    """One format of a compiled report, with the SHA-256 of its bytes."""

    class Format(models.TextChoices):
        HTML = "html", "HTML"
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "XLSX"
        JSON = "json", "JSON"
        CSV = "csv", "CSV"

    CONTENT_TYPES = {
        "html": "text/html; charset=utf-8",
        "pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "json": "application/json",
        "csv": "text/csv; charset=utf-8",
    }

    report = models.ForeignKey(CompiledReport, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=8, choices=Format.choices)
    file = models.FileField(upload_to=report_file_path, storage=report_storage, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["report", "format"]
        constraints = [
            models.UniqueConstraint(name="%(app_label)s_%(class)s_one_per_format", fields=["report", "format"])
        ]

    def __str__(self) -> str:
        return f"{self.report} ({self.format})"


class CompletenessSummarySent(models.Model):
    """The weekly completeness summary of a week went out: sent once however often the job runs."""

    week_of = models.DateField(unique=True, help_text="The Monday of the week.")
    recipients = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "completeness summaries sent"

    def __str__(self) -> str:
        return f"Completeness summary, week of {self.week_of}"


class PublicationNoticeSent(models.Model):
    """The contacts were told of a publication: once per publication (a report published again
    after a withdrawal is a new one), however often the notifying job runs."""

    report = models.ForeignKey(CompiledReport, on_delete=models.CASCADE, related_name="+")
    published_at = models.DateTimeField(help_text="The publication told of (the report's `published_at` then).")
    recipients = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "publication notices sent"
        constraints = [
            models.UniqueConstraint(
                name="%(app_label)s_%(class)s_once_per_publication", fields=["report", "published_at"]
            )
        ]

    def __str__(self) -> str:
        return f"Publication of {self.report} on {self.published_at:%Y-%m-%d %H:%M}"
