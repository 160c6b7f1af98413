"""How the API shows and reads the data. No rule lives here: writes go through the services."""

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commitments.models import (
    Commitment,
    Confidentiality,
    Declaration,
    EuMembership,
    Membership,
    MemberState,
    Milestone,
    OperationalGoal,
    PolicyTarget,
    PotentialAction,
    ProgressUpdate,
    ReportingCycle,
    ReportingState,
    Submission,
    TextLanguage,
)


class CurrentCycleStatusSerializer(serializers.Serializer[Any]):
    cycle = serializers.IntegerField()
    name = serializers.CharField()
    due_on = serializers.DateField()
    submission_status = serializers.ChoiceField(
        choices=ReportingState.values, help_text="`not_due`: not a member of the Alliance on the cycle's due date."
    )
    is_late = serializers.BooleanField()


class CommitmentCountsSerializer(serializers.Serializer[Any]):
    total = serializers.IntegerField()
    by_target = serializers.DictField(child=serializers.IntegerField(), help_text="Keyed by policy target code.")
    by_status = serializers.DictField(child=serializers.IntegerField(), help_text="Keyed by commitment status.")


class MemberStatusSerializer(serializers.Serializer[Any]):
    commitments = CommitmentCountsSerializer()
    completion_percent = serializers.FloatField(
        allow_null=True,
        help_text="The latest accepted completion of each commitment, averaged over the member's commitments (0 "
        "for one with no accepted progress yet); null, no data, while none of them has accepted progress.",
    )
    current_cycle = CurrentCycleStatusSerializer(allow_null=True)
    last_accepted_at = serializers.DateTimeField(allow_null=True)


_DATE = serializers.DateField()
_DATETIME = serializers.DateTimeField()


class MemberSerializer(serializers.ModelSerializer[MemberState]):
    joined_on = serializers.DateField(read_only=True)
    left_on = serializers.DateField(read_only=True, allow_null=True)
    is_eu_member = serializers.BooleanField(read_only=True, help_text="On the date asked (`as_of`).")
    status = serializers.SerializerMethodField()

    class Meta:
        model = MemberState
        fields: tuple[str, ...] = ("iso_code", "name", "joined_on", "left_on", "is_eu_member", "status")

    def __init__(self, *args: Any, fields: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        # `fields`: the ones a client chose (the list's `fields` parameter); the others are left out.
        super().__init__(*args, **kwargs)
        if fields is not None:
            for name in set(self.fields) - set(fields):
                self.fields.pop(name)

    @extend_schema_field(MemberStatusSerializer)
    def get_status(self, member: MemberState) -> dict[str, Any]:
        # The summary is plain data already; building a nested serializer for each member cost
        # more than the rest of the list. Only the dates need the API's format.
        status: dict[str, Any] = self.context["status"][member.pk]
        cycle = status["current_cycle"]
        accepted = status["last_accepted_at"]
        return {
            **status,
            "current_cycle": cycle and {**cycle, "due_on": _DATE.to_representation(cycle["due_on"])},
            "last_accepted_at": accepted and _DATETIME.to_representation(accepted),
        }


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    # An inferred title says so: the text of that document states none.
    source = serializers.CharField(source="source.cited_title")  # type: ignore[assignment]

    class Meta:
        model = Membership
        fields = ("joined_on", "joined_on_basis", "left_on", "source", "excerpt", "note")


class EuMembershipSerializer(serializers.ModelSerializer[EuMembership]):
    # An inferred title says so: the text of that document states none.
    source = serializers.CharField(source="source.cited_title")  # type: ignore[assignment]

    class Meta:
        model = EuMembership
        fields = ("started_on", "started_on_basis", "ended_on", "source", "excerpt", "note")


class MilestoneSerializer(serializers.ModelSerializer[Milestone]):
    class Meta:
        model = Milestone
        fields = ("due_on", "title", "done")


class ProgressUpdateSerializer(serializers.ModelSerializer[ProgressUpdate]):
    commitment = serializers.IntegerField(source="commitment_id", read_only=True)
    submission = serializers.IntegerField(source="submission_id", read_only=True)
    cycle = serializers.IntegerField(source="submission.cycle_id", read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = (
            "id", "commitment", "submission", "cycle", "status", "completion_percent", "narrative",
            "narrative_language", "confidentiality", "icse_victims_identified", "takedown_median_hours",
            "figures_source", "milestones", "needs_revision", "version", "updated_at",
        )  # fmt: skip
        read_only_fields = fields


class CommitmentSerializer(serializers.ModelSerializer[Commitment]):
    member = serializers.CharField(source="member_state.iso_code", read_only=True)
    target = serializers.CharField(source="target.code", read_only=True)
    goal = serializers.CharField(source="goal.code", read_only=True, allow_null=True, default=None)
    action = serializers.CharField(source="action.code", read_only=True, allow_null=True, default=None)
    updates = ProgressUpdateSerializer(many=True, read_only=True, source="visible_updates")

    class Meta:
        model = Commitment
        fields = (
            "id", "member", "target", "goal", "action", "title", "description", "planned_start", "planned_end",
            "status", "pledged_in", "updates",
        )  # fmt: skip
        read_only_fields = fields


class SubmissionSerializer(serializers.ModelSerializer[Submission]):
    member = serializers.CharField(source="member_state.iso_code", read_only=True)
    cycle = serializers.PrimaryKeyRelatedField(queryset=ReportingCycle.objects.all())
    due_on = serializers.DateField(read_only=True)
    is_late = serializers.SerializerMethodField()
    updates = ProgressUpdateSerializer(many=True, read_only=True, source="visible_updates")

    class Meta:
        model = Submission
        fields = (
            "id", "member", "cycle", "status", "round", "version", "due_on", "extended_due_on", "is_late",
            "first_submitted_at", "submitted_at", "accepted_at", "updates",
        )  # fmt: skip
        read_only_fields = tuple(f for f in fields if f != "cycle")

    def get_is_late(self, submission: Submission) -> bool:
        return submission.is_late_on(self.context["today"])


class MilestoneInputSerializer(serializers.Serializer[Any]):
    due_on = serializers.DateField()
    title = serializers.CharField(max_length=300)
    done = serializers.BooleanField(default=False)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^[0-9]{1,6}(\.[0-9])?$"})
class HoursField(serializers.DecimalField):
    """Hours from 0, to the tenth, as the schema's pattern says (drf-spectacular's would allow a minus)."""


class ProgressUpdateInputSerializer(serializers.Serializer[Any]):
    """A progress update as a client writes it (every field optional on PATCH)."""

    status = serializers.ChoiceField(choices=Commitment.Status.choices, required=False)
    completion_percent = serializers.IntegerField(
        required=False, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    narrative = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    narrative_language = serializers.ChoiceField(
        choices=TextLanguage.choices,
        required=False,
        help_text="The language the narrative is written in; by default the request's (Accept-Language, `?lang=`).",
    )
    confidentiality = serializers.ChoiceField(choices=Confidentiality.choices, required=False)
    icse_victims_identified = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10**9)
    takedown_median_hours = HoursField(required=False, allow_null=True, max_digits=7, decimal_places=1, min_value=0)
    figures_source = serializers.CharField(required=False, allow_blank=True, max_length=300)
    milestones = MilestoneInputSerializer(many=True, required=False, max_length=50)  # type: ignore[call-arg]


class NewProgressUpdateSerializer(ProgressUpdateInputSerializer):
    commitment = serializers.IntegerField(help_text="The id of one of the member state's commitments.")


class ReturnedUpdateSerializer(serializers.Serializer[Any]):
    update_id = serializers.IntegerField(help_text="The id of a progress update of this submission.")
    comment = serializers.CharField(max_length=5000)


class ReturnSerializer(serializers.Serializer[Any]):
    updates = serializers.ListField(child=ReturnedUpdateSerializer(), min_length=1)


class StartSubmissionSerializer(serializers.Serializer[Any]):
    cycle = serializers.PrimaryKeyRelatedField(queryset=ReportingCycle.objects.all())


class GoalSerializer(serializers.ModelSerializer[OperationalGoal]):
    target = serializers.CharField(source="target.code")

    class Meta:
        model = OperationalGoal
        fields = ("number", "code", "target", "text")


class TargetSerializer(serializers.ModelSerializer[PolicyTarget]):
    goals = serializers.SlugRelatedField[OperationalGoal](many=True, read_only=True, slug_field="code")

    class Meta:
        model = PolicyTarget
        fields = ("number", "code", "title", "statement", "goals")


class PotentialActionSerializer(serializers.ModelSerializer[PotentialAction]):
    class Meta:
        model = PotentialAction
        fields = ("number", "code", "text")


class DeclarationSerializer(serializers.ModelSerializer[Declaration]):
    actions = PotentialActionSerializer(many=True, read_only=True, source="potential_actions")
    conference = serializers.CharField(source="conference.name", allow_null=True, default=None)
    # An inferred title says so: the text of that document states none.
    source = serializers.CharField(source="source.cited_title")  # type: ignore[assignment]

    class Meta:
        model = Declaration
        fields = ("key", "title", "adopted_on", "conference", "summary", "source", "note", "actions")


class CycleSerializer(serializers.ModelSerializer[ReportingCycle]):
    class Meta:
        model = ReportingCycle
        fields = ("id", "name", "period_start", "period_end", "opens_on", "due_on", "is_demo")


class MemberDetailSerializer(MemberSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)
    eu_memberships = EuMembershipSerializer(many=True, read_only=True)
    commitments = CommitmentSerializer(many=True, read_only=True, source="visible_commitments")
    submissions = SubmissionSerializer(many=True, read_only=True, source="visible_submissions")

    class Meta(MemberSerializer.Meta):
        fields = (*MemberSerializer.Meta.fields, "memberships", "eu_memberships", "commitments", "submissions")
