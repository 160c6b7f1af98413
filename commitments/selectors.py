"""Reads of the Alliance's reference data and commitments."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from .history import field_values
from .models import (
    UPDATE_FIELDS,
    Commitment,
    EuMembership,
    HistoryEntry,
    Membership,
    MembershipChange,
    MemberState,
    PolicyTarget,
    ProgressUpdate,
    ReportingCycle,
    ReviewComment,
    SourceDocument,
    Submission,
)
from .permissions import AnyUser, is_insider, updates_visible_to
from .standing import Standing, memberships_of, standing


def _eu_membership_on(day: date) -> Q:
    return (Q(started_on__isnull=True) | Q(started_on__lte=day)) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))


def member_states_on(*, day: date) -> QuerySet[MemberState]:
    """The states that belonged to the Alliance on `day`, each marked `is_eu_member` on that day."""
    current = Membership.objects.filter(Membership.on(day), member_state=OuterRef("pk"))
    in_eu = EuMembership.objects.filter(_eu_membership_on(day), member_state=OuterRef("pk"))
    return MemberState.objects.filter(Exists(current)).annotate(is_eu_member=Exists(in_eu))


def eu_member_states_on(*, day: date) -> QuerySet[MemberState]:
    """The member states that belonged to the European Union on `day`, as the sources show it."""
    current = EuMembership.objects.filter(_eu_membership_on(day), member_state=OuterRef("pk"))
    return MemberState.objects.filter(Exists(current))


def member_states_with_status(*, day: date) -> QuerySet[MemberState]:
    """All member states, annotated with whether they were Alliance and EU members on `day`."""
    return MemberState.objects.annotate(
        is_member=Exists(Membership.objects.filter(Membership.on(day), member_state=OuterRef("pk"))),
        is_eu_member=Exists(EuMembership.objects.filter(_eu_membership_on(day), member_state=OuterRef("pk"))),
    )


# --- Reporting --------------------------------------------------------------------------------


def submissions_with_progress(queryset: QuerySet[Submission], *, today: date) -> QuerySet[Submission]:
    """Submissions with their update counts and lateness, for lists."""
    return queryset.select_related("member_state", "cycle").annotate(
        update_count=Count("updates", distinct=True),
        returned_count=Count("updates", filter=Q(updates__needs_revision=True), distinct=True),
        commitment_count=Subquery(
            Commitment.objects.filter(member_state=OuterRef("member_state"))
            .values("member_state")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        is_late=Submission.late_expression(today),
    )


@dataclass(frozen=True)
class CycleRow:
    standing: Standing
    commitments: int

    @property
    def cycle(self) -> ReportingCycle:
        return self.standing.cycle

    @property
    def submission(self) -> Submission | None:
        return self.standing.submission

    @property
    def is_late(self) -> bool:
        return self.standing.is_late

    @property
    def to_do(self) -> int:
        done = getattr(self.submission, "update_count", 0) if self.submission else 0
        return max(self.commitments - done, 0)


@dataclass(frozen=True)
class ContactCycles:
    """A member's cycles as its contacts see them: those open or coming first, then the earlier
    ones it reported on, then (compactly) the earlier ones it never reported on. Cycles it was
    not due (before it joined, after it left) are not among them."""

    current: list[CycleRow]
    earlier: list[CycleRow]
    not_reported: list[CycleRow]
    first_due: ReportingCycle | None
    not_due: int  # cycles before it joined or after it left, left out


def contact_cycles(*, member_state: MemberState, today: date) -> ContactCycles:
    commitments = Commitment.objects.filter(member_state=member_state).count()
    submissions = {
        s.cycle_id: s
        for s in submissions_with_progress(Submission.objects.filter(member_state=member_state), today=today)
    }
    periods = memberships_of([member_state.pk]).get(member_state.pk, [])
    current: list[CycleRow] = []
    earlier: list[CycleRow] = []
    not_reported: list[CycleRow] = []
    due: list[ReportingCycle] = []
    not_due = 0
    for cycle in ReportingCycle.objects.order_by("-due_on"):
        row = CycleRow(
            standing(cycle=cycle, submission=submissions.get(cycle.pk), memberships=periods, today=today), commitments
        )
        if not row.standing.is_due:
            not_due += 1
            continue
        due.append(cycle)
        if row.standing.due_on >= today:
            current.append(row)
        elif row.submission is not None:
            earlier.append(row)
        else:
            not_reported.append(row)
    current.sort(key=lambda r: r.standing.due_on)  # the soonest due first
    return ContactCycles(current, earlier, not_reported, due[-1] if due else None, not_due)


def current_cycle(*, today: date) -> ReportingCycle | None:
    """The cycle open today, else the most recent one that has opened."""
    open_now = Q(due_on__gte=today)
    # One query: open cycles first, the soonest due of them; else the latest due.
    return (
        ReportingCycle.objects.filter(opens_on__lte=today)
        .order_by(
            Case(When(open_now, then=Value(0)), default=Value(1)),
            Case(When(open_now, then=F("due_on"))).asc(nulls_last=True),
            "-due_on",
        )
        .first()
    )


@dataclass(frozen=True)
class CompletenessRow:
    member_state: MemberState
    standing: Standing

    @property
    def submission(self) -> Submission | None:
        return self.standing.submission

    @property
    def state(self) -> str:
        return self.standing.state

    @property
    def is_late(self) -> bool:
        return self.standing.is_late


def cycle_completeness(*, cycle: ReportingCycle, today: date) -> list[CompletenessRow]:
    """For each member state due to report (a member on the cycle's due date): where it stands."""
    submissions = {
        s.member_state_id: s for s in submissions_with_progress(Submission.objects.filter(cycle=cycle), today=today)
    }
    members = list(member_states_on(day=cycle.due_on).order_by("name"))
    periods = memberships_of(m.pk for m in members)
    return [
        CompletenessRow(
            state,
            standing(
                cycle=cycle, submission=submissions.get(state.pk), memberships=periods.get(state.pk, []), today=today
            ),
        )
        for state in members
    ]


def submission_page_data(
    submission: Submission, *, viewer: AnyUser
) -> tuple[list[Commitment], dict[int, ProgressUpdate]]:
    """The commitments (grouped by target in order) and the updates of a submission that `viewer`
    may see: all of them for the member's contacts and the secretariat, the shared ones otherwise."""
    updates = {
        u.commitment_id: u
        for u in updates_visible_to(viewer)
        .filter(submission=submission)
        .select_related("updated_by")
        .prefetch_related(
            "milestones",
            "evidence",
            Prefetch("comments", queryset=ReviewComment.objects.select_related("author")),
        )
    }
    commitments = Commitment.objects.filter(member_state_id=submission.member_state_id)
    if not is_insider(viewer, submission.member_state_id):
        commitments = commitments.filter(pk__in=list(updates))
    ordered = list(commitments.select_related("target", "goal", "action").order_by("target__number", "title"))
    return ordered, updates


def milestones_of(update: ProgressUpdate) -> list[list[Any]]:
    """An update's milestones as plain data: [date (ISO), title, done], in order."""
    return [[m.due_on.isoformat(), m.title, m.done] for m in update.milestones.all()]


def snapshot_data(submission: Submission) -> dict[str, Any]:
    """The reported content of a submission, keyed by commitment id: the basis of the reviewer's
    diffs, and what a cycle's report shows of it once accepted (with the pledge's title, target,
    goal and action as they were, whatever is edited later)."""
    updates = submission.updates.select_related("commitment__target", "commitment__goal", "commitment__action")
    return {
        "updates": {
            str(u.commitment_id): {
                "commitment": u.commitment.title,
                "target": u.commitment.target.number,
                "target_code": u.commitment.target.code,
                "goal": u.commitment.goal.code if u.commitment.goal else None,
                "action": u.commitment.action.code if u.commitment.action else None,
                **field_values(u, UPDATE_FIELDS),
                "narrative_language": u.narrative_language,
                "milestones": milestones_of(u),
                "evidence": [e.original_name for e in u.evidence.all()],
            }
            for u in updates.prefetch_related("milestones", "evidence")
        }
    }


def missing_commitments(submission: Submission) -> list[Commitment]:
    """The member's commitments the submission has no update on yet (a report is complete
    without them only when there are none)."""
    reported = submission.updates.values("commitment_id")
    return list(
        Commitment.objects.filter(member_state_id=submission.member_state_id)
        .exclude(pk__in=reported)
        .select_related("target")
        .order_by("target__number", "title")
    )


def submission_history(submission: Submission, *, limit: int = 200) -> QuerySet[HistoryEntry]:
    return HistoryEntry.objects.filter(submission=submission).select_related("actor")[:limit]


# --- Member status (the API's main read) -----------------------------------------------------------


def members_as_of(*, day: date) -> QuerySet[MemberState]:
    """Member states that belonged to the Alliance on `day`, with their membership then and their
    EU membership on that day."""
    memberships = Membership.objects.filter(member_state=OuterRef("pk"), joined_on__lte=day).order_by("-joined_on")
    in_eu = EuMembership.objects.filter(_eu_membership_on(day), member_state=OuterRef("pk"))
    current = Membership.objects.filter(Membership.on(day), member_state=OuterRef("pk"))
    return MemberState.objects.filter(Exists(current)).annotate(
        joined_on=Subquery(memberships.values("joined_on")[:1]),
        left_on=Subquery(memberships.values("left_on")[:1]),
        is_eu_member=Exists(in_eu),
    )


def latest_accepted_updates(
    updates: QuerySet[ProgressUpdate], commitments: QuerySet[Commitment], *, distinct_on: bool | None = None
) -> QuerySet[ProgressUpdate]:
    """Of `updates`, each commitment's latest accepted one (by acceptance, then the newest row).

    One query: PostgreSQL's DISTINCT ON where the database has it (the fastest here), else a
    window ranking the updates of each commitment."""
    accepted = updates.filter(submission__status=Submission.Status.ACCEPTED, commitment__in=commitments)
    if distinct_on if distinct_on is not None else connection.features.can_distinct_on_fields:
        return accepted.order_by("commitment_id", "-submission__accepted_at", "-pk").distinct("commitment_id")
    newest_first = [F("submission__accepted_at").desc(), F("pk").desc()]
    ranked = accepted.annotate(rank=Window(RowNumber(), partition_by=F("commitment_id"), order_by=newest_first))
    return ranked.filter(rank=1)


def completion_percent(reported: int, points: int, *, commitments: int) -> float | None:
    """A member's completion: the latest accepted completion of each of its commitments, averaged
    over all of them (one with no accepted progress yet counts as 0): `points` is their sum over
    the `reported` commitments that have some. None, "no data", while none of them has any accepted
    progress: that is not 0 %."""
    if not reported or not commitments:
        return None
    return round(points / commitments, 1)


def member_status(
    *, member_ids: list[int], commitments: QuerySet[Commitment], updates: QuerySet[ProgressUpdate], today: date
) -> dict[int, dict[str, Any]]:
    """The status summary of each member, from the commitments and updates the viewer may see.

    A fixed number of queries whatever the number of members and commitments."""
    targets = list(PolicyTarget.objects.order_by("number").values_list("pk", "code"))
    statuses = [choice.value for choice in Commitment.Status]
    result: dict[int, dict[str, Any]] = {
        pk: {
            "commitments": {
                "total": 0,
                "by_target": {code: 0 for _pk, code in targets},
                "by_status": dict.fromkeys(statuses, 0),
            },
            "completion_percent": None,
            "current_cycle": None,
            "last_accepted_at": None,
        }
        for pk in member_ids
    }
    # Counted by the database, one row per member: its commitments by target and by status; then the
    # latest accepted completion of each commitment, summed (one without any accepted progress yet
    # counts as 0) and counted (`reported`, which tells "no data" from 0 %: completion_percent).
    visible = commitments.filter(member_state_id__in=member_ids).order_by()  # no default ordering's joins
    counts = visible.values("member_state_id").annotate(
        total=Count("pk"),
        **{f"target_{pk}": Count("pk", filter=Q(target_id=pk)) for pk, _code in targets},
        **{f"status_{status}": Count("pk", filter=Q(status=status)) for status in statuses},
    )
    for row in counts:
        counted = result[row["member_state_id"]]["commitments"]
        counted["total"] = row["total"]
        counted["by_target"] = {code: row[f"target_{pk}"] for pk, code in targets}
        counted["by_status"] = {status: row[f"status_{status}"] for status in statuses}
    latest = latest_accepted_updates(updates, visible).values(
        member=F("commitment__member_state_id"), percent=F("completion_percent")
    )
    completion: list[tuple[int, int, int]] = []
    try:
        sql, params = latest.query.get_compiler(using=latest.db).as_sql()
    except EmptyResultSet:  # no member asked for: nothing to sum
        sql, params = "", ()
    if sql:
        # Summed over the latest updates as they come (a subquery in FROM, which the ORM does not
        # write): joined again by key instead, PostgreSQL takes three times as long.
        summed = "SELECT latest.member, COUNT(*), SUM(COALESCE(latest.percent, 0))"
        with connection.cursor() as cursor:
            cursor.execute(f"{summed} FROM ({sql}) latest GROUP BY latest.member", params)  # the ORM's own SQL
            completion = cursor.fetchall()
    for member_id, reported, points in completion:
        summary = result[member_id]
        summary["completion_percent"] = completion_percent(
            reported, points, commitments=summary["commitments"]["total"]
        )

    cycle = current_cycle(today=today)
    if cycle is not None:
        submitted = {
            s.member_state_id: s
            for s in Submission.objects.filter(cycle=cycle, member_state_id__in=member_ids)
            .order_by()
            .only("member_state_id", "status", "first_submitted_at", "extended_due_on", "cycle_id")
        }
        periods = memberships_of(member_ids)
        for member_id in member_ids:
            submission = submitted.get(member_id)
            if submission is not None:
                submission.cycle = cycle
            where = standing(cycle=cycle, submission=submission, memberships=periods.get(member_id, []), today=today)
            result[member_id]["current_cycle"] = {
                "cycle": cycle.pk,
                "name": cycle.name,
                "due_on": where.due_on,
                "submission_status": where.state,
                "is_late": where.is_late,
            }
    accepted = (
        Submission.objects.filter(member_state_id__in=member_ids, status=Submission.Status.ACCEPTED)
        .order_by()
        .values("member_state_id")
        .annotate(last=Max("accepted_at"))
    )
    for row in accepted:
        result[row["member_state_id"]]["last_accepted_at"] = row["last"]
    return result


# --- The record as of its sources -----------------------------------------------------------------


def membership_recorded_on() -> date | None:
    """The date of the latest source the membership and EU facts rest on: the reference documents
    the periods cite and the sources of the changes recorded since. The pages say the members are
    "as recorded on" this date, not as of today, which no source vouches for. None without data."""
    cited = (
        SourceDocument.objects.filter(
            Q(pk__in=Membership.objects.values("source")) | Q(pk__in=EuMembership.objects.values("source"))
        )
        .order_by()
        .values_list("published_on", flat=True)
    )
    # One query for both (distinct dates: a handful of rows).
    dates = cited.union(MembershipChange.objects.order_by().values_list("source_published_on", flat=True))
    return max((day for day in dates if day is not None), default=None)


def membership_changes_of(member_state: MemberState) -> QuerySet[MembershipChange]:
    """The changes recorded for a member since the reference sources, in the order they happened."""
    return MembershipChange.objects.filter(member_state=member_state).order_by("ended_on", "pk")


def history_of(subject: Model, *, limit: int = 100) -> QuerySet[HistoryEntry]:
    """What was recorded of one object (e.g. a compiled report's publications), newest first."""
    return HistoryEntry.objects.filter(subject_type=subject._meta.model_name, subject_id=subject.pk).select_related(
        "actor"
    )[:limit]
