"""What each public page shows, assembled from the selectors: plain data and server-rendered SVG
charts (reports.charts), each chart with the table that says the same in words and numbers.

Built once per publication and data version (see public.views), in the language of the request.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments.models import GoalCode, Wording
from commitments.selectors import membership_recorded_on
from reports.charts import bar_chart
from reports.goals import CheckResult
from reports.labels import check_label, long_date, number, percent, status_label, trend_label

from . import selectors
from .labels import MAP_STATES, state_label
from .maps import member_map_svg, state_class
from .selectors import MembershipStep, MemberStanding, Publication


def wording_html(wording: Wording) -> SafeString:
    """A reference text as the pages show it (includes/wording.html: in its language, an
    unofficial translation said to be one), to go into a sentence of a template."""
    return SafeString(render_to_string("includes/wording.html", {"wording": wording, "beside": False}).strip())


# --- Dashboard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalProgress:
    number: int
    text: Wording  # as the published report words it
    commitments: int
    average_completion: float | None
    check: str  # the automatic check, in words ("" where the goal has none)


@dataclass(frozen=True)
class TargetProgress:
    number: int
    title: Wording  # as the published report words it
    commitments: int
    by_status: tuple[tuple[str, int], ...]  # (words, count), the statuses with commitments only
    average_completion: float | None
    goals: tuple[GoalProgress, ...]

    @property
    def title_html(self) -> SafeString:
        return wording_html(self.title)


@dataclass(frozen=True)
class CycleSummary:
    publication: Publication
    members: int
    reported: int
    on_time: int
    late: int
    not_submitted: int
    accepted: int
    awaiting_review: int
    updates: int
    average_completion: float | None
    final: bool
    targets: tuple[TargetProgress, ...]
    reports_chart: SafeString
    targets_chart: SafeString


@dataclass(frozen=True)
class Dashboard:
    steps: tuple[MembershipStep, ...]
    members_chart: SafeString
    recorded_on: date | None  # the date of the latest source of the membership records
    latest: CycleSummary | None
    published: int  # how many cycles have a published report


def _counts_in_words(counts: dict[str, int], words: Callable[[str], str]) -> str:
    return "; ".join(f"{words(code)}: {number(count)}" for code, count in counts.items() if count)


def _check_in_words(goal: dict[str, Any]) -> str:
    check = goal.get("check")
    if not check:
        return ""
    by_member = ""
    if check.get("members"):
        words = trend_label if goal["code"] == GoalCode.TAKEDOWN else check_label
        by_member = _("Members: %(counts)s.") % {"counts": _counts_in_words(check["members"], words)}
    alliance = check.get("alliance")
    if not alliance:
        return by_member
    result = alliance["result"]
    if result in (CheckResult.MET, CheckResult.NOT_MET):
        compared = len(alliance.get("compared") or [])
        growth = percent(alliance["growth_percent"])
        alliance_words = ngettext(
            "Alliance: %(result)s (%(growth)s identified victims compared with %(year)s, "
            "over the %(count)s member that reported the figure in both years).",
            "Alliance: %(result)s (%(growth)s identified victims compared with %(year)s, "
            "over the %(count)s members that reported the figure in both years).",
            compared,
        ) % {
            "result": check_label(result).lower(),
            "growth": growth if growth.startswith("-") else f"+{growth}",
            "year": alliance.get("year_before") or "",
            "count": number(compared),
        }
    else:
        alliance_words = _("Alliance: %(result)s.") % {"result": check_label(result).lower()}
    return f"{alliance_words} {by_member}".strip()


def cycle_summary(item: Publication, data: dict[str, Any]) -> CycleSummary:
    overview = data["overview"]
    completeness = overview["completeness"]
    targets = tuple(
        TargetProgress(
            number=target["number"],
            title=selectors.published_wording(target, "title"),
            commitments=target["commitments"],
            by_status=tuple((status_label(code), count) for code, count in target["by_status"].items() if count),
            average_completion=target["average_completion"],
            goals=tuple(
                GoalProgress(
                    number=goal["number"],
                    text=selectors.published_wording(goal, "text"),
                    commitments=goal["commitments"],
                    average_completion=goal["average_completion"],
                    check=_check_in_words(goal),
                )
                for goal in target["goals"]
            ),
        )
        for target in data["targets"]
    )
    reports_chart = bar_chart(
        _("Reports for %(cycle)s") % {"cycle": item.cycle_name},
        [
            (_("Submitted on time"), completeness["on_time"]),
            (_("Submitted late"), completeness["late"]),
            (_("Not submitted"), completeness["not_submitted"]),
        ],
    )
    targets_chart = bar_chart(
        _("Average completion by policy target (%)"),
        [(_("Target %(number)d") % {"number": target.number}, target.average_completion) for target in targets],
    )
    return CycleSummary(
        publication=item,
        members=overview["members"],
        reported=completeness["on_time"] + completeness["late"],
        on_time=completeness["on_time"],
        late=completeness["late"],
        not_submitted=completeness["not_submitted"],
        accepted=completeness["accepted"],
        awaiting_review=completeness["awaiting_review"],
        updates=overview["updates"],
        average_completion=overview["average_completion"],
        final=bool(data["cycle"]["final"]),
        targets=targets,
        reports_chart=reports_chart,
        targets_chart=targets_chart,
    )


def dashboard() -> Dashboard:
    steps = tuple(selectors.members_over_time())
    published = selectors.publications()
    latest = None
    if published:
        data = selectors.published_data(published[0])
        latest = cycle_summary(published[0], data) if data is not None else None
    members_chart = bar_chart(
        _("Member states of the Alliance"),
        [(long_date(step.day), step.members) for step in steps],
    )
    return Dashboard(steps, members_chart, membership_recorded_on(), latest, len(published))


# --- The map --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegendEntry:
    css_class: str
    words: str
    count: int


@dataclass(frozen=True)
class MapRow:
    iso_code: str
    name: str
    words: str  # where its report stands


@dataclass(frozen=True)
class MapPage:
    latest: Publication | None
    members: tuple[MapRow, ...]
    legend: tuple[LegendEntry, ...]
    svg: SafeString
    drawn: int  # members on the map (the others, if any, are in the table only)


def state_words(standing: MemberStanding) -> str:
    words = state_label(standing.state)
    return _("%(state)s (late)") % {"state": words} if standing.late else words


def world(*, today: date) -> MapPage:
    published = selectors.publications()
    latest = published[0] if published else None
    members = tuple(selectors.member_standings(latest=latest, today=today))
    counts = {state: sum(1 for m in members if m.state == state) for state in MAP_STATES}
    legend = tuple(
        LegendEntry(state_class(state), state_label(state), counts[state]) for state in MAP_STATES if counts[state]
    )
    title = (
        _("Member states of the Alliance by where their report for %(cycle)s stands") % {"cycle": latest.cycle_name}
        if latest
        else _("Member states of the Alliance")
    )
    rows = tuple(MapRow(m.iso_code, m.name, state_words(m)) for m in members)
    svg, drawn = member_map_svg(
        [(m.iso_code, m.name, m.state, f"{row.name}: {row.words}") for m, row in zip(members, rows, strict=True)],
        title=title,
    )
    return MapPage(latest, rows, legend, svg, drawn)


# --- A member's page ------------------------------------------------------------------------


@dataclass(frozen=True)
class PledgeCycle:
    cycle: str
    status: str
    completion: int | None
    narrative: str
    figures: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Pledge:
    id: int
    title: str
    target_number: int | None
    target: Wording  # the policy target's title, as the published report words it
    goal: Wording | None  # the operational goal's text, likewise
    cycles: tuple[PledgeCycle, ...]
    chart: SafeString

    @property
    def target_html(self) -> SafeString:
        return wording_html(self.target)

    @property
    def goal_html(self) -> SafeString:
        return wording_html(self.goal) if self.goal is not None else SafeString("")


@dataclass(frozen=True)
class MemberCycle:
    publication: Publication
    state: str
    pledges: int
    average_completion: float | None


@dataclass(frozen=True)
class MemberPage:
    iso_code: str
    name: str
    cycles: tuple[MemberCycle, ...]  # oldest first
    pledges: tuple[Pledge, ...]
    chart: SafeString | None


def _figures(update: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    figures = []
    if update.get("icse_victims_identified") is not None:
        figures.append((_("Victims identified (ICSE)"), number(update["icse_victims_identified"])))
    if update.get("takedown_median_hours") not in (None, ""):
        figures.append((_("Median hours to takedown"), number(update["takedown_median_hours"])))
    if figures and update.get("figures_source"):
        figures.append((_("Source of the figures"), str(update["figures_source"])))
    return tuple(figures)


def member(*, iso_code: str) -> MemberPage:
    state = selectors.member_state(iso_code=iso_code)
    cycles: list[MemberCycle] = []
    rows: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    titles: dict[int, tuple[str, int | None, Wording, Wording | None]] = {}
    for item in reversed(selectors.publications()):  # oldest first
        data = selectors.published_data(item)
        entry = selectors.member_in(data, state.iso_code)
        if data is None or entry is None:
            continue
        targets = {t["code"]: t for t in data["targets"]}
        goals = {g["code"]: g for t in data["targets"] for g in t["goals"]}
        reported = [row["update"]["completion_percent"] for row in entry["commitments"] if row["update"]]
        words = state_label(entry["submission"])
        cycles.append(
            MemberCycle(
                item,
                _("%(state)s (late)") % {"state": words} if entry["late"] else words,
                len(entry["commitments"]),
                round(sum(reported) / len(reported), 1) if reported else None,
            )
        )
        for row in entry["commitments"]:
            target = targets.get(row["target"], {})
            goal = goals.get(row["goal"] or "", {})
            titles[row["id"]] = (
                row["title"],
                target.get("number"),
                selectors.published_wording(target, "title", default=row["target"]),
                selectors.published_wording(goal, "text") if goal.get("text") else None,
            )
            rows.setdefault(row["id"], []).append((item.cycle_name, row))
    pledges = []
    for pledge_id, entries in rows.items():
        title, target_number, target, goal = titles[pledge_id]
        progress = tuple(
            PledgeCycle(
                cycle=cycle,
                status=status_label(row["update"]["status"] if row["update"] else "not_reported"),
                completion=row["update"]["completion_percent"] if row["update"] else None,
                narrative=(row["update"] or {}).get("narrative", ""),
                figures=_figures(row["update"] or {}),
            )
            for cycle, row in entries
        )
        pledge_chart = bar_chart(
            _("Completion by cycle (%%): %(pledge)s") % {"pledge": title},
            [(entry.cycle, entry.completion) for entry in progress],
        )
        pledges.append(Pledge(pledge_id, title, target_number, target, goal, progress, pledge_chart))
    pledges.sort(key=lambda p: (p.target_number or 0, p.target.text, p.title, p.id))
    chart: SafeString | None = None
    if any(cycle.average_completion is not None for cycle in cycles):
        chart = bar_chart(
            _("Average completion of %(member)s's pledges by cycle (%%)") % {"member": state.name},
            [(cycle.publication.cycle_name, cycle.average_completion) for cycle in cycles],
        )
    return MemberPage(state.iso_code, state.name, tuple(cycles), tuple(pledges), chart)


# --- Reports, feed and open data ------------------------------------------------------------


@dataclass(frozen=True)
class ReportPage:
    publication: Publication
    summary: CycleSummary | None


def report(*, pk: int) -> ReportPage:
    item = selectors.publication(pk=pk)
    data = selectors.published_data(item)
    return ReportPage(item, cycle_summary(item, data) if data is not None else None)


def report_list() -> tuple[Publication, ...]:
    return tuple(selectors.publications())
