"""The content of a cycle's progress report, as plain data, for each edition.

Pure reads of what was known for the cycle (`reports.content`): compiling a past cycle's report
again gives the same data, key for key, so that the JSON and CSV renderings are byte-identical,
whatever was pledged, reported or joined since. The public edition holds accepted, public content
only; both editions say where every member's report stands.
"""

import csv
import hashlib
import io
import json
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from alliance.spreadsheets import safe_row
from commitments.models import Commitment, GoalCode, PolicyTarget, ReportingCycle, ReportingState, SourceDiscrepancy
from commitments.models.wording import OFFICIAL_LANGUAGE, Wording, speaking

from .content import MemberContent, is_yearly, member_contents, previous_cycle, year_before
from .goals import alliance_icse_growth, icse_growth, median, takedown_trend
from .labels import Completeness, PublicState, UpdateStatus
from .models import CompiledReport

# The readings of the goals that the checks apply, as the reference data records them.
READINGS = ("icse-goal-reading", "takedown-goal-reading")
# Where a member's report stands, in the public edition's words: a report submitted and not yet
# accepted is awaiting review, not missing.
PUBLIC_STATE = {
    ReportingState.ACCEPTED: PublicState.ACCEPTED.value,
    ReportingState.SUBMITTED: PublicState.AWAITING_REVIEW.value,
    ReportingState.RETURNED: PublicState.AWAITING_REVIEW.value,
    ReportingState.DRAFT: PublicState.NOT_SUBMITTED.value,
    ReportingState.NOT_STARTED: PublicState.NOT_SUBMITTED.value,
}
# The statuses counted in the overview and per target, in order: those of a commitment, and none.
STATUSES = (*Commitment.Status.values, UpdateStatus.NOT_REPORTED.value)


def _report_state(content: MemberContent, edition: str) -> str:
    state = content.standing.state
    return PUBLIC_STATE[ReportingState(state)] if edition == CompiledReport.Edition.PUBLIC else state


def _completeness(contents: list[MemberContent]) -> dict[str, int]:
    """How many reports were submitted on time, late, or not (yet); and how many of those
    submitted are accepted or awaiting review."""
    counts: Counter[str] = Counter()
    for content in contents:
        where = content.standing
        submitted = where.submission is not None and where.submission.first_submitted_at is not None
        stood = (
            Completeness.NOT_SUBMITTED
            if not submitted
            else Completeness.LATE
            if where.is_late
            else Completeness.ON_TIME
        )
        counts[stood.value] += 1
        if where.state == ReportingState.ACCEPTED:
            counts[Completeness.ACCEPTED.value] += 1
        elif where.state in (ReportingState.SUBMITTED, ReportingState.RETURNED):
            counts[Completeness.AWAITING_REVIEW.value] += 1
    return {key: counts[key] for key in Completeness.values}


def _icse(content: MemberContent) -> int | None:
    figures = content.figures("icse_victims_identified")
    return sum(figures) if figures else None


def _takedown(content: MemberContent) -> Decimal | None:
    return median([Decimal(str(value)) for value in content.figures("takedown_median_hours")])


def _average(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _rows(contents: list[MemberContent]) -> list[dict[str, Any]]:
    return [_commitment_row(row) for content in contents for row in content.rows]


def report_data(
    *, cycle: ReportingCycle, edition: str, today: date, language: str = OFFICIAL_LANGUAGE
) -> dict[str, Any]:
    """The content of a cycle's report in one edition, its words in `language`: the sentences of
    the method in it, the reference texts in its unofficial translation where there is one."""
    with speaking(language):
        return _report_data(cycle=cycle, edition=edition, today=today, language=language)


def _report_data(*, cycle: ReportingCycle, edition: str, today: date, language: str) -> dict[str, Any]:
    targets = list(PolicyTarget.objects.prefetch_related("goals").order_by("number"))
    order = {t.code: t.number for t in targets}
    contents = member_contents(cycle=cycle, edition=edition, today=today, targets=order)
    comparison = year_before(cycle)
    before = (
        {c.member.iso_code: c for c in member_contents(cycle=comparison, edition=edition, today=today, targets=order)}
        if comparison
        else {}
    )
    names = {c.member.iso_code: c.member.name for c in [*contents, *before.values()]}
    icse_now = {c.member.iso_code: v for c in contents if (v := _icse(c)) is not None}
    icse_before = {code: v for code, c in before.items() if (v := _icse(c)) is not None}

    member_rows: list[dict[str, Any]] = []
    for content in contents:
        code = content.member.iso_code
        earlier = before.get(code)
        member_rows.append(
            {
                "iso_code": code,
                "name": content.member.name,
                "submission": _report_state(content, edition),
                "late": content.standing.is_late,
                "content": content.source,
                "commitments": [_commitment_row(row) for row in content.rows],
                "goal_checks": {
                    "icse_identified_victims": icse_growth(
                        current=icse_now.get(code), previous=icse_before.get(code) if comparison else None
                    ).as_dict(),
                    "takedown_trend": takedown_trend(
                        current=_takedown(content), previous=_takedown(earlier) if earlier else None
                    ).value,
                },
            }
        )
    all_rows = [row for member in member_rows for row in member["commitments"]]
    reported = [row["update"]["completion_percent"] for row in all_rows if row["update"]]
    alliance_icse = alliance_icse_growth(
        current=icse_now,
        previous=icse_before if comparison else None,
        names=names,
        this_year=cycle.name,
        year_before=comparison.name if comparison else None,
    )
    previous = previous_cycle(cycle)
    change: dict[str, Any] | None = None
    if previous is not None:
        earlier_contents = member_contents(cycle=previous, edition=edition, today=today, targets=order)
        earlier_rows = _rows(earlier_contents)
        change = {
            "cycle": previous.name,
            "members": len(earlier_contents),
            "completeness": _completeness(earlier_contents),
            "average_completion": _average([r["update"]["completion_percent"] for r in earlier_rows if r["update"]]),
            "updates": sum(1 for r in earlier_rows if r["update"]),
        }
    statuses = Counter(
        row["update"]["status"] if row["update"] else UpdateStatus.NOT_REPORTED.value for row in all_rows
    )
    return {
        "cycle": {
            "id": cycle.pk,
            "name": cycle.name,
            "period_start": cycle.period_start.isoformat(),
            "period_end": cycle.period_end.isoformat(),
            "due_on": cycle.due_on.isoformat(),
            "previous_cycle": previous.name if previous else None,
            "year_before": comparison.name if comparison else None,
            "yearly": is_yearly(cycle),
            # Final once the cycle is past its due date; a draft while members are still reporting.
            "final": today > cycle.due_on,
        },
        "edition": edition,
        "language": language,
        "overview": {
            "members": len(contents),
            "completeness": _completeness(contents),
            "commitments_by_target": {t.code: sum(1 for r in all_rows if r["target"] == t.code) for t in targets},
            "commitments_by_status": {key: statuses[key] for key in STATUSES},
            "average_completion": _average(reported),
            "updates": len(reported),
            "icse_identified_victims": alliance_icse,
            "change_since_previous": change,
        },
        "targets": _target_sections(targets, all_rows, member_rows, alliance_icse),
        "members": member_rows,
        "method": {
            "as_of": gettext(
                "As of %(cycle)s: the members of the Alliance on its due date, and for each the content "
                "accepted for this cycle (in the secretariat edition, the content submitted, or being written, "
                "where none is accepted yet). Nothing pledged, reported or changed later is shown."
            )
            % {"cycle": cycle.name},
            "readings": [
                {"key": item.key, "subject": item.subject, "choice": item.choice}
                for item in SourceDiscrepancy.objects.filter(key__in=READINGS).order_by("key")
            ],
        },
        "sources": {
            "figures": gettext(
                "Figures are those reported by each member state in its progress updates "
                "(with the source each gives); growth is year on year, over the members that reported the "
                "figure in both years."
            ),
        },
    }


def _worded(name: str, wording: Wording) -> dict[str, Any]:
    """A reference text in the report's language, with the language it is in (an unofficial
    translation, or the official English wording where there is none)."""
    return {name: wording.text, f"{name}_language": wording.language, f"{name}_official": wording.official}


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
            if goal.code == GoalCode.ICSE:
                check = {"alliance": icse, "members": {k: icse_results[k] for k in sorted(icse_results)}}
            elif goal.code == GoalCode.TAKEDOWN:
                check = {"members": {k: takedown_trends[k] for k in sorted(takedown_trends)}}
            goals.append(
                {
                    "code": goal.code,
                    "number": goal.number,
                    **_worded("text", goal.wording("text")),
                    "commitments": len(towards),
                    "average_completion": _average([r["update"]["completion_percent"] for r in towards if r["update"]]),
                    "check": check,
                }
            )
        by_status = Counter(
            r["update"]["status"] if r["update"] else UpdateStatus.NOT_REPORTED.value for r in on_target
        )
        sections.append(
            {
                "code": target.code,
                "number": target.number,
                **_worded("title", target.wording("title")),
                "commitments": len(on_target),
                "by_status": {key: by_status[key] for key in STATUSES},
                "average_completion": _average([r["update"]["completion_percent"] for r in on_target if r["update"]]),
                "goals": goals,
            }
        )
    return sections


def _commitment_row(row: Any) -> dict[str, Any]:
    return {
        "id": row.commitment_id,
        "title": row.title,
        "target": row.target,
        "goal": row.goal,
        "action": row.action,
        "update": row.update,
    }


def render_json(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


# The CSV is a machine format, read by programs: its header and values are the data's codes
# (`on_track`, `not_met`, ISO dates), documented in docs/reports.md; people read the XLSX.
CSV_COLUMNS = (
    "member", "member_name", "submission", "late", "commitment_id", "commitment", "target", "goal", "action",
    "update_status", "completion_percent", "confidentiality", "icse_victims_identified",
    "takedown_median_hours", "figures_source", "narrative", "narrative_language",
)  # fmt: skip


def render_csv(data: dict[str, Any]) -> bytes:
    """One row per commitment, in a fixed order; text a spreadsheet would run is neutralised."""
    buffer = io.StringIO()
    # Lines end in CRLF (RFC 4180): Python's writer quotes a field holding a line terminator's
    # characters only, and a carriage return typed in a narrative would otherwise end the row.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for member in data["members"]:
        for row in member["commitments"]:
            update = row["update"] or {}
            member_part = [member["iso_code"], member["name"], member["submission"], member["late"]]
            commitment_part = [row["id"], row["title"], row["target"], row["goal"] or "", row["action"] or ""]
            update_part = [
                update.get("status", ""),
                update.get("completion_percent", ""),
                update.get("confidentiality", ""),
                update.get("icse_victims_identified") or "",
                update.get("takedown_median_hours") or "",
                update.get("figures_source", ""),
                update.get("narrative", ""),
                update.get("narrative_language", ""),
            ]
            writer.writerow(safe_row(member_part + commitment_part + update_part))
    return buffer.getvalue().encode()


def data_version(data: dict[str, Any]) -> str:
    """A digest of the report's content: the same data gives the same version."""
    return hashlib.sha256(render_json(data)).hexdigest()[:16]
