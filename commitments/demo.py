"""Demonstration data for `make run`: accounts with a known password, made-up pledges and cycles.

Everything made here is marked as demo data (`is_demo`) and is never taken for a reference fact.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

from .models import (
    Commitment,
    Confidentiality,
    GoalCode,
    HistoryEntry,
    MemberState,
    OperationalGoal,
    PolicyTarget,
    PotentialAction,
    ReportingCycle,
    Submission,
)
from .services import (
    MilestoneData,
    progress_update_save,
    submission_accept,
    submission_return,
    submission_start,
    submission_submit,
)

SECRETARIAT_EMAIL = "secretariat@example.org"
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"
REVIEWER_EMAIL = "reviewer@example.org"


def contact_email(iso_code: str) -> str:
    return f"contact.{iso_code.lower()}@example.org"


@dataclass(frozen=True)
class DemoPledge:
    target: str
    goal: str | None
    action: str | None
    title: str
    description: str


PLEDGES: tuple[DemoPledge, ...] = (
    DemoPledge(
        "victims",
        GoalCode.ICSE,
        None,
        "Connect the national victim identification unit to INTERPOL's ICSE database",
        "Give the national police's victim identification team direct access to the ICSE database and train "
        "its analysts.",
    ),
    DemoPledge(
        "victims",
        None,
        "transborder-victim-identification",
        "Take part in joint victim identification task forces",
        "Second analysts to the yearly international victim identification task forces.",
    ),
    DemoPledge(
        "prosecution",
        "criminalisation-framework",
        None,
        "Update the criminal code's offences of online child sexual abuse",
        "Bring the offences of grooming and of live-streamed abuse into the criminal code.",
    ),
    DemoPledge(
        "prosecution",
        "joint-law-enforcement",
        "law-enforcement-exchange",
        "Join cross-border operations against offender networks",
        "Assign a liaison officer to joint operations and share case information through the agreed channels.",
    ),
    DemoPledge(
        "awareness",
        "awareness-campaigns",
        None,
        "Run a national online-safety campaign in schools",
        "A yearly campaign for pupils, teachers and parents on the risks of children's online conduct.",
    ),
    DemoPledge(
        "awareness",
        "self-exploitation-best-practices",
        None,
        "Publish guidance for families on self-produced images",
        "Guidance, drawn from other members' best practices, on the risks of self-produced images.",
    ),
    DemoPledge(
        "availability",
        "private-sector-removal",
        None,
        "Agree a hash-sharing arrangement with hosting providers",
        "Share hashes of known material with the main hosting providers so that they can find and remove it.",
    ),
    DemoPledge(
        "availability",
        GoalCode.TAKEDOWN,
        None,
        "Shorten notice-and-takedown times with the national hotline",
        "Agree target times with the national hotline and providers, and measure them.",
    ),
)

STATUSES = list(Commitment.Status)


@dataclass
class DemoSummary:
    users_created: int = 0
    commitments_created: int = 0
    cycles_created: int = 0
    submissions_created: int = 0


def yearly_cycle(year: int) -> tuple[ReportingCycle, bool]:
    """The made-up progress report of `year` (April to March), created if missing; shared with any
    other made-up data, so that each reuses the others' cycles."""
    period_start, period_end = date(year - 1, 4, 2), date(year, 4, 1)
    return ReportingCycle.objects.get_or_create(
        name=f"Progress report {year}",
        defaults={
            "period_start": period_start,
            "period_end": period_end,
            "opens_on": period_start,
            "due_on": period_end,
            "is_demo": True,
        },
    )


def _cycle_years(today: date) -> list[int]:
    """Years of the cycles after the initial report, up to the one open today."""
    years = [2014]
    while date(years[-1], 4, 1) < today:
        years.append(years[-1] + 1)
    return years


@transaction.atomic
def seed_demo(*, password: str, today: date, totp_key: str = DEMO_TOTP_KEY) -> DemoSummary:
    summary = DemoSummary()
    encoded = make_password(password)  # One hash for all demo accounts: hashing 55 times is slow.

    secretariat, created = User.objects.get_or_create(
        email=SECRETARIAT_EMAIL,
        defaults={
            "full_name": "Alliance secretariat (demo)",
            "role": User.Role.SECRETARIAT_ADMIN,
            "is_staff": True,
            "is_superuser": True,
            "password": encoded,
        },
    )
    summary.users_created += created
    _, created = User.objects.get_or_create(
        email=REVIEWER_EMAIL,
        defaults={
            "full_name": "Secretariat reviewer (demo)",
            "role": User.Role.SECRETARIAT_REVIEWER,
            "password": encoded,
        },
    )
    summary.users_created += created
    for person in User.objects.filter(email__in=[SECRETARIAT_EMAIL, REVIEWER_EMAIL]):
        # Secretariat accounts need a second factor: a known authenticator key for the demo.
        TOTPDevice.objects.update_or_create(
            user=person, name="Demo authenticator", defaults={"key": totp_key, "confirmed": True}
        )
    states = list(MemberState.objects.order_by("name"))
    existing = set(User.objects.filter(member_state__isnull=False).values_list("email", flat=True))
    new_contacts = [
        User(
            email=contact_email(state.iso_code),
            full_name=f"National contact point, {state.name} (demo)",
            role=User.Role.NATIONAL_CONTACT,
            member_state=state,
            password=encoded,
        )
        for state in states
        if contact_email(state.iso_code) not in existing
    ]
    User.objects.bulk_create(new_contacts)
    summary.users_created += len(new_contacts)
    if not check_password(password, secretariat.password):
        demo_emails = [SECRETARIAT_EMAIL, REVIEWER_EMAIL, *(contact_email(s.iso_code) for s in states)]
        User.objects.filter(email__in=demo_emails).update(password=encoded)

    for year in _cycle_years(today):
        summary.cycles_created += yearly_cycle(year)[1]

    targets = {t.code: t for t in PolicyTarget.objects.all()}
    goals = {g.code: g for g in OperationalGoal.objects.all()}
    actions = {a.code: a for a in PotentialAction.objects.all()}
    have = set(Commitment.objects.filter(is_demo=True).values_list("member_state_id", "title"))
    new_commitments = []
    for index, state in enumerate(states):
        for offset in (0, 3, 5):
            pledge = PLEDGES[(index + offset) % len(PLEDGES)]
            if (state.pk, pledge.title) in have:
                continue
            start = date(2013 + (index + offset) % 3, 4, 1)
            new_commitments.append(
                Commitment(
                    member_state=state,
                    target=targets[pledge.target],
                    goal=goals[pledge.goal] if pledge.goal else None,
                    action=actions[pledge.action] if pledge.action else None,
                    title=pledge.title,
                    description=pledge.description,
                    planned_start=start,
                    planned_end=date(start.year + 2, 3, 31),
                    status=STATUSES[(index + offset) % len(STATUSES)],
                    is_demo=True,
                )
            )
    Commitment.objects.bulk_create(new_commitments)
    summary.commitments_created = len(new_commitments)
    summary.submissions_created = _seed_submissions(states, secretariat, today)
    return summary


def _values(commitment: Commitment, index: int, year: int) -> dict[str, Any]:
    status = commitment.status
    percent = {"not_started": 0, "on_track": 40 + (index % 5) * 10, "delayed": 20, "completed": 100}.get(status, 50)
    values: dict[str, Any] = {
        "status": status,
        "completion_percent": percent,
        "narrative": (
            f"{year}: work on '{commitment.title.lower()}' is {commitment.get_status_display().lower()}. "
            "The responsible ministry reports on the steps taken in the period and the next ones."
        ),
        "confidentiality": (Confidentiality.PUBLIC, Confidentiality.MEMBERS, Confidentiality.SECRETARIAT)[index % 3],
    }
    if commitment.goal and commitment.goal.code == GoalCode.ICSE:
        values["icse_victims_identified"] = 30 + index * 3 + (year - 2020) * 4
        values["figures_source"] = "National victim identification unit (demo figures)"
    if commitment.goal and commitment.goal.code == GoalCode.TAKEDOWN:
        values["takedown_median_hours"] = Decimal(72 - (year - 2020) * 4 + index % 7)
        values["figures_source"] = "National hotline statistics (demo figures)"
    return values


def _write_updates(submission: Submission, contact: User, commitments: list[Commitment], index: int) -> None:
    for commitment in commitments:
        progress_update_save(
            submission=submission,
            commitment=commitment,
            actor=contact,
            values=_values(commitment, index, submission.cycle.due_on.year),
            milestones=[MilestoneData(submission.cycle.period_end, "Report to the national steering group")],
            expected_version=None,
        )


def _backdate(submission: Submission, submitted: datetime, accepted: datetime | None = None) -> None:
    """Demo only: make a past cycle's submission look submitted (and accepted) at the time given."""
    Submission.objects.filter(pk=submission.pk).update(
        first_submitted_at=submitted, submitted_at=submitted, accepted_at=accepted
    )
    HistoryEntry.objects.filter(submission=submission).update(at=accepted or submitted)


def _seed_submissions(states: list[MemberState], secretariat: User, today: date) -> int:
    """Submissions in every state of the workflow, across the member states, for the last two cycles."""
    if Submission.objects.exists():
        return 0
    cycles = list(ReportingCycle.objects.filter(is_demo=True, opens_on__lte=today).order_by("-due_on")[:2])
    if len(cycles) < 2:
        return 0
    current, previous = cycles
    contacts = {u.member_state_id: u for u in User.objects.filter(role=User.Role.NATIONAL_CONTACT)}
    by_state: dict[int, list[Commitment]] = {}
    for commitment in Commitment.objects.select_related("goal").order_by("title"):
        by_state.setdefault(commitment.member_state_id, []).append(commitment)
    created = 0
    for index, state in enumerate(states):
        contact, commitments = contacts[state.pk], by_state.get(state.pk, [])
        if not commitments:
            continue
        # The previous cycle: mostly accepted on time; some late, some never finished.
        kind = index % 9
        if kind != 0:
            submission = submission_start(member_state=state, cycle=previous, actor=contact)
            created += 1
            _write_updates(submission, contact, commitments if kind != 1 else commitments[:1], index)
            if kind != 1:
                submission = submission_submit(submission=submission, actor=contact)
                submission = submission_accept(
                    submission=submission, actor=secretariat, seen_version=submission.version
                )
                due = datetime.combine(previous.due_on, time(12), tzinfo=UTC)
                submitted = due + timedelta(days=19) if kind == 2 else due - timedelta(days=12)
                _backdate(submission, submitted, submitted + timedelta(days=10))
        # The current cycle: every state of the workflow.
        kind = index % 6
        if kind == 0:
            continue
        submission = submission_start(member_state=state, cycle=current, actor=contact)
        created += 1
        _write_updates(submission, contact, commitments if kind != 1 else commitments[:1], index + 1)
        if kind in (3, 4, 5):
            submission = submission_submit(submission=submission, actor=contact)
        if kind == 4:
            first = submission.updates.order_by("pk").first()
            assert first is not None
            submission_return(
                submission=submission,
                actor=secretariat,
                seen_version=submission.version,
                comments={first.pk: "Please add the figures for the period and say what is planned next."},
            )
        if kind == 5:
            submission_accept(submission=submission, actor=secretariat, seen_version=submission.version)
    return created
