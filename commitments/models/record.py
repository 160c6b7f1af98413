"""The Alliance's record: its source documents, members and memberships, conferences,
declarations, policy targets, operational goals, potential actions, secretariat tenures, and the
choices made where the sources disagree or are silent.

Every reference fact carries the source document it comes from and, where the fact is a piece of
that document, the excerpt that states it, so that the data can be checked against its sources.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alliance.formats import long_date

from .wording import UNOFFICIAL_HELP, Worded


class SourceDocument(models.Model):
    """A press release or statement that the reference data is taken from.

    Where the text itself does not state its title, publisher or date, the value recorded is the
    tracker's inference, flagged as such with the reason, so that nobody cites it as the document's own.
    """

    class Kind(models.TextChoices):
        JOINT_STATEMENT = "joint_statement", _("Joint statement")
        PRESS_RELEASE = "press_release", _("Press release")
        NEWS_REPORT = "news_report", _("News report")

    key = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    published_on = models.DateField(null=True, blank=True)
    date_note = models.CharField(
        max_length=300, blank=True, help_text="How the publication date is known, when the document does not say."
    )
    title_inferred = models.BooleanField(
        default=False, help_text="The text states no title: this one is the tracker's description of it."
    )
    title_note = models.CharField(max_length=300, blank=True, help_text="Why the title is what it is, when inferred.")
    publisher_inferred = models.BooleanField(
        default=False, help_text="The text does not name its publisher: this one is inferred."
    )
    publisher_note = models.CharField(
        max_length=300, blank=True, help_text="How the publisher is known, when the text does not say it plainly."
    )
    published_on_inferred = models.BooleanField(
        default=False, help_text="The text gives no date: this one is inferred (the date note says how)."
    )
    seed_file = models.CharField(max_length=100, unique=True, help_text="File name of the document as received.")
    text = models.TextField(help_text="The document's full text as received.")

    class Meta:
        ordering = ["published_on", "key"]
        constraints = [
            # An inference without its reason could not be checked against the text.
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_inferred_title_has_reason",
                condition=Q(title_inferred=False) | ~Q(title_note=""),
                violation_error_message="Say why the title is inferred.",
            ),
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_inferred_publisher_has_reason",
                condition=Q(publisher_inferred=False) | ~Q(publisher_note=""),
                violation_error_message="Say why the publisher is inferred.",
            ),
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_inferred_date_has_reason",
                condition=Q(published_on_inferred=False) | (Q(published_on__isnull=False) & ~Q(date_note="")),
                violation_error_message="An inferred date is a date, with the reason in the date note.",
            ),
        ]

    def __str__(self) -> str:
        inferred = self.inferred_attributes
        flag = f" ({' and '.join(inferred)} inferred)" if inferred else ""
        return f"{self.publisher}: {self.title}{flag}"

    @property
    def inferred_attributes(self) -> list[str]:
        """The attributes the text does not state, in the order title, publisher, date."""
        flags = {"title": self.title_inferred, "publisher": self.publisher_inferred, "date": self.published_on_inferred}
        return [name for name, inferred in flags.items() if inferred]

    @property
    def cited_title(self) -> str:
        """The title as the pages and the API cite it: an inferred one says so."""
        return f"{self.title} (title inferred: the text has none)" if self.title_inferred else self.title


class SourcedFact(models.Model):
    """Fields shared by every reference fact: where it comes from and the words that state it."""

    source = models.ForeignKey(SourceDocument, on_delete=models.PROTECT, related_name="+")
    excerpt = models.TextField(blank=True, help_text="Words of the source that state this fact, verbatim.")
    note = models.TextField(blank=True, help_text="How the fact is derived from the source, where it is not literal.")

    class Meta:
        abstract = True


class DateBasis(models.TextChoices):
    """How a recorded date is known: the sources sometimes only show a state of affairs by a date,
    imply a date without stating it, or announce beforehand something they do not report as done."""

    EXACT = "exact", _("On this date")
    NO_LATER_THAN = "no_later_than", _("By this date at the latest (exact date not in the sources)")
    INFERRED = "inferred", _("Inferred (the sources do not state this date)")
    ANNOUNCED = "announced", _("Announced in the source for this date (not reported as done)")
    BEFORE_RECORDS = "before_records", _("Before the Alliance's records begin (date not in the sources)")


class MemberState(models.Model):
    name = models.CharField(max_length=100, unique=True)
    iso_code = models.CharField(
        "ISO 3166-1 alpha-2 code",
        max_length=2,
        unique=True,
        help_text="Kosovo, which has no ISO code, uses the user-assigned code XK.",
    )
    name_source = models.ForeignKey(SourceDocument, on_delete=models.PROTECT, related_name="+")
    listed_as = models.CharField(max_length=100, help_text="The name as written in the source.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_iso_code_format",
                condition=Q(iso_code__regex=r"^[A-Z]{2}$"),
                violation_error_message="The ISO code is two capital letters.",
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

    @staticmethod
    def on(day: date, prefix: str = "") -> Q:
        """The periods that include `day` (a state joining that day is a member; one leaving that
        day is not). `prefix` reaches memberships from another model (e.g. "memberships__")."""
        return Q(**{f"{prefix}joined_on__lte": day}) & (
            Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": day})
        )

    def covers(self, day: date) -> bool:
        """The same rule as `on()`, for a period already loaded."""
        return self.joined_on <= day and (self.left_on is None or self.left_on > day)

    def clean(self) -> None:
        # Periods of one state must not overlap; the database guards the open one.
        if self.member_state_id is None or self.joined_on is None:
            return
        overlapping = Membership.objects.filter(member_state_id=self.member_state_id).exclude(pk=self.pk)
        overlapping = overlapping.filter(Q(left_on__isnull=True) | Q(left_on__gte=self.joined_on))
        if self.left_on is not None:
            overlapping = overlapping.filter(joined_on__lte=self.left_on)
        if overlapping.exists():
            raise ValidationError(_("This period overlaps another membership of the same state."))


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


class Declaration(Worded, SourcedFact):
    key = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=300)
    adopted_on = models.DateField()
    conference = models.ForeignKey(
        Conference, on_delete=models.PROTECT, null=True, blank=True, related_name="declarations"
    )
    summary = models.TextField(blank=True)
    title_fr = models.CharField(_("title in French"), max_length=300, blank=True, help_text=UNOFFICIAL_HELP)
    title_es = models.CharField(_("title in Spanish"), max_length=300, blank=True, help_text=UNOFFICIAL_HELP)
    summary_fr = models.TextField(_("summary in French"), blank=True, help_text=UNOFFICIAL_HELP)
    summary_es = models.TextField(_("summary in Spanish"), blank=True, help_text=UNOFFICIAL_HELP)
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


class PolicyTarget(Worded, SourcedFact):
    """One of the four policy targets of the launch declaration."""

    number = models.PositiveSmallIntegerField(unique=True)
    code = models.SlugField(max_length=32, unique=True)
    title = models.CharField(max_length=200)
    statement = models.TextField(help_text="The target as the declaration words it.")
    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="policy_targets")
    title_fr = models.CharField(_("title in French"), max_length=200, blank=True, help_text=UNOFFICIAL_HELP)
    title_es = models.CharField(_("title in Spanish"), max_length=200, blank=True, help_text=UNOFFICIAL_HELP)
    statement_fr = models.TextField(_("statement in French"), blank=True, help_text=UNOFFICIAL_HELP)
    statement_es = models.TextField(_("statement in Spanish"), blank=True, help_text=UNOFFICIAL_HELP)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_number_range", condition=Q(number__gte=1) & Q(number__lte=4)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class OperationalGoal(Worded, SourcedFact):
    worded_as = "text"
    target = models.ForeignKey(PolicyTarget, on_delete=models.PROTECT, related_name="goals")
    number = models.PositiveSmallIntegerField(unique=True)
    code = models.SlugField(max_length=48, unique=True)
    text = models.TextField()
    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="operational_goals")
    text_fr = models.TextField(_("text in French"), blank=True, help_text=UNOFFICIAL_HELP)
    text_es = models.TextField(_("text in Spanish"), blank=True, help_text=UNOFFICIAL_HELP)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Goal {self.number} ({self.target.code}): {self.text[:80]}"


class PotentialAction(Worded, SourcedFact):
    """One of the potential actions that the 2014 ministerial declaration commits members to pursue."""

    worded_as = "text"

    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="potential_actions")
    number = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=48, unique=True)
    text = models.TextField()
    text_fr = models.TextField(_("text in French"), blank=True, help_text=UNOFFICIAL_HELP)
    text_es = models.TextField(_("text in Spanish"), blank=True, help_text=UNOFFICIAL_HELP)

    class Meta:
        ordering = ["declaration__adopted_on", "number"]
        constraints = [
            models.UniqueConstraint(name="%(app_label)s_%(class)s_number", fields=["declaration", "number"]),
        ]

    def __str__(self) -> str:
        return f"Action {self.number}: {self.text[:80]}"


class SecretariatTenure(SourcedFact):
    """Who held the Alliance's secretariat and presidency, and when.

    A tenure whose start is `DateBasis.ANNOUNCED` was announced for that date; the sources do not
    say it began, so it is not a tenure that started.
    """

    holder = models.CharField(max_length=200)
    started_on = models.DateField()
    started_on_basis = models.CharField(max_length=16, choices=DateBasis.choices, default=DateBasis.EXACT)
    ended_on = models.DateField(null=True, blank=True, help_text="Empty when no source says the tenure ended.")

    class Meta:
        ordering = ["started_on"]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_ended_after_started",
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
            ),
        ]

    def __str__(self) -> str:
        if self.is_announced:
            return f"{self.holder}: announced from {self.started_on} (not reported as done)"
        inferred = " (start inferred)" if self.started_on_basis == DateBasis.INFERRED else ""
        return f"{self.holder} from {self.started_on}{inferred}"

    @property
    def is_announced(self) -> bool:
        return self.started_on_basis == DateBasis.ANNOUNCED


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


class MembershipChange(models.Model):
    """A change the secretariat records after the reference sources: a member leaving the
    Alliance, or leaving the European Union, with the document that records it.

    The reference data stops at its latest source (30 September 2014); what happened since is
    recorded here, each change with its own source, and ends the period it names (the period's
    `left_on` or `ended_on`). Made through `services.membership_change_record`, which checks these
    rules (`clean()`) under a lock of the period; a recorded change is kept, not edited."""

    class Kind(models.TextChoices):
        LEFT_ALLIANCE = "left_alliance", _("Left the Alliance")
        LEFT_EU = "left_eu", _("Left the European Union")

    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="membership_changes", verbose_name=_("member state")
    )
    kind = models.CharField(_("change"), max_length=16, choices=Kind.choices)
    ended_on = models.DateField(
        _("ended on"), help_text=_("The day the membership ended: no longer a member that day.")
    )
    source_reference = models.CharField(
        _("source document"),
        max_length=300,
        blank=True,
        help_text=_("The document that records the change: its publisher, title or number, as it can be cited."),
    )
    source_url = models.URLField(_("source address (URL)"), max_length=500, blank=True)
    source_published_on = models.DateField(_("source date"), help_text=_("When the source was published."))
    excerpt = models.TextField(_("excerpt"), blank=True, help_text=_("Words of the source that state the change."))
    note = models.TextField(_("note"), blank=True)
    membership = models.OneToOneField(
        Membership, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="end"
    )
    eu_membership = models.OneToOneField(
        EuMembership, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="end"
    )
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership change")
        ordering = ["ended_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_source_named",
                condition=~Q(source_reference="") | ~Q(source_url=""),
                violation_error_message=_("Name the document that records the change."),
            ),
            # The period a change ends is of its kind: an Alliance membership, or an EU membership.
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_ends_its_kind_of_period",
                condition=(Q(kind="left_alliance") & Q(eu_membership__isnull=True))
                | (Q(kind="left_eu") & Q(membership__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state}: {self.get_kind_display()} on {self.ended_on}"

    def open_period(self) -> "Membership | EuMembership | None":
        """The open period of the member state that this change would end."""
        periods = (
            self.member_state.memberships if self.kind == self.Kind.LEFT_ALLIANCE else self.member_state.eu_memberships
        )
        field = "left_on" if self.kind == self.Kind.LEFT_ALLIANCE else "ended_on"
        return periods.filter(**{f"{field}__isnull": True}).first()

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not self.source_reference.strip() and not self.source_url.strip():
            errors["source_reference"] = gettext(
                "Name the document that records the change: its reference, its address (URL), or both."
            )
        if self.source_published_on is not None and self.source_published_on > timezone.localdate():
            errors["source_published_on"] = gettext(
                "This date is in the future: give the date the source was published."
            )
        # A change already recorded ended its period; only a new one is checked against the periods.
        if self.pk is None and self.member_state_id is not None and self.ended_on is not None and self.kind:
            period = self.open_period()
            started = period.joined_on if isinstance(period, Membership) else period.started_on if period else None
            if period is None:
                errors["member_state"] = (
                    gettext("%(state)s has no Alliance membership to end.")
                    if self.kind == self.Kind.LEFT_ALLIANCE
                    else gettext("%(state)s has no EU membership to end.")
                ) % {"state": self.member_state}
            elif started is not None and self.ended_on < started:
                errors["ended_on"] = gettext("A membership cannot end before it starts (%(started)s).") % {
                    "started": long_date(started)
                }
        if errors:
            raise ValidationError(errors)
