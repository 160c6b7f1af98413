"""Benchmark data: a made-up but realistic Alliance at any scale, the same for the same seed.

At scale 1: the 54 real member states, about 15 commitments each over the four policy targets, and
12 yearly reporting cycles (the initial report of 2013, then the progress reports 2014 to 2024) of
submissions with progress updates, figures, milestones, review comments, snapshots and history.
Each state reports in the cycles it was a member on the due date of.

At scale N the data is N times that of scale 1, in two ways. First, copies of each real member
state are added, members like the original with data of the same shape: up to N - 1 copies of
each. A copy takes a two-letter code as every member does, one that ISO 3166-1 has not assigned
and the reference data does not use (AA, BC, ..., in alphabetical order), so that no copy passes
for a real country; there are codes for seven copies of each of the 54 members. Beyond scale 8,
the commitments multiply instead: the states of scale 8 each carry several made-up portfolios of
about 15 commitments (at scale 20: 20 portfolios per member over 8 states, three for some
states and two for the others), reported on in the same submissions. Commitments, progress
updates, milestones, history and the snapshots' content grow N times; submissions grow with the
states.

Rows are written and deleted in bulk (no per-row save, no signal). Everything derives from the
seed and fixed dates, so that two runs write the same content. A run first removes the previous
run's rows; it refuses a database holding other reporting data (demo or real), which it would mix
with.
"""

import random
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from string import ascii_uppercase
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q

from accounts.models import User
from commitments import reference as ref
from commitments.dataversion import data_changed
from commitments.demo import yearly_cycle
from commitments.history import changed, field_values
from commitments.models import (
    UPDATE_FIELDS,
    Commitment,
    Confidentiality,
    EuMembership,
    Evidence,
    HistoryEntry,
    Membership,
    MemberState,
    Milestone,
    OperationalGoal,
    PolicyTarget,
    PotentialAction,
    ProgressUpdate,
    ReportingCycle,
    ReviewComment,
    Submission,
    SubmissionSnapshot,
)
from commitments.reference.load import load_reference_data
from commitments.selectors import member_states_on, snapshot_data
from commitments.services import COMMITMENT_FIELDS

from . import wording

BENCH_DOMAIN = "bench.example.org"
SECRETARIAT_EMAIL = f"secretariat@{BENCH_DOMAIN}"
REVIEWER_EMAILS = tuple(f"reviewer{n}@{BENCH_DOMAIN}" for n in (1, 2, 3))
# Fixed rather than generated as Django does, so that two runs are identical: no password matches it.
UNUSABLE_PASSWORD = f"{UNUSABLE_PASSWORD_PREFIX}bench-account"
# The codes ISO 3166-1 has assigned (249): a copy takes none of them, so that no copy passes for
# a real country, on the public map for instance.
_ASSIGNED = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
    BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET
    FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL
    IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA
    MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ
    OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN
    SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG
    VI VN VU WF WS YE YT ZA ZM ZW
"""
ASSIGNED_CODES = frozenset(_ASSIGNED.split())
# The codes copies take, in this order: two letters that neither ISO nor the reference data uses.
COPY_CODES = tuple(
    a + b
    for a in ascii_uppercase
    for b in ascii_uppercase
    if a + b not in ASSIGNED_CODES and a + b not in {member.iso_code for member in ref.MEMBERS}
)
COPY_NAME = r" \(bench copy [0-9]+\)$"
MAX_SCALE = 100
INITIAL_REPORT = "Initial report"
PROGRESS_REPORT_YEARS = range(2014, 2025)
BATCH_SIZE = 2000

Progress = Commitment.Status
CONFIDENTIALITY = (Confidentiality.PUBLIC, Confidentiality.MEMBERS, Confidentiality.SECRETARIAT)
MISSING = "missing"
# Where submissions stand, in percent: past cycles are mostly accepted; the latest one has every
# state of the workflow.
PAST_MIX = {MISSING: 3, Submission.Status.DRAFT: 2, Submission.Status.ACCEPTED: 95}
LATEST_MIX = {
    MISSING: 8,
    Submission.Status.DRAFT: 14,
    Submission.Status.SUBMITTED: 20,
    Submission.Status.RETURNED: 10,
    Submission.Status.ACCEPTED: 48,
}


class BenchDataError(Exception):
    """The database cannot take benchmark data as it is."""


# --- Plans: what each member state reports, decided from its own random stream ---------------


@dataclass
class _Course:
    """One commitment and its made-up course over the cycles (indexes into the cycle list)."""

    pledge: wording.Pledge
    target: str
    first: int  # the first cycle it is reported in
    start: int  # the cycle work starts in
    end: int  # the cycle it is completed in, unless stopped
    planned_years: int
    slips: bool
    stops_at: int | None
    confidentiality: str
    pledged_in: int | None
    icse: list[int] | None = None
    takedown: list[Decimal] | None = None
    figures_source: str = ""
    created: datetime | None = None
    last_status: str = Progress.NOT_STARTED
    last_at: datetime | None = None
    commitment: Commitment | None = None

    def state_in(self, index: int) -> tuple[str, int]:
        if index < self.start:
            return Progress.NOT_STARTED, 0
        if self.stops_at is not None and index >= self.stops_at:
            return Progress.DISCONTINUED, self.state_in(self.stops_at - 1)[1]
        if index >= self.end:
            return Progress.COMPLETED, 100
        done = (index - self.start + 1) / (self.end - self.start + 1)
        behind = self.slips and index >= self.start + self.planned_years
        return (Progress.DELAYED if behind else Progress.ON_TRACK), min(95, 5 * round(20 * done))


@dataclass
class _Written:
    """A progress update as written: its values, when, and what happened to it in review."""

    course: _Course
    values: dict[str, Any]
    at: datetime
    milestones: list[tuple[date, str, bool]]
    before: dict[str, Any] | None = None  # the values first submitted, when revised after a return
    revised_at: datetime | None = None
    comment: str | None = None
    update: ProgressUpdate | None = None


@dataclass
class _Report:
    """A member state's submission for one cycle (or its absence)."""

    index: int
    cycle: ReportingCycle
    status: str
    created: datetime
    reviewer: User
    submitted: list[datetime] = field(default_factory=list)
    returned: datetime | None = None
    accepted: datetime | None = None
    extended_due_on: date | None = None
    extended_at: datetime | None = None
    pledges: list[_Course] = field(default_factory=list)
    written: list[_Written] = field(default_factory=list)
    submission: Submission | None = None

    @property
    def last_event(self) -> datetime:
        times = [self.created, *self.submitted, *(w.revised_at or w.at for w in self.written)]
        times += [t for t in (self.returned, self.accepted, self.extended_at) if t is not None]
        return max(times)


@dataclass
class _StatePlan:
    state: MemberState
    contact: User
    courses: list[_Course]
    reports: list[_Report]


@dataclass(frozen=True)
class _Context:
    cycles: list[ReportingCycle]
    targets: dict[str, PolicyTarget]
    goals: dict[str, OperationalGoal]
    actions: dict[str, PotentialAction]
    secretariat: User
    reviewers: list[User]


def _at(day: date, rng: random.Random) -> datetime:
    """A moment in the working hours of `day` (UTC)."""
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC)


@dataclass(frozen=True)
class Layout:
    """How a scale is laid out: copies of each real member, and the portfolios of commitments each
    state carries (`portfolios[n]` for the real members when n is 0, for their n-th copies after)."""

    copies: int
    portfolios: tuple[int, ...]


def layout(scale: int, members: int = len(ref.MEMBERS)) -> Layout:
    """Copies while free codes last; then scale's portfolios shared out over the states, evenly."""
    groups = min(scale, 1 + len(COPY_CODES) // members)
    portfolios = tuple(scale // groups + (1 if group < scale % groups else 0) for group in range(groups))
    return Layout(copies=groups - 1, portfolios=portfolios)


def _courses(rng: random.Random, first: int, latest: int, entered: datetime, portfolios: int) -> list[_Course]:
    """About 15 commitments per portfolio over the four targets: 11 to 15 from the start, a few
    pledged later. Portfolios after the first name their pledges apart ("(part 2)")."""
    courses: list[_Course] = []
    for number in range(1, portfolios + 1):
        courses += _portfolio(rng, first, latest, entered, courses, number)
    return courses


def _portfolio(
    rng: random.Random, first: int, latest: int, entered: datetime, earlier: list[_Course], number: int
) -> list[_Course]:
    per_target = dict.fromkeys(wording.PLEDGES, 2)
    for _ in range(rng.randint(11, 15) - 2 * len(per_target)):
        per_target[rng.choice(sorted(per_target))] += 1
    chosen = [
        (code, pledge) for code, count in per_target.items() for pledge in rng.sample(wording.PLEDGES[code], count)
    ]
    later = []
    for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 4))):
        left = [(code, p) for code, pledges in wording.PLEDGES.items() for p in pledges]
        later.append(rng.choice([pair for pair in left if pair not in chosen and pair not in later]))

    courses: list[_Course] = []
    for n, (code, wording_pledge) in enumerate(chosen + later):
        part = f"{wording_pledge.title} (part {number})"
        pledge = wording_pledge if number == 1 else replace(wording_pledge, title=part)
        pledged_in = rng.randint(first + 1, latest) if n >= len(chosen) else None
        reported_from = first if pledged_in is None else pledged_in
        start = reported_from + rng.choice((0, 0, 1, 1, 2, 3, 4, 6, 8))  # may be after the latest cycle
        years = rng.randint(2, 10)
        slips = rng.random() < 0.3
        course = _Course(
            pledge=pledge,
            target=code,
            first=reported_from,
            start=start,
            end=start + years + (rng.randint(1, 4) if slips else 0),
            planned_years=years,
            slips=slips,
            stops_at=start + rng.randint(1, years) if rng.random() < 0.06 else None,
            confidentiality=rng.choices(CONFIDENTIALITY, weights=(55, 30, 15))[0],
            pledged_in=pledged_in,
            created=entered if pledged_in is None else None,
        )
        icse = rng.uniform(5, 400)
        hours = rng.uniform(20, 140)
        icse_series, hours_series = [], []
        for _ in range(latest + 1):
            icse_series.append(round(icse))
            hours_series.append(Decimal(f"{hours:.1f}"))
            icse *= 1 + rng.uniform(-0.05, 0.3)
            hours = max(2.0, hours * rng.uniform(0.75, 1.05))
        # Figures once per member and goal: the first commitment on the goal carries them.
        if pledge.goal == wording.ICSE_GOAL and not any(c.icse for c in earlier + courses):
            course.icse, course.figures_source = icse_series, rng.choice(wording.ICSE_SOURCES)
        if pledge.goal == wording.TAKEDOWN_GOAL and not any(c.takedown for c in earlier + courses):
            course.takedown, course.figures_source = hours_series, rng.choice(wording.TAKEDOWN_SOURCES)
        courses.append(course)
    return courses


def _kind(rng: random.Random, latest: bool) -> tuple[str, bool]:
    """The submission's status, and whether it went through a round of return for changes."""
    mix = LATEST_MIX if latest else PAST_MIX
    status = rng.choices(list(mix), weights=list(mix.values()))[0]
    returned_once = rng.random() < (0.2 if latest else 0.12)
    if status == Submission.Status.RETURNED:
        return status, True
    return status, returned_once and status in (Submission.Status.SUBMITTED, Submission.Status.ACCEPTED)


def _narrative(rng: random.Random, status: str, percent: int, cycle: ReportingCycle) -> str:
    parts = [rng.choice(wording.STARTS[status])]
    if status != Progress.NOT_STARTED:
        work = rng.choice(wording.WORK_DONE).format(n=rng.randint(2, 40))
        parts.append(f"{rng.choice(wording.AGENCIES)} {work} in the period ending {cycle.period_end:%d %B %Y}.")
    if status in (Progress.ON_TRACK, Progress.DELAYED):
        parts.append(f"The action is about {percent}% complete.")
    if status not in (Progress.COMPLETED, Progress.DISCONTINUED):
        parts.append(rng.choice(wording.NEXT_STEPS))
    return " ".join(parts)


def _write(rng: random.Random, course: _Course, index: int, cycle: ReportingCycle, at: datetime) -> _Written:
    status, percent = course.state_in(index)
    confidentiality = course.confidentiality if rng.random() < 0.85 else rng.choice(CONFIDENTIALITY)
    values: dict[str, Any] = {
        "status": status,
        "completion_percent": percent,
        "narrative": _narrative(rng, status, percent, cycle),
        "confidentiality": confidentiality,
        "icse_victims_identified": course.icse[index] if course.icse else None,
        "takedown_median_hours": course.takedown[index] if course.takedown else None,
        "figures_source": course.figures_source,
    }
    span = (cycle.period_end - cycle.period_start).days
    days = sorted(rng.randint(0, span) for _ in range(rng.choices((0, 1, 2), weights=(30, 45, 25))[0]))
    milestones = []
    for offset in days:
        due_on = cycle.period_start + timedelta(days=offset)
        done = status == Progress.COMPLETED or (due_on < at.date() and rng.random() < 0.85)
        milestones.append((due_on, rng.choice(wording.MILESTONES), done))
    return _Written(course, values, at, milestones)


def _spread(start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` moments evenly between `start` and `end` (exclusive), to the second."""
    step = (end - start).total_seconds() / (count + 1)
    return [start + timedelta(seconds=int(step * (n + 1))) for n in range(count)]


def _report(rng: random.Random, index: int, courses: list[_Course], ctx: _Context, entered: datetime) -> _Report | None:
    cycle = ctx.cycles[index]
    latest = index == len(ctx.cycles) - 1
    status, returned_once = _kind(rng, latest)
    reviewer = rng.choice(ctx.reviewers)
    if status == MISSING:
        return None
    due = datetime.combine(cycle.due_on, time(12), tzinfo=UTC)
    earliest = max(_at(cycle.opens_on, rng), entered + timedelta(days=1))
    if status == Submission.Status.DRAFT:
        created = max(earliest, due - timedelta(days=rng.randint(5, 40), hours=rng.randint(0, 8)))
        written_until = created + timedelta(days=rng.randint(1, 20))
        reported = [c for c in courses if c.first <= index]
        reported = [c for c in reported if rng.random() < 0.7] or reported[:1]
        report = _Report(index, cycle, status, created, reviewer)
    else:
        late = rng.random() < (0.25 if latest else 0.15)
        shift = timedelta(days=rng.randint(1, 45)) if late else -timedelta(days=rng.randint(0, 25))
        first = due + shift + timedelta(hours=rng.randint(-3, 5), minutes=rng.randint(0, 59))
        created = max(earliest, first - timedelta(days=rng.randint(7, 50)))
        first = max(first, created + timedelta(days=2))
        report = _Report(index, cycle, status, created, reviewer, submitted=[first])
        if returned_once:
            report.returned = first + timedelta(days=rng.randint(3, 20), hours=rng.randint(0, 6))
            if status != Submission.Status.RETURNED:
                report.submitted.append(report.returned + timedelta(days=rng.randint(2, 15), hours=rng.randint(0, 6)))
        if status == Submission.Status.ACCEPTED:
            report.accepted = report.submitted[-1] + timedelta(days=rng.randint(2, 30), hours=rng.randint(0, 6))
        written_until = first
        reported = [c for c in courses if c.first <= index]
    # Extensions are asked for by members that are not ready by the due date.
    not_ready = not report.submitted or report.submitted[0] > due
    if latest and status != Submission.Status.ACCEPTED and not_ready and rng.random() < 0.3:
        report.extended_due_on = cycle.due_on + timedelta(days=rng.choice((30, 45, 60)))
        report.extended_at = max(created + timedelta(hours=1), due - timedelta(days=rng.randint(1, 20)))

    # New pledges are entered at the start of the cycle, before the updates are written.
    report.pledges = [c for c in courses if c.pledged_in == index]
    for course in report.pledges:
        course.created = created + timedelta(minutes=1)
    for course, at in zip(reported, _spread(created + timedelta(minutes=1), written_until, len(reported)), strict=True):
        report.written.append(_write(rng, course, index, cycle, at))

    if report.returned is not None:
        for written in rng.sample(report.written, min(len(report.written), rng.randint(1, 3))):
            written.comment = rng.choice(wording.REVIEW_COMMENTS)
            if status == Submission.Status.RETURNED and rng.random() < 0.5:
                continue  # not yet revised
            until = report.submitted[1] if len(report.submitted) > 1 else report.returned + timedelta(days=10)
            written.revised_at = _spread(report.returned, until, 1)[0] - timedelta(minutes=rng.randint(0, 600))
            written.before = dict(written.values)
            written.values["narrative"] = f"{written.values['narrative']} {rng.choice(wording.REVISIONS)}"
    return report


def _plan(
    state: MemberState,
    contact: User,
    rng: random.Random,
    member_in: list[bool],
    joined: date,
    portfolios: int,
    ctx: _Context,
) -> _StatePlan:
    first = member_in.index(True)
    latest = len(ctx.cycles) - 1
    # Pledges made before the tracker were entered by the secretariat when the state's reporting began.
    entered = _at(max(joined, ctx.cycles[first].opens_on) + timedelta(days=rng.randint(1, 5)), rng)
    courses = _courses(rng, first, latest, entered, portfolios)
    reports = []
    for index in range(len(ctx.cycles)):
        report = _report(rng, index, courses, ctx, entered) if member_in[index] else None
        if report is not None:
            reports.append(report)
    for course in courses:
        if course.created is None:  # pledged in a cycle it did not report in
            assert course.pledged_in is not None
            course.created = _at(ctx.cycles[course.pledged_in].opens_on + timedelta(days=45), rng)
        course.last_at = course.created
    for report in reports:
        for written in report.written:
            written.course.last_status = written.values["status"]
            written.course.last_at = written.revised_at or written.at
    return _StatePlan(state, contact, courses, reports)


# --- Writing ---------------------------------------------------------------------------------


def _recorded(values: dict[str, Any]) -> dict[str, Any]:
    """An update's values as the services record them in history and snapshots (`field_values`)."""
    return field_values(ProgressUpdate(**{name: values[name] for name in UPDATE_FIELDS}), UPDATE_FIELDS)


def _milestone_lists(written: _Written) -> list[list[Any]]:
    """As `selectors.milestones_of` reads them once written (in due order, as they are made)."""
    return [[due_on.isoformat(), title, done] for due_on, title, done in written.milestones]


def _snapshots(report: _Report, latest: bool) -> list[SubmissionSnapshot]:
    """The snapshots the services would have taken of the written submission, by the services' own
    reading of its content (`snapshot_data`). The reviewer's diffs read the last accepted snapshot
    of earlier cycles and, in the cycle under review, the snapshot of each round; older rounds are
    never read again, so they are not made."""
    rounds = report.submitted if latest else []
    if not rounds and report.accepted is None:
        return []
    assert report.submission is not None
    content = snapshot_data(report.submission)
    snapshots = [
        SubmissionSnapshot(
            submission=report.submission,
            round=number,
            event=SubmissionSnapshot.Event.SUBMITTED,
            data=_as_first_submitted(content, report) if number == 1 else content,
            created_at=at,
        )
        for number, at in enumerate(rounds, start=1)
    ]
    if report.accepted is not None:
        snapshots.append(
            SubmissionSnapshot(
                submission=report.submission,
                round=len(report.submitted),
                event=SubmissionSnapshot.Event.ACCEPTED,
                data=content,
                created_at=report.accepted,
            )
        )
    return snapshots


def _as_first_submitted(content: dict[str, Any], report: _Report) -> dict[str, Any]:
    """`content` with the values first submitted of the updates revised after a return."""
    revised = [w for w in report.written if w.before is not None]
    if not revised:
        return content
    first = deepcopy(content)
    for written in revised:
        assert written.before is not None
        assert written.course.commitment is not None
        first["updates"][str(written.course.commitment.pk)].update(_recorded(written.before))
    return first


def _bulk(model: type[models.Model], rows: Sequence[models.Model], counts: Counter[str], name: str) -> None:
    model._default_manager.bulk_create(rows, batch_size=BATCH_SIZE)
    counts[name] += len(rows)


def _history(
    at: datetime, actor: User, subject: models.Model, label: str, action: str, changes: dict[str, Any], **where: Any
) -> HistoryEntry:
    return HistoryEntry(
        at=at,
        actor=actor,
        actor_label=actor.email,
        subject_type=subject._meta.model_name or "",
        subject_id=subject.pk,
        subject_label=label[:300],
        action=action,
        changes=changes,
        **where,
    )


def _write_plans(plans: list[_StatePlan], ctx: _Context, counts: Counter[str]) -> None:
    commitments = []
    for plan in plans:
        for course in plan.courses:
            assert course.created is not None
            assert course.last_at is not None
            # Work starts with a cycle's period (or a year's April, after the cycles generated).
            start = ctx.cycles[min(course.start, len(ctx.cycles) - 1)].period_start
            start = start.replace(year=start.year + max(0, course.start - len(ctx.cycles) + 1))
            course.commitment = Commitment(
                member_state=plan.state,
                target=ctx.targets[course.target],
                goal=ctx.goals[course.pledge.goal] if course.pledge.goal else None,
                action=ctx.actions[course.pledge.action] if course.pledge.action else None,
                title=course.pledge.title,
                description=course.pledge.description,
                planned_start=start,
                planned_end=date(start.year + course.planned_years, 3, 31),
                status=course.last_status,
                is_demo=True,
                pledged_in=ctx.cycles[course.pledged_in] if course.pledged_in is not None else None,
                created_by=plan.contact if course.pledged_in is not None else ctx.secretariat,
                created_at=course.created,
                updated_at=course.last_at,
            )
            commitments.append(course.commitment)
    _bulk(Commitment, commitments, counts, "commitments")

    submissions = []
    for plan in plans:
        for report in plan.reports:
            revised = sum(1 for w in report.written if w.revised_at is not None)
            events = len(report.submitted) + (report.returned is not None) + (report.accepted is not None)
            report.submission = Submission(
                member_state=plan.state,
                cycle=report.cycle,
                status=report.status,
                # One step per change, as the services count them.
                version=1 + len(report.written) + revised + events + (report.extended_at is not None),
                round=len(report.submitted),
                extended_due_on=report.extended_due_on,
                first_submitted_at=report.submitted[0] if report.submitted else None,
                submitted_at=report.submitted[-1] if report.submitted else None,
                accepted_at=report.accepted,
                accepted_by=report.reviewer if report.accepted else None,
                created_at=report.created,
                updated_at=report.last_event,
            )
            submissions.append(report.submission)
    _bulk(Submission, submissions, counts, "submissions")

    updates = []
    for plan in plans:
        for report in plan.reports:
            for written in report.written:
                written.update = ProgressUpdate(
                    submission=report.submission,
                    commitment=written.course.commitment,
                    **written.values,
                    needs_revision=written.comment is not None and report.status == Submission.Status.RETURNED,
                    version=2 if written.revised_at else 1,
                    updated_by=plan.contact,
                    updated_at=written.revised_at or written.at,
                )
                updates.append(written.update)
    _bulk(ProgressUpdate, updates, counts, "progress_updates")

    milestones: list[Milestone] = []
    comments: list[ReviewComment] = []
    snapshots: list[SubmissionSnapshot] = []
    history: list[HistoryEntry] = []
    for plan in plans:
        _write_history(plan, ctx, history)
        for report in plan.reports:
            for written in report.written:
                milestones += [
                    Milestone(update=written.update, due_on=due_on, title=title, done=done)
                    for due_on, title, done in written.milestones
                ]
                if written.comment is not None:
                    assert report.returned is not None
                    comments.append(
                        ReviewComment(
                            update=written.update,
                            author=report.reviewer,
                            body=written.comment,
                            round=1,
                            created_at=report.returned,
                        )
                    )
    _bulk(Milestone, milestones, counts, "milestones")
    _bulk(ReviewComment, comments, counts, "review_comments")
    # Taken once the updates and their milestones are written, as the services take them.
    for plan in plans:
        for report in plan.reports:
            snapshots += _snapshots(report, latest=report.index == len(ctx.cycles) - 1)
    _bulk(SubmissionSnapshot, snapshots, counts, "submission_snapshots")
    _bulk(HistoryEntry, history, counts, "history_entries")


def _write_history(plan: _StatePlan, ctx: _Context, history: list[HistoryEntry]) -> None:
    """The entries the services would have written for this state's reporting, in order."""
    state, contact = plan.state, plan.contact
    for report in plan.reports:
        submission = report.submission
        assert submission is not None
        label = f"{state.name} — {report.cycle.name}"
        where = {"member_state": state, "submission": submission}
        history.append(_history(report.created, contact, submission, label, "created", {}, **where))
        for course in report.pledges:
            assert course.commitment is not None
            assert course.created is not None
            pledged = changed({}, field_values(course.commitment, COMMITMENT_FIELDS))
            label_c = f"{state.iso_code}: {course.commitment.title}"
            history.append(_history(course.created, contact, course.commitment, label_c, "pledged", pledged, **where))
        if report.extended_at is not None and report.extended_due_on is not None:
            extended = {"extended_due_on": [None, report.extended_due_on.isoformat()]}
            history.append(
                _history(report.extended_at, ctx.secretariat, submission, label, "extended", extended, **where)
            )
        for written in report.written:
            assert written.update is not None
            assert written.course.commitment is not None
            first_values = written.before if written.before is not None else written.values
            created = changed({}, _recorded(first_values))
            if written.milestones:
                created["milestones"] = [[], _milestone_lists(written)]
            label_u = f"Update on {state.iso_code}: {written.course.commitment.title}"
            history.append(_history(written.at, contact, written.update, label_u, "created", created, **where))
        if report.submitted:
            status = {"status": [Submission.Status.DRAFT, Submission.Status.SUBMITTED], "round": [0, 1]}
            history.append(_history(report.submitted[0], contact, submission, label, "submitted", status, **where))
        if report.returned is not None:
            titles = sorted(w.course.pledge.title for w in report.written if w.comment is not None)
            returned = {
                "status": [Submission.Status.SUBMITTED, Submission.Status.RETURNED],
                "returned updates": [None, titles],
            }
            history.append(_history(report.returned, report.reviewer, submission, label, "returned", returned, **where))
            for written in report.written:
                if written.revised_at is None or written.before is None or written.update is None:
                    continue
                edit = {"narrative": [written.before["narrative"], written.values["narrative"]]}
                label_u = f"Update on {state.iso_code}: {written.course.pledge.title}"
                history.append(_history(written.revised_at, contact, written.update, label_u, "updated", edit, **where))
        if len(report.submitted) > 1:
            again = {"status": [Submission.Status.RETURNED, Submission.Status.SUBMITTED], "round": [1, 2]}
            history.append(_history(report.submitted[1], contact, submission, label, "submitted", again, **where))
        if report.accepted is not None:
            accepted = {"status": [Submission.Status.SUBMITTED, Submission.Status.ACCEPTED]}
            history.append(_history(report.accepted, report.reviewer, submission, label, "accepted", accepted, **where))


# --- Setting up: cycles, states, accounts; removing the previous run ---------------------------


@contextmanager
def _explicit_timestamps() -> Iterator[None]:
    """Let the made-up rows keep the times given to them instead of the time of generation."""
    stamped = [
        f
        for model in (Commitment, Submission, ProgressUpdate, ReviewComment, SubmissionSnapshot)
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in stamped]
    for f in stamped:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _cycles() -> list[ReportingCycle]:
    """The reference's initial report, then one progress report a year, April to March."""
    cycles = [ReportingCycle.objects.get(name=INITIAL_REPORT)]
    cycles += [yearly_cycle(year)[0] for year in PROGRESS_REPORT_YEARS]
    return sorted(cycles, key=lambda c: c.due_on)


def _bench_users() -> models.QuerySet[User]:
    return User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}")


def _copies_made() -> models.QuerySet[MemberState]:
    """The copies an earlier run made: a copy's code and a copy's name."""
    return MemberState.objects.filter(iso_code__in=COPY_CODES, name__regex=COPY_NAME)


def _refuse_other_data(real: models.QuerySet[MemberState]) -> None:
    """Refuse to mix with (or delete) data that an earlier run did not make, such as demo data."""
    made_by_bench = HistoryEntry.objects.filter(submission=OuterRef("pk"), actor__in=_bench_users())
    commitments = Commitment.objects.filter(member_state__in=real).exclude(created_by__in=_bench_users()).count()
    submissions = Submission.objects.filter(member_state__in=real).exclude(Exists(made_by_bench)).count()
    # Accounts of copies would block removing the copies; a state of another origin, a copy's code.
    accounts = User.objects.filter(member_state__in=_copies_made()).exclude(pk__in=_bench_users()).count()
    states = MemberState.objects.filter(iso_code__in=COPY_CODES).exclude(pk__in=_copies_made()).count()
    if commitments or submissions or accounts or states:
        raise BenchDataError(
            f"The database holds data that generate_bench_data did not make ({commitments} commitments and "
            f"{submissions} submissions of real member states, {accounts} accounts of benchmark copies, {states} "
            "other member states with codes that copies take; demo data, for example). Generate benchmark data "
            "in a database of its own: manage.py migrate, manage.py load_alliance, then manage.py "
            "generate_bench_data (with DJANGO_SETTINGS_MODULE=bench.settings)."
        )


def _delete(queryset: models.QuerySet[Any]) -> None:
    """Delete rows in one statement. QuerySet.delete() loads and signals every row once anything
    listens to post_delete (the data version does): some 600,000 rows at scale 20. Callers delete
    children first, so that nothing is left to cascade."""
    queryset._raw_delete(queryset.db)


def _remove_previous_run(real: models.QuerySet[MemberState]) -> None:
    """Delete what an earlier run made: the copies, their data, the real members' reporting data."""
    copies = _copies_made()
    states = MemberState.objects.filter(Q(pk__in=copies) | Q(pk__in=real))
    _delete(HistoryEntry.objects.filter(Q(member_state__in=states) | Q(actor__in=_bench_users())))
    for child in (Milestone, ReviewComment, Evidence):
        _delete(child._default_manager.filter(update__submission__member_state__in=states))
    _delete(SubmissionSnapshot.objects.filter(submission__member_state__in=states))
    _delete(ProgressUpdate.objects.filter(submission__member_state__in=states))
    _delete(Submission.objects.filter(member_state__in=states))
    _delete(Commitment.objects.filter(member_state__in=states))
    # A few thousand rows: deleted the usual way, with whatever else is kept per account or state.
    _bench_users().delete()
    copies.delete()


def _copies(real: list[MemberState], count: int) -> list[tuple[MemberState, MemberState]]:
    """`count` copies of each real member state, members (and EU members) as the original; each
    with its original. Copy n of the i-th member takes code n * members + i of COPY_CODES."""
    pairs = [
        (
            MemberState(
                name=f"{state.name} (bench copy {n})",
                iso_code=COPY_CODES[(n - 1) * len(real) + i],
                name_source_id=state.name_source_id,
                listed_as=f"{state.name} (bench copy {n})",
            ),
            state,
        )
        for n in range(1, count + 1)
        for i, state in enumerate(real)
    ]
    MemberState.objects.bulk_create([copy for copy, _ in pairs], batch_size=BATCH_SIZE)
    memberships, eu_memberships = [], []
    for copy, original in pairs:
        note = f"Made up for benchmarks: a copy of {original.name}'s membership, not a reference fact."
        memberships += [
            Membership(
                member_state=copy,
                joined_on=m.joined_on,
                joined_on_basis=m.joined_on_basis,
                left_on=m.left_on,
                source_id=m.source_id,
                note=note,
            )
            for m in original.memberships.all()
        ]
        eu_memberships += [
            EuMembership(
                member_state=copy,
                started_on=m.started_on,
                started_on_basis=m.started_on_basis,
                ended_on=m.ended_on,
                source_id=m.source_id,
                note=note,
            )
            for m in original.eu_memberships.all()
        ]
    Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)
    EuMembership.objects.bulk_create(eu_memberships, batch_size=BATCH_SIZE)
    return pairs


def _accounts(states: list[MemberState]) -> tuple[User, list[User], dict[int, User]]:
    """The secretariat (who entered the early pledges), three reviewers, and a contact per state."""
    launch = datetime.combine(ref.LAUNCH_DATE, time(9), tzinfo=UTC)
    common = {"password": UNUSABLE_PASSWORD, "date_joined": launch}
    secretariat = User(
        email=SECRETARIAT_EMAIL, full_name="Secretariat (bench)", role=User.Role.SECRETARIAT_ADMIN, **common
    )
    reviewers = [
        User(email=email, full_name=f"Reviewer {n} (bench)", role=User.Role.SECRETARIAT_REVIEWER, **common)
        for n, email in enumerate(REVIEWER_EMAILS, start=1)
    ]
    contacts = [
        User(
            email=f"contact.{state.iso_code.lower()}@{BENCH_DOMAIN}",
            full_name=f"National contact point, {state.name} (bench)",
            role=User.Role.NATIONAL_CONTACT,
            member_state=state,
            **common,
        )
        for state in states
    ]
    User.objects.bulk_create([secretariat, *reviewers, *contacts], batch_size=BATCH_SIZE)
    return secretariat, reviewers, {state.pk: contact for state, contact in zip(states, contacts, strict=True)}


@transaction.atomic
def generate(*, scale: int, seed: int = 2012) -> dict[str, int]:
    """Replace the benchmark data with that of `scale` (1 to 100) times the Alliance (see the module's
    docstring for how); row counts by kind."""
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"The scale is a whole number from 1 to {MAX_SCALE}.")
    if not PolicyTarget.objects.exists() or not ReportingCycle.objects.filter(name=INITIAL_REPORT).exists():
        load_reference_data()
    cycles = _cycles()
    real_codes = [member.iso_code for member in ref.MEMBERS]
    real_members = member_states_on(day=cycles[-1].due_on).filter(iso_code__in=real_codes)
    real = MemberState.objects.filter(pk__in=real_members.values("pk"))
    _refuse_other_data(real)

    counts: Counter[str] = Counter()
    with _explicit_timestamps():
        _remove_previous_run(real)
        originals = list(real.order_by("iso_code").prefetch_related("memberships", "eu_memberships"))
        plan = layout(scale, len(originals))
        # Group 0 is the real members, group n their n-th copies, each with the original's membership.
        groups = [[(state, state) for state in originals]]
        copies = _copies(originals, plan.copies)
        groups += [copies[offset : offset + len(originals)] for offset in range(0, len(copies), len(originals))]
        states = [state for group in groups for state, _ in group]
        secretariat, reviewers, contacts = _accounts(states)
        ctx = _Context(
            cycles=cycles,
            targets={t.code: t for t in PolicyTarget.objects.all()},
            goals={g.code: g for g in OperationalGoal.objects.select_related("target")},
            actions={a.code: a for a in PotentialAction.objects.all()},
            secretariat=secretariat,
            reviewers=reviewers,
        )
        members_on = [set(member_states_on(day=c.due_on).values_list("pk", flat=True)) for c in cycles]
        joined = {state.pk: min(m.joined_on for m in state.memberships.all()) for state in originals}
        # One group of states at a time: every row a group needs is in memory together, no more.
        for group, portfolios in zip(groups, plan.portfolios, strict=True):
            plans = []
            for state, original in group:
                rng = random.Random(f"{seed}:{state.iso_code}")  # noqa: S311 - reproducible made-up data
                member_in = [state.pk in members for members in members_on]
                contact = contacts[state.pk]
                plans.append(_plan(state, contact, rng, member_in, joined[original.pk], portfolios, ctx))
            _write_plans(plans, ctx, counts)

    data_changed()  # bulk writes send no signals: cached API answers must go
    counts["member_states"] = len(states)
    counts["bench_copies"] = len(copies)
    counts["accounts"] = 1 + len(reviewers) + len(contacts)
    counts["cycles"] = len(cycles)
    return dict(sorted(counts.items()))
