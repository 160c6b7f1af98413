"""What a cycle's report says about each member: what was known for that cycle, and nothing later.

A report of cycle C is built from
- the members of the Alliance on C's due date (a state that joined later is not in it);
- for a member whose report of C was accepted, the content accepted (the snapshot taken on
  acceptance): the pledges it reported on, their titles, goals, statuses, figures and narratives
  as they were then, whatever was edited, pledged or reported since;
- in the secretariat edition, for a report submitted and not yet accepted, the content submitted
  (its snapshot); for a draft or a returned report, the content as it stands, since it is still
  being written; for a member with no report, the pledges it had made by C's due date.
The public edition holds accepted content only, filtered by the one visibility policy
(`commitments.permissions`) as an anonymous reader sees it; it still says where every member's
report stands ("awaiting review" for one submitted and not yet accepted).

Compiling the report of a past cycle today, or in a year, gives the same content.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q

from commitments import permissions
from commitments.models import (
    Commitment,
    MemberState,
    ProgressUpdate,
    ReportingCycle,
    Submission,
    SubmissionSnapshot,
)
from commitments.models.wording import OFFICIAL_LANGUAGE
from commitments.selectors import member_states_on
from commitments.standing import Standing, memberships_of, standing

from .labels import ContentSource
from .models import CompiledReport

# A cycle covers a year when its period is at least this long (the initial report covered four
# months); the year before is the yearly cycle whose period ends this close to a year earlier.
YEAR_MIN_DAYS = 330
YEAR_TOLERANCE_DAYS = 45


@dataclass(frozen=True)
class Row:
    """One pledge in the report, with what was reported on it in the cycle (None: nothing)."""

    commitment_id: int
    title: str
    target: str  # policy target code
    goal: str | None
    action: str | None
    update: dict[str, Any] | None


@dataclass
class MemberContent:
    member: MemberState
    standing: Standing
    source: str  # a ContentSource: where `rows` come from
    rows: list[Row] = field(default_factory=list)

    def figures(self, name: str) -> list[Any]:
        return [row.update[name] for row in self.rows if row.update and row.update.get(name) not in (None, "")]


def is_yearly(cycle: ReportingCycle) -> bool:
    return (cycle.period_end - cycle.period_start).days >= YEAR_MIN_DAYS


def _a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day - timedelta(days=365)


def year_before(cycle: ReportingCycle) -> ReportingCycle | None:
    """The yearly cycle covering the year before `cycle`'s, when `cycle` covers a year."""
    if not is_yearly(cycle):
        return None
    target = _a_year_before(cycle.period_end)
    window = timedelta(days=YEAR_TOLERANCE_DAYS)
    candidates = [
        c
        for c in ReportingCycle.objects.filter(period_end__range=(target - window, target + window)).exclude(
            pk=cycle.pk
        )
        if is_yearly(c)
    ]
    return min(candidates, key=lambda c: (abs((c.period_end - target).days), c.pk), default=None)


def previous_cycle(cycle: ReportingCycle) -> ReportingCycle | None:
    return ReportingCycle.objects.filter(due_on__lt=cycle.due_on).order_by("-due_on").first()


def _latest_snapshots(submissions: list[Submission], event: str) -> dict[int, dict[str, Any]]:
    """The latest snapshot of the given event of each submission, by submission id."""
    found: dict[int, dict[str, Any]] = {}
    for snapshot in SubmissionSnapshot.objects.filter(submission__in=submissions, event=event).order_by(
        "submission_id", "round", "created_at"
    ):
        found[snapshot.submission_id] = snapshot.data
    return found


def _row_from_snapshot(commitment_id: str, item: dict[str, Any]) -> Row:
    update = {
        "status": item["status"],
        "completion_percent": item["completion_percent"],
        "narrative": item["narrative"],
        # Snapshots taken before languages were recorded hold English narratives.
        "narrative_language": item.get("narrative_language", OFFICIAL_LANGUAGE),
        "confidentiality": item["confidentiality"],
        "icse_victims_identified": item.get("icse_victims_identified"),
        "takedown_median_hours": item.get("takedown_median_hours"),
        "figures_source": item.get("figures_source", ""),
        "milestones": [{"due_on": m[0], "title": m[1], "done": m[2]} for m in item.get("milestones", [])],
    }
    return Row(int(commitment_id), item["commitment"], item["target_code"], item["goal"], item["action"], update)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _row_from_live(commitment: Commitment, update: Any) -> Row:
    values = None
    if update is not None:
        values = {
            "status": update.status,
            "completion_percent": update.completion_percent,
            "narrative": update.narrative,
            "narrative_language": update.narrative_language,
            "confidentiality": update.confidentiality,
            "icse_victims_identified": update.icse_victims_identified,
            "takedown_median_hours": None
            if update.takedown_median_hours is None
            else str(update.takedown_median_hours),
            "figures_source": update.figures_source,
            "milestones": [
                {"due_on": m.due_on.isoformat(), "title": m.title, "done": m.done} for m in update.milestones.all()
            ],
        }
    return Row(
        commitment.pk,
        commitment.title,
        commitment.target.code,
        commitment.goal.code if commitment.goal else None,
        commitment.action.code if commitment.action else None,
        values,
    )


def pledged_by(cycle: ReportingCycle) -> Q:
    """Pledges made by the cycle's due date: in that cycle or an earlier one, or before the tracker
    (no cycle) and recorded by then."""
    return Q(pledged_in__due_on__lte=cycle.due_on) | Q(pledged_in__isnull=True, created_at__date__lte=cycle.due_on)


def _order(rows: list[Row], targets: dict[str, int]) -> list[Row]:
    return sorted(rows, key=lambda r: (targets.get(r.target, 99), r.title, r.commitment_id))


def member_contents(
    *, cycle: ReportingCycle, edition: str, today: date, targets: dict[str, int]
) -> list[MemberContent]:
    """Each member of the Alliance on the cycle's due date, by ISO code, with what the edition shows."""
    public = edition == CompiledReport.Edition.PUBLIC
    members = list(member_states_on(day=cycle.due_on).order_by("iso_code"))
    ids = [m.pk for m in members]
    found = Submission.objects.filter(cycle=cycle, member_state_id__in=ids).select_related("cycle")
    submissions = {s.member_state_id: s for s in found}
    periods = memberships_of(ids)
    snapshots = _latest_snapshots(
        [s for s in submissions.values() if s.status == Submission.Status.ACCEPTED], SubmissionSnapshot.Event.ACCEPTED
    )
    if not public:  # what was submitted, while it awaits review
        submitted = [s for s in submissions.values() if s.status == Submission.Status.SUBMITTED]
        snapshots |= _latest_snapshots(submitted, SubmissionSnapshot.Event.SUBMITTED)
    in_progress = {} if public else _in_progress(cycle, [s for s in submissions.values() if s.is_editable], ids)
    contents = []
    for member in members:
        submission = submissions.get(member.pk)
        where = standing(cycle=cycle, submission=submission, memberships=periods.get(member.pk, []), today=today)
        content = MemberContent(member, where, ContentSource.NONE.value)
        snapshot = snapshots.get(submission.pk) if submission is not None else None
        if submission is not None and snapshot is not None:
            accepted = submission.status == Submission.Status.ACCEPTED
            content.source = (ContentSource.ACCEPTED if accepted else ContentSource.SUBMITTED).value
            items = list(snapshot["updates"].items())
            if public:
                items = [(k, item) for k, item in items if item["confidentiality"] in permissions.SHARED_WITH_PUBLIC]
            content.rows = _order([_row_from_snapshot(key, item) for key, item in items], targets)
        elif not public:
            content.source = (ContentSource.IN_PROGRESS if submission is not None else ContentSource.NONE).value
            content.rows = _order(in_progress.get(member.pk, []), targets)
        contents.append(content)
    return contents


def _in_progress(cycle: ReportingCycle, editable: list[Submission], member_ids: list[int]) -> dict[int, list[Row]]:
    """For the secretariat edition: each member's pledges made by the cycle's due date, with the
    update being written on each in the cycle's draft or returned report (if any)."""
    updates = {
        (u.submission.member_state_id, u.commitment_id): u
        for u in ProgressUpdate.objects.filter(submission__in=editable)
        .select_related("submission")
        .prefetch_related("milestones")
    }
    reported = {commitment_id for _, commitment_id in updates}
    pledges = (
        Commitment.objects.filter(member_state_id__in=member_ids)
        .filter(pledged_by(cycle) | Q(pk__in=reported))
        .select_related("target", "goal", "action")
    )
    rows: dict[int, list[Row]] = {}
    for commitment in pledges:
        update = updates.get((commitment.member_state_id, commitment.pk))
        rows.setdefault(commitment.member_state_id, []).append(_row_from_live(commitment, update))
    return rows
