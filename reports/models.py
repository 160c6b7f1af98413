"""Compiled progress reports of a reporting cycle."""

from django.db import models

from .storage import report_storage


class CompiledReport(models.Model):
    class Edition(models.TextChoices):
        SECRETARIAT = "secretariat", "Secretariat edition (everything)"
        PUBLIC = "public", "Public edition (public content only)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    cycle = models.ForeignKey("commitments.ReportingCycle", on_delete=models.PROTECT, related_name="reports")
    edition = models.CharField(max_length=16, choices=Edition.choices)
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
                fields=["cycle", "edition", "data_version"],
                condition=~models.Q(data_version=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} — {self.get_edition_display()} ({self.get_status_display()})"

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
