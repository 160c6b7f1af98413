"""Where a member stands in a reporting cycle: one answer for the contact's pages, the secretariat's
completeness lists, the API's member status, the reminders and the reports.

A member is due to report for a cycle when it belonged to the Alliance on the cycle's due date
(`Membership.on`); a cycle before it joined or after it left is "not due": never late, never
startable. A member that is due stands where its submission stands, or "not started"; it is late
by `Submission.is_late_on`, or, without a submission, once the cycle is overdue.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .models import Membership, MemberState, ReportingCycle, ReportingState, Submission


@dataclass(frozen=True)
class Standing:
    cycle: ReportingCycle
    submission: Submission | None
    state: str  # a ReportingState value
    is_late: bool
    due_on: date  # with the extension granted, if any

    @property
    def is_due(self) -> bool:
        return self.state != ReportingState.NOT_DUE

    @property
    def label(self) -> str:
        return str(ReportingState(self.state).label)

    def can_start(self, today: date) -> bool:
        """A report can be started once the cycle opens, by a member due to report for it."""
        return self.is_due and self.submission is None and self.cycle.opens_on <= today


def is_member_on(memberships: Iterable[Membership], day: date) -> bool:
    return any(period.covers(day) for period in memberships)


def standing(
    *, cycle: ReportingCycle, submission: Submission | None, memberships: Iterable[Membership], today: date
) -> Standing:
    """Where a member (known by its membership periods) stands in `cycle` on `today`."""
    due = is_member_on(memberships, cycle.due_on)
    if submission is None:
        state = ReportingState.NOT_STARTED if due else ReportingState.NOT_DUE
        return Standing(cycle, None, state, due and cycle.is_overdue_on(today), cycle.due_on)
    # A submission made for a cycle the member was not due (before this rule existed) keeps its
    # status but is never counted late.
    late = due and submission.is_late_on(today)
    return Standing(cycle, submission, submission.status, late, submission.due_on)


def memberships_of(member_ids: Iterable[int]) -> dict[int, list[Membership]]:
    """Each member's membership periods, in one query."""
    periods: dict[int, list[Membership]] = {}
    for period in Membership.objects.filter(member_state_id__in=list(member_ids)).order_by("joined_on"):
        periods.setdefault(period.member_state_id, []).append(period)
    return periods


def standing_of(*, member_state: MemberState, cycle: ReportingCycle, today: date) -> Standing:
    """One member in one cycle (three queries: its memberships, its submission)."""
    submission = Submission.objects.filter(member_state=member_state, cycle=cycle).select_related("cycle").first()
    return standing(
        cycle=cycle,
        submission=submission,
        memberships=memberships_of([member_state.pk]).get(member_state.pk, []),
        today=today,
    )
