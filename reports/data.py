"""The content of a cycle's progress report, as plain data, for each edition.

Pure reads: the same database content gives the same data, key for key, so that the JSON and CSV
renderings are byte-identical from one compile to the next. The public edition is built from
accepted submissions and public updates only; nothing else is ever read into it.
"""

import csv
import hashlib
import io
import json
from collections import Counter
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from commitments.models import (
    Commitment,
    Confidentiality,
    PolicyTarget,
    ProgressUpdate,
    ReportingCycle,
    Submission,
)
from commitments.selectors import member_states_on

from .goals import icse_growth, takedown_trend
from .models import CompiledReport

ICSE_GOAL = "icse-identified-victims"
TAKEDOWN_GOAL = "notice-and-takedown-speed"


def _updates_for(edition: str) -> QuerySet[ProgressUpdate]:
    updates = ProgressUpdate.objects.select_related("submission", "commitment__goal").prefetch_related("milestones")
    if edition == CompiledReport.Edition.PUBLIC:
        return updates.filter(submission__status=Submission.Status.ACCEPTED, confidentiality=Confidentiality.PUBLIC)
    return updates


def _submissions_for(edition: str) -> Q:
    if edition == CompiledReport.Edition.PUBLIC:
        return Q(status=Submission.Status.ACCEPTED)
    return Q()


def previous_cycle(cycle: ReportingCycle) -> ReportingCycle | None:
    return ReportingCycle.objects.filter(due_on__lt=cycle.due_on).order_by("-due_on").first()


def _figures(updates: list[ProgressUpdate], field: str) -> dict[int, Any]:
    """Per member state, the sum (ICSE) or median-of-medians (takedown) of a figure, None if unreported."""
    values: dict[int, list[Any]] = {}
    for update in updates:
        value = getattr(update, field)
        if value is not None:
            values.setdefault(update.submission.member_state_id, []).append(value)
    if field == "icse_victims_identified":
        return {member: sum(v) for member, v in values.items()}
    return {member: sorted(v)[len(v) // 2] for member, v in values.items()}


def _submissions_of(cycle: ReportingCycle, edition: str) -> dict[int, Submission]:
    return {
        s.member_state_id: s
        for s in Submission.objects.filter(_submissions_for(edition), cycle=cycle).select_related("cycle")
    }


def _standing(submission: Submission | None, cycle: ReportingCycle, today: date) -> tuple[str, bool]:
    """(on_time | late | missing, late?) of a member's submission in a cycle."""
    late = submission.is_late_on(today) if submission else today > cycle.due_on
    if submission is None or submission.first_submitted_at is None:
        return "missing", late
    return ("late" if late else "on_time"), late


def _completeness(
    members: list[Any], submissions: dict[int, Submission], cycle: ReportingCycle, today: date
) -> dict[str, int]:
    counts: Counter[str] = Counter(_standing(submissions.get(m.pk), cycle, today)[0] for m in members)
    return {key: counts[key] for key in ("on_time", "late", "missing")}


def _average(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def report_data(*, cycle: ReportingCycle, edition: str, today: date) -> dict[str, Any]:
    members = list(member_states_on(day=cycle.due_on).order_by("iso_code"))
    submissions = _submissions_of(cycle, edition)
    updates = list(_updates_for(edition).filter(submission__cycle=cycle).order_by("pk"))
    by_commitment = {u.commitment_id: u for u in updates}
    commitments = list(
        Commitment.objects.filter(member_state__in=members)
        .select_related("target", "goal", "action")
        .order_by("member_state__iso_code", "target__number", "pk")
    )
    if edition == CompiledReport.Edition.PUBLIC:
        # Only pledges that are part of a published report.
        commitments = [c for c in commitments if c.pk in by_commitment]
    previous = previous_cycle(cycle)
    previous_updates = list(_updates_for(edition).filter(submission__cycle=previous)) if previous else []

    icse_now, icse_before = (
        _figures(updates, "icse_victims_identified"),
        _figures(previous_updates, "icse_victims_identified"),
    )
    takedown_now, takedown_before = (
        _figures(updates, "takedown_median_hours"),
        _figures(previous_updates, "takedown_median_hours"),
    )
    targets = list(PolicyTarget.objects.prefetch_related("goals").order_by("number"))
    pledges_of: dict[int, list[Commitment]] = {}
    for commitment in commitments:
        pledges_of.setdefault(commitment.member_state_id, []).append(commitment)
    member_rows: list[dict[str, Any]] = []
    for member in members:
        submission = submissions.get(member.pk)
        state = "missing" if submission is None else submission.status
        late = _standing(submission, cycle, today)[1]
        pledges = pledges_of.get(member.pk, [])
        member_rows.append(
            {
                "iso_code": member.iso_code,
                "name": member.name,
                "submission": state,
                "late": late,
                "commitments": [_commitment_row(c, by_commitment.get(c.pk)) for c in pledges],
                "goal_checks": {
                    "icse_identified_victims": icse_growth(
                        current=icse_now.get(member.pk), previous=icse_before.get(member.pk)
                    ).as_dict(),
                    "takedown_trend": takedown_trend(
                        current=takedown_now.get(member.pk), previous=takedown_before.get(member.pk)
                    ).value,
                },
            }
        )
    all_rows = [row for m in member_rows for row in m["commitments"]]
    reported = [row["update"]["completion_percent"] for row in all_rows if row["update"]]
    alliance_now = sum(icse_now.values()) if icse_now else None
    alliance_before = sum(icse_before.values()) if icse_before else None
    alliance_icse = icse_growth(current=alliance_now, previous=alliance_before).as_dict()
    if previous is not None:
        previous_members = list(member_states_on(day=previous.due_on))
        change: dict[str, Any] | None = {
            "cycle": previous.name,
            "members": len(previous_members),
            "completeness": _completeness(previous_members, _submissions_of(previous, edition), previous, today),
            "average_completion": _average([u.completion_percent for u in previous_updates]),
            "updates": len(previous_updates),
        }
    else:
        change = None
    return {
        "cycle": {
            "id": cycle.pk,
            "name": cycle.name,
            "period_start": cycle.period_start.isoformat(),
            "period_end": cycle.period_end.isoformat(),
            "due_on": cycle.due_on.isoformat(),
            "previous_cycle": previous.name if previous else None,
            # Final once the cycle is past its due date; a draft while members are still reporting.
            "final": today > cycle.due_on,
        },
        "edition": edition,
        "overview": {
            "members": len(members),
            "completeness": _completeness(members, submissions, cycle, today),
            "commitments_by_target": {t.code: sum(1 for r in all_rows if r["target"] == t.code) for t in targets},
            "commitments_by_status": {
                status.value: sum(1 for r in all_rows if r["status"] == status.value) for status in Commitment.Status
            },
            "average_completion": _average(reported),
            "updates": len(reported),
            "icse_identified_victims": alliance_icse,
            "change_since_previous": change,
        },
        "targets": _target_sections(targets, all_rows, member_rows, alliance_icse),
        "members": member_rows,
        "sources": {
            "figures": "Figures are those reported by each member state in its progress updates "
            "(with the source each gives); growth is against the previous cycle's figures.",
        },
    }


def _target_sections(
    targets: list[PolicyTarget], rows: list[dict[str, Any]], members: list[dict[str, Any]], icse: dict[str, Any]
) -> list[dict[str, Any]]:
    """Per policy target: its commitments by status and progress; per operational goal, the
    commitments towards it and, where the figures allow, the automatic check."""
    icse_results = Counter(m["goal_checks"]["icse_identified_victims"]["result"] for m in members)
    takedown_trends = Counter(m["goal_checks"]["takedown_trend"] for m in members)
    sections = []
    for target in targets:
        on_target = [r for r in rows if r["target"] == target.code]
        goals = []
        for goal in sorted(target.goals.all(), key=lambda g: g.number):
            towards = [r for r in on_target if r["goal"] == goal.code]
            check: dict[str, Any] | None = None
            if goal.code == ICSE_GOAL:
                check = {"alliance": icse, "members": {k: icse_results[k] for k in sorted(icse_results)}}
            elif goal.code == TAKEDOWN_GOAL:
                check = {"members": {k: takedown_trends[k] for k in sorted(takedown_trends)}}
            goals.append(
                {
                    "code": goal.code,
                    "number": goal.number,
                    "text": goal.text,
                    "commitments": len(towards),
                    "average_completion": _average([r["update"]["completion_percent"] for r in towards if r["update"]]),
                    "check": check,
                }
            )
        sections.append(
            {
                "code": target.code,
                "number": target.number,
                "title": target.title,
                "commitments": len(on_target),
                "by_status": {
                    status.value: sum(1 for r in on_target if r["status"] == status.value)
                    for status in Commitment.Status
                },
                "average_completion": _average([r["update"]["completion_percent"] for r in on_target if r["update"]]),
                "goals": goals,
            }
        )
    return sections


def _commitment_row(commitment: Commitment, update: ProgressUpdate | None) -> dict[str, Any]:
    return {
        "id": commitment.pk,
        "title": commitment.title,
        "target": commitment.target.code,
        "goal": commitment.goal.code if commitment.goal else None,
        "action": commitment.action.code if commitment.action else None,
        "status": commitment.status,
        "update": None
        if update is None
        else {
            "status": update.status,
            "completion_percent": update.completion_percent,
            "narrative": update.narrative,
            "confidentiality": update.confidentiality,
            "icse_victims_identified": update.icse_victims_identified,
            "takedown_median_hours": None
            if update.takedown_median_hours is None
            else str(update.takedown_median_hours),
            "figures_source": update.figures_source,
            "milestones": [
                {"due_on": m.due_on.isoformat(), "title": m.title, "done": m.done} for m in update.milestones.all()
            ],
        },
    }


def render_json(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


CSV_COLUMNS = (
    "member", "member_name", "submission", "late", "commitment_id", "commitment", "target", "goal", "action",
    "commitment_status", "update_status", "completion_percent", "confidentiality", "icse_victims_identified",
    "takedown_median_hours", "figures_source", "narrative",
)  # fmt: skip


def render_csv(data: dict[str, Any]) -> bytes:
    """One row per commitment, in a fixed order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for member in data["members"]:
        for row in member["commitments"]:
            update = row["update"] or {}
            member_part = [member["iso_code"], member["name"], member["submission"], member["late"]]
            commitment_part = [row["id"], row["title"], row["target"], row["goal"] or "", row["action"] or ""]
            update_part = [
                row["status"],
                update.get("status", ""),
                update.get("completion_percent", ""),
                update.get("confidentiality", ""),
                update.get("icse_victims_identified") or "",
                update.get("takedown_median_hours") or "",
                update.get("figures_source", ""),
                update.get("narrative", ""),
            ]
            writer.writerow(member_part + commitment_part + update_part)
    return buffer.getvalue().encode()


def data_version(data: dict[str, Any]) -> str:
    """A digest of the report's content: the same data gives the same version."""
    return hashlib.sha256(render_json(data)).hexdigest()[:16]


def render_xlsx(data: dict[str, Any]) -> bytes:
    """One sheet per section: overview, commitments (as the CSV), goal checks."""
    from openpyxl import Workbook

    book = Workbook()
    overview = book.active
    assert overview is not None
    overview.title = "Overview"
    overview.append(["Cycle", data["cycle"]["name"]])
    overview.append(["Edition", data["edition"]])
    overview.append(["Members", data["overview"]["members"]])
    for key, value in data["overview"]["completeness"].items():
        overview.append([f"Submissions {key.replace('_', ' ')}", value])
    for key, value in data["overview"]["commitments_by_target"].items():
        overview.append([f"Commitments on {key}", value])
    overview.append(["Average completion (%)", data["overview"]["average_completion"]])
    commitments = book.create_sheet("Commitments")
    for row in csv.reader(io.StringIO(render_csv(data).decode())):
        commitments.append(row)
    goals = book.create_sheet("Goal checks")
    goals.append(["member", "icse_current", "icse_previous", "icse_growth_percent", "icse_result", "takedown_trend"])
    for member in data["members"]:
        icse = member["goal_checks"]["icse_identified_victims"]
        goals.append(
            [
                member["iso_code"],
                icse["current"],
                icse["previous"],
                icse["growth_percent"],
                icse["result"],
                member["goal_checks"]["takedown_trend"],
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf())
