"""Compiled progress reports of a reporting cycle."""

from django.db import models


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
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_progress_range", condition=models.Q(progress__lte=100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} — {self.get_edition_display()} ({self.get_status_display()})"
