"""The Alliance's reference data (members, declarations, targets, goals) and members' commitments.

Every reference fact carries the source document it comes from and, where the fact is a piece of
that document, the excerpt that states it, so that the data can be checked against its sources.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q


class SourceDocument(models.Model):
    """A press release or statement that the reference data is taken from."""

    class Kind(models.TextChoices):
        JOINT_STATEMENT = "joint_statement", "Joint statement"
        PRESS_RELEASE = "press_release", "Press release"
        NEWS_REPORT = "news_report", "News report"

    key = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    published_on = models.DateField(null=True, blank=True)
    date_note = models.CharField(
        max_length=300, blank=True, help_text="How the publication date is known, when the document does not say."
    )
    seed_file = models.CharField(max_length=100, unique=True, help_text="File name of the document as received.")
    text = models.TextField(help_text="The document's full text as received.")

    class Meta:
        ordering = ["published_on", "key"]

    def __str__(self) -> str:
        return f"{self.publisher}: {self.title}"


class SourcedFact(models.Model):
    """Fields shared by every reference fact: where it comes from and the words that state it."""

    source = models.ForeignKey(SourceDocument, on_delete=models.PROTECT, related_name="+")
    excerpt = models.TextField(blank=True, help_text="Words of the source that state this fact, verbatim.")
    note = models.TextField(blank=True, help_text="How the fact is derived from the source, where it is not literal.")

    class Meta:
        abstract = True


class DateBasis(models.TextChoices):
    """How exact a recorded date is: the sources sometimes only show a state of affairs by a date."""

    EXACT = "exact", "On this date"
    NO_LATER_THAN = "no_later_than", "By this date at the latest (exact date not in the sources)"


class MemberState(models.Model):
    name = models.CharField(max_length=100, unique=True)
    iso_code = models.CharField(
        "ISO 3166-1 alpha-2 code",
        max_length=4,
        unique=True,
        help_text=(
            "Kosovo, which has no ISO code, uses the user-assigned code XK. Made-up copies of a member "
            "for benchmarks add two digits to its code (FR07); the reference data uses two letters only."
        ),
    )
    name_source = models.ForeignKey(SourceDocument, on_delete=models.PROTECT, related_name="+")
    listed_as = models.CharField(max_length=100, help_text="The name as written in the source.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_iso_code_format",
                condition=Q(iso_code__regex=r"^[A-Z]{2}([0-9]{2})?$"),
                violation_error_message="The ISO code is two capital letters (and two digits for a benchmark copy).",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(SourcedFact):
    """A period during which a state belonged to the Alliance."""

    member_state = models.ForeignKey(MemberState, on_delete=models.CASCADE, related_name="memberships")
    joined_on = models.DateField()
    joined_on_basis = models.CharField(max_length=16, choices=DateBasis.choices, default=DateBasis.EXACT)
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["member_state__name", "joined_on"]
        constraints = [
            models.UniqueConstraint(
                name="%(app_label)s_%(class)s_one_open_per_state",
                fields=["member_state"],
                condition=Q(left_on__isnull=True),
                violation_error_message="A member state has at most one open membership.",
            ),
            models.UniqueConstraint(name="%(app_label)s_%(class)s_unique_start", fields=["member_state", "joined_on"]),
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_left_after_joined",
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                violation_error_message="A membership cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        until = f" until {self.left_on}" if self.left_on else ""
        return f"{self.member_state} member from {self.joined_on}{until}"

    def clean(self) -> None:
        # Periods of one state must not overlap; the database guards the open one.
        if self.member_state_id is None or self.joined_on is None:
            return
        overlapping = Membership.objects.filter(member_state_id=self.member_state_id).exclude(pk=self.pk)
        overlapping = overlapping.filter(Q(left_on__isnull=True) | Q(left_on__gte=self.joined_on))
        if self.left_on is not None:
            overlapping = overlapping.filter(joined_on__lte=self.left_on)
        if overlapping.exists():
            raise ValidationError("This period overlaps another membership of the same state.")


class EuMembership(SourcedFact):
    """A period during which a member state belonged to the European Union, as the sources show it."""

    member_state = models.ForeignKey(MemberState, on_delete=models.CASCADE, related_name="eu_memberships")
    started_on = models.DateField(
        null=True, blank=True, help_text="Empty: already an EU member when the Alliance's records begin."
    )
    started_on_basis = models.CharField(max_length=16, choices=DateBasis.choices, default=DateBasis.EXACT)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "EU membership"
        ordering = ["member_state__name", "started_on"]
        constraints = [
            models.UniqueConstraint(
                name="%(app_label)s_%(class)s_one_open_per_state",
                fields=["member_state"],
                condition=Q(ended_on__isnull=True),
                violation_error_message="A member state has at most one open EU membership.",
            ),
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_ended_after_started",
                condition=Q(started_on__isnull=True) | Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                violation_error_message="An EU membership cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        since = f"from {self.started_on}" if self.started_on else "from before the Alliance"
        until = f" until {self.ended_on}" if self.ended_on else ""
        return f"{self.member_state} in the EU {since}{until}"


class Conference(SourcedFact):
    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    held_on = models.DateField()

    class Meta:
        ordering = ["held_on"]

    def __str__(self) -> str:
        return f"{self.name} ({self.city}, {self.held_on:%d %B %Y})"


class Declaration(SourcedFact):
    key = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=300)
    adopted_on = models.DateField()
    conference = models.ForeignKey(
        Conference, on_delete=models.PROTECT, null=True, blank=True, related_name="declarations"
    )
    summary = models.TextField(blank=True)
    endorsed_by: "models.ManyToManyField[MemberState, Endorsement]" = models.ManyToManyField(
        MemberState, through="Endorsement", related_name="declarations_endorsed"
    )

    class Meta:
        ordering = ["adopted_on"]

    def __str__(self) -> str:
        return f"{self.title} ({self.adopted_on:%d %B %Y})"


class Endorsement(SourcedFact):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="endorsements")
    member_state = models.ForeignKey(MemberState, on_delete=models.CASCADE, related_name="endorsements")

    class Meta:
        ordering = ["declaration__adopted_on", "member_state__name"]
        constraints = [
            models.UniqueConstraint(name="%(app_label)s_%(class)s_once", fields=["declaration", "member_state"]),
        ]

    def __str__(self) -> str:
        return f"{self.member_state} endorsed {self.declaration.title}"


class PolicyTarget(SourcedFact):
    """One of the four policy targets of the launch declaration."""

    number = models.PositiveSmallIntegerField(unique=True)
    code = models.SlugField(max_length=32, unique=True)
    title = models.CharField(max_length=200)
    statement = models.TextField(help_text="The target as the declaration words it.")
    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="policy_targets")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_number_range", condition=Q(number__gte=1) & Q(number__lte=4)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class OperationalGoal(SourcedFact):
    target = models.ForeignKey(PolicyTarget, on_delete=models.PROTECT, related_name="goals")
    number = models.PositiveSmallIntegerField(unique=True)
    code = models.SlugField(max_length=48, unique=True)
    text = models.TextField()
    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="operational_goals")

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Goal {self.number} ({self.target.code}): {self.text[:80]}"


class PotentialAction(SourcedFact):
    """One of the potential actions that the 2014 ministerial declaration commits members to pursue."""

    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="potential_actions")
    number = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=48, unique=True)
    text = models.TextField()

    class Meta:
        ordering = ["declaration__adopted_on", "number"]
        constraints = [
            models.UniqueConstraint(name="%(app_label)s_%(class)s_number", fields=["declaration", "number"]),
        ]

    def __str__(self) -> str:
        return f"Action {self.number}: {self.text[:80]}"


class SecretariatTenure(SourcedFact):
    """Who held the Alliance's secretariat and presidency, and when."""

    holder = models.CharField(max_length=200)
    started_on = models.DateField()
    started_on_basis = models.CharField(max_length=16, choices=DateBasis.choices, default=DateBasis.EXACT)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["started_on"]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_ended_after_started",
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder} from {self.started_on}"


class SourceDiscrepancy(models.Model):
    """A point on which the sources disagree or are silent, and the choice the data makes."""

    key = models.SlugField(max_length=64, unique=True)
    subject = models.CharField(max_length=200)
    what_the_sources_say = models.TextField()
    choice = models.TextField()
    sources = models.ManyToManyField(SourceDocument, related_name="discrepancies")

    class Meta:
        verbose_name_plural = "source discrepancies"
        ordering = ["key"]

    def __str__(self) -> str:
        return self.subject


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


class Commitment(models.Model):
    """An action a member state has pledged towards a policy target."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        ON_TRACK = "on_track", "On track"
        DELAYED = "delayed", "Delayed"
        COMPLETED = "completed", "Completed"
        DISCONTINUED = "discontinued", "Discontinued"

    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="commitments")
    target = models.ForeignKey(PolicyTarget, on_delete=models.PROTECT, related_name="commitments")
    goal = models.ForeignKey(
        OperationalGoal, on_delete=models.PROTECT, null=True, blank=True, related_name="commitments"
    )
    action = models.ForeignKey(
        PotentialAction, on_delete=models.PROTECT, null=True, blank=True, related_name="commitments"
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    planned_start = models.DateField(null=True, blank=True)
    planned_end = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOT_STARTED)
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

    class Meta:
        ordering = ["member_state__name", "target__number", "title"]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_plan_in_order",
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                violation_error_message="The planned end cannot be before the planned start.",
            ),
        ]
        indexes = [models.Index(fields=["member_state", "target"])]

    def __str__(self) -> str:
        return f"{self.member_state.iso_code}: {self.title}"

    def clean(self) -> None:
        if self.goal is not None and self.target_id is not None and self.goal.target_id != self.target_id:
            raise ValidationError({"goal": "This operational goal belongs to another policy target."})


class Confidentiality(models.TextChoices):
    """Who may read a piece of reported content. Only public content is ever published."""

    PUBLIC = "public", "Public"
    MEMBERS = "members", "Alliance members"
    SECRETARIAT = "secretariat", "Secretariat only"


class Submission(models.Model):
    """A member state's report for one reporting cycle."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for changes"
        ACCEPTED = "accepted", "Accepted"

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
        """Late: first submitted after the due date, or not yet submitted and past it."""
        if self.first_submitted_at is not None:
            return self.first_submitted_at.date() > self.due_on
        return day > self.due_on


class ProgressUpdate(models.Model):
    """What a member state reports about one commitment in one submission."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="updates")
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="progress_updates")
    status = models.CharField(max_length=16, choices=Commitment.Status.choices, default=Commitment.Status.NOT_STARTED)
    completion_percent = models.PositiveSmallIntegerField("completion (%)", default=0)
    narrative = models.TextField(blank=True)
    confidentiality = models.CharField(max_length=16, choices=Confidentiality.choices, default=Confidentiality.MEMBERS)
    icse_victims_identified = models.PositiveIntegerField(
        "victims identified in the ICSE database in the period", null=True, blank=True
    )
    takedown_median_hours = models.DecimalField(
        "median hours from notice to takedown", max_digits=7, decimal_places=1, null=True, blank=True
    )
    figures_source = models.CharField("source of the figures", max_length=300, blank=True)
    needs_revision = models.BooleanField(default=False, help_text="Returned by the reviewer for changes.")
    # Optimistic lock: a save names the version it was edited from; a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    # The id the editor gave the save that made this version: a page recognises its own saves
    # (a retry that already landed, a save sent as the page closed) rather than taking them for
    # someone else's.
    save_id = models.CharField(max_length=64, blank=True, default="")
    updated_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["commitment__target__number", "commitment__title"]
        constraints = [
            models.UniqueConstraint(
                name="%(app_label)s_%(class)s_one_per_commitment", fields=["submission", "commitment"]
            ),
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_percent_range",
                condition=Q(completion_percent__gte=0) & Q(completion_percent__lte=100),
                violation_error_message="Completion is between 0 and 100 percent.",
            ),
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_takedown_hours_positive",
                condition=Q(takedown_median_hours__isnull=True) | Q(takedown_median_hours__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"Update on {self.commitment}"

    def clean(self) -> None:
        if self.completion_percent is not None and self.completion_percent > 100:
            raise ValidationError({"completion_percent": "Completion cannot exceed 100 percent."})
        if self.status == Commitment.Status.COMPLETED and self.completion_percent != 100:
            raise ValidationError({"completion_percent": "A completed commitment is 100 percent complete."})


class Milestone(models.Model):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="milestones")
    due_on = models.DateField("date")
    title = models.CharField(max_length=300)
    done = models.BooleanField(default=False)

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


class SubmissionSnapshot(models.Model):
    """The content of a submission as it was submitted (or accepted): the basis of the reviewer's diffs."""

    class Event(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"

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
        DUE_SOON = "due_soon", "Due soon"
        OVERDUE = "overdue", "Overdue"

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
