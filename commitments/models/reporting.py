"""Reporting: cycles, the commitments members pledge, their submissions and progress updates, and
what the workflow records of them (snapshots, comments, evidence, history, reminders)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .record import MemberState, OperationalGoal, PolicyTarget, PotentialAction, SourceDocument
from .wording import TextLanguage


class ReportingCycle(models.Model):
    """A reporting round: the period it covers, when reporting opens and when it is due."""

    name = models.CharField(max_length=100, unique=True)
    period_start = models.DateField()
    period_end = models.DateField()
    opens_on = models.DateField()
    due_on = models.DateField()
    source = models.ForeignKey(SourceDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    excerpt = models.TextField(blank=True)
    is_demo = models.BooleanField(default=False, help_text="Made up for demonstration; not a reference fact.")

    class Meta:
        ordering = ["due_on"]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_period_in_order",
                condition=Q(period_end__gte=F("period_start")),
                violation_error_message="The period cannot end before it starts.",
            ),
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_due_after_opening",
                condition=Q(due_on__gte=F("opens_on")),
                violation_error_message="A cycle cannot be due before it opens.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_open_on(self, day: date) -> bool:
        return self.opens_on <= day <= self.due_on

    def is_overdue_on(self, day: date) -> bool:
        """Past its due date: a member due to report that has not started is late."""
        return day > self.due_on


class GoalCode:
    """The operational goals whose figures the tracker asks for (codes of OperationalGoal)."""

    ICSE = "icse-identified-victims"
    TAKEDOWN = "notice-and-takedown-speed"


# The figures a progress update may carry, by the operational goal of its commitment: a figure is
# asked, stored and counted only where the goal measures it.
FIGURES_BY_GOAL: dict[str, tuple[str, ...]] = {
    GoalCode.ICSE: ("icse_victims_identified",),
    GoalCode.TAKEDOWN: ("takedown_median_hours",),
}
FIGURE_FIELDS = ("icse_victims_identified", "takedown_median_hours")


def figure_fields_for(goal_code: str | None) -> tuple[str, ...]:
    """The figure fields (and, where there is one, their source) of a commitment under this goal."""
    figures = FIGURES_BY_GOAL.get(goal_code or "", ())
    return (*figures, "figures_source") if figures else ()


def changed_xid_field() -> models.BigIntegerField:  # type: ignore[type-arg]
    """The id of the transaction that last wrote the row, set by a database trigger on every insert
    and update (migration 0010), whatever wrote it: the API's change feed (`updated_since`)."""
    return models.BigIntegerField(default=0, db_index=True, editable=False)


class Commitment(models.Model):
    """An action a member state has pledged towards a policy target."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        ON_TRACK = "on_track", _("On track")
        DELAYED = "delayed", _("Delayed")
        COMPLETED = "completed", _("Completed")
        DISCONTINUED = "discontinued", _("Discontinued")

    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="commitments")
    target = models.ForeignKey(PolicyTarget, on_delete=models.PROTECT, related_name="commitments")
    goal = models.ForeignKey(
        OperationalGoal, on_delete=models.PROTECT, null=True, blank=True, related_name="commitments"
    )
    action = models.ForeignKey(
        PotentialAction, on_delete=models.PROTECT, null=True, blank=True, related_name="commitments"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NOT_STARTED)
    is_demo = models.BooleanField(default=False, help_text="Made up for demonstration; not a real pledge.")
    pledged_in = models.ForeignKey(
        ReportingCycle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pledges",
        help_text="The reporting cycle in which a national contact added this pledge.",
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    changed_xid = changed_xid_field()

    class Meta:
        ordering = ["member_state__name", "target__number", "title"]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_plan_in_order",
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                violation_error_message=_("The planned end cannot be before the planned start."),
            ),
        ]
        indexes = [models.Index(fields=["member_state", "target"])]

    def __str__(self) -> str:
        return f"{self.member_state.iso_code}: {self.title}"

    @property
    def figure_fields(self) -> tuple[str, ...]:
        return figure_fields_for(self.goal.code if self.goal else None)

    def clean(self) -> None:
        if self.goal is not None and self.target_id is not None and self.goal.target_id != self.target_id:
            raise ValidationError({"goal": _("This operational goal belongs to another policy target.")})
        if self.pk is not None:
            # A new goal must measure every figure already reported on this commitment.
            kept = set(self.figure_fields)
            reported = [
                name
                for name in FIGURE_FIELDS
                if name not in kept
                and ProgressUpdate.objects.filter(commitment_id=self.pk, **{f"{name}__isnull": False}).exists()
            ]
            if reported:
                raise ValidationError(
                    {
                        "goal": _(
                            "Progress updates on this commitment report figures that this operational goal "
                            "does not measure; the goal cannot change."
                        )
                    }
                )


class Confidentiality(models.TextChoices):
    """Who may read a piece of reported content. Only public content is ever published."""

    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Alliance members")
    SECRETARIAT = "secretariat", _("Secretariat only")


class Submission(models.Model):
    """A member state's report for one reporting cycle."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        ACCEPTED = "accepted", _("Accepted")

    EDITABLE = (Status.DRAFT, Status.RETURNED)

    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="submissions")
    cycle = models.ForeignKey(ReportingCycle, on_delete=models.PROTECT, related_name="submissions")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Bumped by every change to the submission or its updates: a reviewer's decision names the
    # version it was taken on, so content the reviewer did not see is never accepted.
    version = models.PositiveIntegerField(default=1)
    round = models.PositiveSmallIntegerField(default=0, help_text="How many times it has been submitted.")
    extended_due_on = models.DateField(null=True, blank=True, help_text="Extension granted by the secretariat.")
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    changed_xid = changed_xid_field()

    class Meta:
        ordering = ["cycle__due_on", "member_state__name"]
        constraints = [
            models.UniqueConstraint(name="%(app_label)s_%(class)s_one_per_cycle", fields=["member_state", "cycle"]),
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_accepted_has_time",
                condition=~Q(status="accepted") | Q(accepted_at__isnull=False),
            ),
        ]
        permissions = [
            ("review_submission", "Can review, return and accept submissions"),
            ("grant_extension", "Can grant a member state more time for a cycle"),
        ]

    def __str__(self) -> str:
        return f"{self.member_state} — {self.cycle}"

    @property
    def due_on(self) -> date:
        return self.extended_due_on or self.cycle.due_on

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    def is_late_on(self, day: date) -> bool:
        """Late: first submitted after the due date (with any extension), or not yet submitted and
        past it. `late_expression` is the same rule in SQL; a member with no submission at all is
        late once the cycle is overdue (`ReportingCycle.is_overdue_on`)."""
        if self.first_submitted_at is not None:
            return self.first_submitted_at.date() > self.due_on
        return day > self.due_on

    @staticmethod
    def late_expression(today: date) -> Case:
        """`is_late_on(today)` computed by the database, for lists filtered or counted by lateness."""
        due = Coalesce("extended_due_on", "cycle__due_on")
        return Case(
            When(Q(first_submitted_at__isnull=False) & Q(first_submitted_at__date__gt=due), then=Value(True)),
            When(
                Q(first_submitted_at__isnull=True) & Q(cycle__due_on__lt=today, extended_due_on__isnull=True),
                then=Value(True),
            ),
            When(Q(first_submitted_at__isnull=True) & Q(extended_due_on__lt=today), then=Value(True)),
            default=Value(False),
            output_field=models.BooleanField(),
        )


class ReportingState(models.TextChoices):
    """Where a member stands in a cycle (`commitments.standing`): its submission's status, or
    that it has none yet, or that it was not due to report (not a member on the due date)."""

    NOT_DUE = "not_due", _("Not due")
    NOT_STARTED = "not_started", _("Not started")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    ACCEPTED = "accepted", _("Accepted")


# What a progress update reports (the fields a person writes; milestones and evidence aside).
UPDATE_FIELDS = (
    "status",
    "completion_percent",
    "narrative",
    "confidentiality",
    "icse_victims_identified",
    "takedown_median_hours",
    "figures_source",
)


class ProgressUpdate(models.Model):
    """What a member state reports about one commitment in one submission."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="updates")
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="progress_updates")
    status = models.CharField(
        _("status"), max_length=16, choices=Commitment.Status.choices, default=Commitment.Status.NOT_STARTED
    )
    completion_percent = models.PositiveSmallIntegerField(_("completion (%)"), default=0)
    narrative = models.TextField(_("narrative"), blank=True)
    # The language the narrative is written in: the writer's, recorded with each change of the text
    # (readers and reports say it when it is not theirs).
    narrative_language = models.CharField(
        _("language of the narrative"), max_length=8, choices=TextLanguage.choices, default=TextLanguage.ENGLISH
    )
    confidentiality = models.CharField(
        _("confidentiality"), max_length=16, choices=Confidentiality.choices, default=Confidentiality.MEMBERS
    )
    icse_victims_identified = models.PositiveIntegerField(
        _("victims identified in the ICSE database in the period"), null=True, blank=True
    )
    takedown_median_hours = models.DecimalField(
        _("median hours from notice to takedown"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    figures_source = models.CharField(_("source of the figures"), max_length=300, blank=True)
    needs_revision = models.BooleanField(default=False, help_text="Returned by the reviewer for changes.")
    # Optimistic lock: a save names the version it was edited from; a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    # The id the editor gave the save that made this version: a page recognises its own saves
    # (a retry that already landed, a save sent as the page closed) rather than taking them for
    # someone else's.
    save_id = models.CharField(max_length=64, blank=True, default="")
    updated_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    changed_xid = changed_xid_field()

    class Meta:
        ordering = ["commitment__target__number", "commitment__title"]
        constraints = [
            models.UniqueConstraint(
                name="%(app_label)s_%(class)s_one_per_commitment", fields=["submission", "commitment"]
            ),
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_percent_range",
                condition=Q(completion_percent__gte=0) & Q(completion_percent__lte=100),
                violation_error_message=_("Completion is between 0 and 100 percent."),
            ),
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_takedown_hours_positive",
                condition=Q(takedown_median_hours__isnull=True) | Q(takedown_median_hours__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"Update on {self.commitment}"

    def clean(self) -> None:
        errors: dict[str, str | Promise] = {}
        if self.completion_percent is not None and self.completion_percent > 100:
            errors["completion_percent"] = _("Completion cannot exceed 100 percent.")
        elif self.status == Commitment.Status.COMPLETED and self.completion_percent != 100:
            errors["completion_percent"] = _("A completed commitment is 100 percent complete.")
        if self.commitment_id is not None:
            allowed = self.commitment.figure_fields
            for name in (*FIGURE_FIELDS, "figures_source"):
                if name not in allowed and getattr(self, name) not in (None, ""):
                    errors[name] = _("This commitment's operational goal does not measure this figure; leave it empty.")
        if errors:
            raise ValidationError(errors)


class Milestone(models.Model):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="milestones")
    due_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=300)
    done = models.BooleanField(_("done"), default=False)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.due_on}: {self.title}"


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    # Stored under a generated name; the person's file name is kept only as data.
    return f"evidence/{instance.stored_name}"


class Evidence(models.Model):
    """A file attached to a progress update as evidence."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_upload_to, max_length=200)
    stored_name = models.CharField(max_length=100, unique=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ReviewComment(models.Model):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField()
    round = models.PositiveSmallIntegerField(help_text="The submission round the comment was made on.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment on {self.update}"


class SpreadsheetImport(models.Model):
    """A spreadsheet of a report's updates, filled offline and uploaded: read and checked row by
    row (the preview kept in `rows`), applied only when the person confirms."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="spreadsheet_imports")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    # Per row: its line, commitment, outcome, the changes it brings, its cells' errors, and the
    # values and the version (at download) it would be saved with.
    rows = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} for {self.submission}"


class SubmissionSnapshot(models.Model):
    """The content of a submission as it was submitted (or accepted): the basis of the reviewer's diffs."""

    class Event(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="snapshots")
    round = models.PositiveSmallIntegerField()
    event = models.CharField(max_length=16, choices=Event.choices)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "round", "created_at"]
        constraints = [
            models.UniqueConstraint(name="%(app_label)s_%(class)s_once", fields=["submission", "round", "event"]),
        ]

    def __str__(self) -> str:
        return f"{self.submission} round {self.round} ({self.event})"


class HistoryEntry(models.Model):
    """One recorded change: who, when, to what, and the values before and after.

    Written by the service functions for every change they make, whether called from a page, the
    API, a Celery job or a command, and by the admin.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=254, help_text="Who, as named at the time (or the job).")
    member_state = models.ForeignKey(
        MemberState, on_delete=models.CASCADE, null=True, blank=True, related_name="history"
    )
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="history")
    subject_type = models.CharField(max_length=32)
    subject_id = models.BigIntegerField()
    subject_label = models.CharField(max_length=300)
    action = models.CharField(max_length=32)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "history entries"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.subject_label}"


class ReminderSent(models.Model):
    """A reminder email sent to a member state's contacts: at most one per kind and day."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")

    member_state = models.ForeignKey(MemberState, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(ReportingCycle, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sent_on = models.DateField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_on"]
        constraints = [
            models.UniqueConstraint(
                name="%(app_label)s_%(class)s_once_a_day", fields=["member_state", "cycle", "kind", "sent_on"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder to {self.member_state} for {self.cycle} on {self.sent_on}"
