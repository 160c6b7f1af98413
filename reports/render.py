"""The report as people read it: the HTML page, the PDF laid out from it, and the XLSX.

The report's data (`reports.data`) holds codes, ISO dates and plain numbers, and the machine formats
(JSON and CSV, in `reports.data`) keep them. Here every code becomes its label (`reports.labels`),
dates and numbers are written as people write them, and each sentence is built from the pieces there
are, so that a missing figure never leaves its punctuation behind ("Figures:; median takedown").
"""

import io
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from alliance.spreadsheets import safe_cell
from commitments.models import GoalCode, PotentialAction
from commitments.models.wording import OFFICIAL_LANGUAGE, language_base, written_in

from .charts import report_charts
from .labels import (
    Completeness,
    UpdateStatus,
    as_date,
    check_label,
    completeness_label,
    confidentiality_label,
    edition_label,
    language_label,
    long_date,
    number,
    percent,
    status_label,
    submission_label,
    trend_label,
    yes_no,
)
from .pdf import cache_page_references, collector_paused

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

ORGANISATION = gettext_lazy("Global Alliance Against Child Sexual Abuse Online")


# --- HTML and PDF ------------------------------------------------------------------------------


def render_html(data: dict[str, Any]) -> str:
    return render_to_string(
        "reports/report.html", {"data": data, "report": present(data), "charts": report_charts(data)}
    )


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    cache_page_references()
    with collector_paused():  # reports/pdf.py: why, with the figures
        # PDF/UA-1: a tagged PDF (headings, lists, tables and reading order for screen readers) that
        # carries the document's title and language; WeasyPrint makes the bookmarks from the headings.
        return bytes(HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))


def title_of(data: dict[str, Any]) -> str:
    return _("%(organisation)s: %(cycle)s — %(edition)s") % {
        "organisation": ORGANISATION,
        "cycle": data["cycle"]["name"],
        "edition": edition_label(data["edition"]),
    }


def present(data: dict[str, Any]) -> dict[str, Any]:
    """What the HTML report writes, in words: labels, dates and numbers for people, sentences whole."""
    cycle = data["cycle"]
    overview = data["overview"]
    completeness = overview["completeness"]
    targets = {target["code"]: target for target in data["targets"]}
    goals = {goal["code"]: goal for target in data["targets"] for goal in target["goals"]}
    return {
        "title": title_of(data),
        "edition": edition_label(data["edition"]),
        "due_on": long_date(cycle["due_on"]),
        "period": _("Period %(start)s to %(end)s, due %(due)s.")
        % {
            "start": long_date(cycle["period_start"]),
            "end": long_date(cycle["period_end"]),
            "due": long_date(cycle["due_on"]),
        },
        "overview": [
            (_("Member states in the cycle"), number(overview["members"])),
            *(
                (_("Reports: %(state)s") % {"state": completeness_label(key)}, number(completeness[key]))
                for key in Completeness.values
            ),
            (_("Progress updates"), number(overview["updates"])),
            (_("Average completion of reported commitments"), _maybe(percent, overview["average_completion"])),
        ],
        "icse": _icse_overview(overview["icse_identified_victims"]),
        "left_out": _left_out(overview["icse_identified_victims"]["left_out"]),
        "change": _change(data),
        "by_target": [
            (_target_name(targets[code]), number(count)) for code, count in overview["commitments_by_target"].items()
        ],
        "by_status": [(status_label(code), number(count)) for code, count in overview["commitments_by_status"].items()],
        "targets": [_target(target) for target in data["targets"]],
        "members": [_member(member, targets, goals) for member in data["members"]],
    }


def _maybe(write: Callable[[Any], str], value: Any) -> str:
    return "—" if value is None else write(value)


def _sentence(*parts: str, separator: str = ", ") -> str:
    """The pieces there are, joined, as one sentence ("" when there is none); a full stop ends it
    unless its last piece (text someone typed) ends a sentence already."""
    text = separator.join(part for part in parts if part)
    return text if not text or text.endswith((".", "!", "?")) else f"{text}."


def _counted(counts: dict[str, int], label: Callable[[str], str]) -> str:
    """The codes counted, in words, as in "On track (3), Not reported (1)"; those counted nowhere left out."""
    return ", ".join(f"{label(code)} ({number(count)})" for code, count in counts.items() if count)


def _target_name(target: dict[str, Any]) -> str:
    return _("Policy target %(number)s: %(title)s") % {"number": target["number"], "title": _title(target)}


def _title(target: dict[str, Any]) -> str:
    """A target's title, said to be an unofficial translation when it is one."""
    if target.get("title_official", True):
        return str(target["title"])
    return _("%(text)s (unofficial translation)") % {"text": target["title"]}


def _growth(check: dict[str, Any]) -> str:
    if check["growth_percent"] is None:
        return ""
    return _("%(growth)s growth") % {"growth": percent(check["growth_percent"])}


def _with_growth(check: dict[str, Any]) -> str:
    """A check's result in words, with the growth where there is one: "Met (12% growth)"."""
    growth = _growth(check)
    result = check_label(check["result"])
    return f"{result} ({growth})" if growth else result


def _icse_overview(icse: dict[str, Any]) -> str:
    """The Alliance's ICSE check in two sentences: the figures compared, and the result."""
    compared = len(icse["compared"])
    if icse["year_before"] and compared:
        figures = ngettext(
            "%(current)s victims identified this year against %(previous)s in %(year)s, over the member state "
            "that reported the figure in both years",
            "%(current)s victims identified this year against %(previous)s in %(year)s, over the %(count)s member "
            "states that reported the figure in both years",
            compared,
        ) % {
            "current": number(icse["current"]),
            "previous": number(icse["previous"]),
            "year": icse["year_before"],
            "count": number(compared),
        }
    elif icse["year_before"]:
        figures = _("No member state reported the figure both this year and in %(year)s") % {
            "year": icse["year_before"]
        }
    elif icse["current"] is not None:
        figures = _("%(current)s victims identified this year; no yearly cycle a year earlier to compare with") % {
            "current": number(icse["current"])
        }
    else:
        figures = _(
            "No figure of victims identified reported this year; no yearly cycle a year earlier to compare with"
        )
    goal = _("10%% growth goal: %(result)s") % {"result": _with_growth(icse)}
    return f"{_sentence(figures)} {_sentence(goal)}"


def _left_out(left_out: list[dict[str, str]]) -> str:
    if not left_out:
        return ""
    names = "; ".join(f"{item['name']} ({item['reason']})" for item in left_out)
    return _("Left out of the Alliance's ICSE comparison: %(names)s.") % {"names": names}


def _change(data: dict[str, Any]) -> dict[str, Any] | None:
    change = data["overview"]["change_since_previous"]
    if change is None:
        return None
    now = data["overview"]
    rows = [(_("Member states"), number(change["members"]), number(now["members"]))]
    rows += [
        (completeness_label(key), number(change["completeness"][key]), number(now["completeness"][key]))
        for key in (Completeness.ON_TIME, Completeness.LATE, Completeness.NOT_SUBMITTED)
    ]
    rows += [
        (_("Progress updates"), number(change["updates"]), number(now["updates"])),
        (
            _("Average completion"),
            _maybe(percent, change["average_completion"]),
            _maybe(percent, now["average_completion"]),
        ),
    ]
    return {"cycle": change["cycle"], "rows": rows}


def _commitments(count: int) -> str:
    return ngettext("%(count)s commitment", "%(count)s commitments", count) % {"count": number(count)}


def _target(target: dict[str, Any]) -> dict[str, Any]:
    average = target["average_completion"]
    statuses = _counted(target["by_status"], status_label)
    summary = _sentence(
        _commitments(target["commitments"]),
        "" if average is None else _("%(percent)s complete on average where reported") % {"percent": percent(average)},
    )
    if statuses:
        summary += " " + _("By status: %(statuses)s.") % {"statuses": statuses}
    return {
        "anchor": f"target-{target['number']}",
        "heading": _target_name(target),
        "summary": summary,
        "goals": [_goal(goal) for goal in target["goals"]],
    }


def _goal(goal: dict[str, Any]) -> dict[str, str]:
    average = goal["average_completion"]
    towards = ngettext("%(count)s commitment towards it", "%(count)s commitments towards it", goal["commitments"]) % {
        "count": number(goal["commitments"])
    }
    summary = _sentence(
        towards, "" if average is None else _("%(percent)s complete on average") % {"percent": percent(average)}
    )
    checks = []
    check = goal["check"] or {}
    if "alliance" in check:
        checks.append(_sentence(_("Alliance check: %(result)s") % {"result": _with_growth(check["alliance"])}))
    if check.get("members"):
        label = check_label if goal["code"] == GoalCode.ICSE else trend_label
        checks.append(_sentence(_("Member states: %(counts)s") % {"counts": _counted(check["members"], label)}))
    return {
        "heading": _("Goal %(number)s.") % {"number": goal["number"]},
        "text": goal["text"],
        "text_language": goal.get("text_language", OFFICIAL_LANGUAGE),
        "unofficial": not goal.get("text_official", True),
        "summary": summary,
        "checks": " ".join(checks),
    }


def _member(member: dict[str, Any], targets: dict[str, Any], goals: dict[str, Any]) -> dict[str, Any]:
    checks = member["goal_checks"]
    state = submission_label(member["submission"])
    standing = _("Report: %(state)s") % {"state": state}
    if member["late"]:
        standing = _("Report: %(state)s (late)") % {"state": state}
    return {
        "anchor": f"member-{member['iso_code'].lower()}",
        "heading": f"{member['name']} ({member['iso_code']})",
        "standing": _sentence(standing),
        "checks": _sentence(
            _("ICSE goal: %(result)s") % {"result": _with_growth(checks["icse_identified_victims"])},
            _("notice and takedown times: %(trend)s") % {"trend": trend_label(checks["takedown_trend"])},
            separator="; ",
        ),
        "commitments": [_commitment(row, targets, goals) for row in member["commitments"]],
    }


def _commitment(row: dict[str, Any], targets: dict[str, Any], goals: dict[str, Any]) -> dict[str, Any]:
    target = targets.get(row["target"])
    goal = goals.get(row["goal"]) if row["goal"] else None
    where = ", ".join(
        [
            *([_("policy target %(number)s") % {"number": target["number"]}] if target else []),
            *([_("operational goal %(number)s") % {"number": goal["number"]}] if goal else []),
        ]
    )
    update = row["update"]
    if update is None:
        return {"title": row["title"], "where": where, "progress": _("No update in this cycle."), "milestones": []}
    return {
        "title": row["title"],
        "where": where,
        "progress": _sentence(
            status_label(update["status"]),
            _("%(percent)s complete") % {"percent": percent(update["completion_percent"])},
        ),
        "narrative": update["narrative"],
        # Members write in their language: the report says so where it is not the report's.
        "narrative_language": update.get("narrative_language", OFFICIAL_LANGUAGE),
        "narrative_note": ""
        if language_base(update.get("narrative_language")) == language_base(get_language())
        else written_in(update.get("narrative_language", OFFICIAL_LANGUAGE)),
        "figures": _figures(update),
        "milestones": [
            _("%(date)s: %(title)s (done)") % {"date": long_date(m["due_on"]), "title": m["title"]}
            if m["done"]
            else _("%(date)s: %(title)s") % {"date": long_date(m["due_on"]), "title": m["title"]}
            for m in update["milestones"]
        ],
    }


def _figures(update: dict[str, Any]) -> str:
    """The figures reported, with their source: "" when there is none."""
    figures = []
    if update.get("icse_victims_identified") is not None:
        count = update["icse_victims_identified"]
        figures.append(
            ngettext("%(count)s victim identified in ICSE", "%(count)s victims identified in ICSE", count)
            % {"count": number(count)}
        )
    if update.get("takedown_median_hours") not in (None, ""):
        hours = Decimal(update["takedown_median_hours"])
        figures.append(
            ngettext(
                "median takedown time %(hours)s hour", "median takedown time %(hours)s hours", 1 if hours == 1 else 2
            )
            % {"hours": number(hours)}
        )
    if not figures:
        return ""
    source = update.get("figures_source") or _("not given")
    figures_sentence = _sentence(_("Figures: %(figures)s") % {"figures": "; ".join(figures)})
    return f"{figures_sentence} {_sentence(_('Source: %(source)s') % {'source': source})}"


# --- XLSX --------------------------------------------------------------------------------------

PERCENT = "0%"
PERCENT_2 = "0.00%"
DATE = "d mmmm yyyy"
MIN_WIDTH, MAX_WIDTH = 10, 60


def render_xlsx(data: dict[str, Any]) -> bytes:
    """One sheet per section (Overview, Commitments, Goal checks), each a table for people: readable
    headers, typed cells (numbers, percentages and dates as such, booleans as words, codes as
    labels), widths, the header row frozen and a filter on every column."""
    from openpyxl import Workbook

    book = Workbook()
    overview = book.active
    assert overview is not None
    overview.title = _("Overview")
    _fill(overview, [_("Measure"), _("Value")], _overview_rows(data))
    _fill(book.create_sheet(_("Commitments")), _commitment_headers(), _commitment_rows(data))
    _fill(book.create_sheet(_("Goal checks")), _check_headers(), _check_rows(data))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# A cell's value, with the number format it needs (None: the default).
Cell = tuple[object, str | None]


def _plain(value: object) -> Cell:
    return value, None


def _percent(value: float | Decimal | str | None, fmt: str = PERCENT) -> Cell:
    """A percentage (60 for 60%) as the number a spreadsheet computes with (0.6), shown as 60%."""
    return (None, None) if value is None else (Decimal(str(value)) / 100, fmt)


def _date(value: str) -> Cell:
    return as_date(value), DATE


def _fill(sheet: "Worksheet", headers: list[str], rows: Iterable[list[Cell]]) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    widths = [len(header) for header in headers]
    for column, header in enumerate(headers, start=1):
        sheet.cell(row=1, column=column, value=header).font = Font(bold=True)
    for row_number, row in enumerate(rows, start=2):
        for column, (value, number_format) in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column)
            written = safe_cell(value)
            if written in ("", None):
                continue  # a blank cell, not an empty string: blanks are what filters and sums expect
            if isinstance(written, str):
                # Control characters pasted into a narrative are no text XLSX can hold; and a string
                # cell is never read as a formula or an error code (#N/A), whatever it says.
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", written)
                cell.data_type = "s"
            else:
                cell.value = written
            if number_format:
                cell.number_format = number_format
            widths[column - 1] = max(widths[column - 1], _shown_width(written))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _shown_width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return 17  # "30 September 2027"
    return max((len(line) for line in str(value).splitlines()), default=0)


def _overview_rows(data: dict[str, Any]) -> list[list[Cell]]:
    cycle = data["cycle"]
    overview = data["overview"]
    icse = overview["icse_identified_victims"]
    targets = {target["code"]: target for target in data["targets"]}
    rows: list[list[Cell]] = [
        [_plain(_("Cycle")), _plain(cycle["name"])],
        [_plain(_("Edition")), _plain(edition_label(data["edition"]))],
        [_plain(_("Final report")), _plain(yes_no(cycle["final"]))],
        [_plain(_("Period start")), _date(cycle["period_start"])],
        [_plain(_("Period end")), _date(cycle["period_end"])],
        [_plain(_("Due on")), _date(cycle["due_on"])],
        [_plain(_("Member states")), _plain(overview["members"])],
    ]
    rows += [
        [_plain(_("Reports: %(state)s") % {"state": completeness_label(key)}), _plain(count)]
        for key, count in overview["completeness"].items()
    ]
    rows += [
        [_plain(_("Progress updates")), _plain(overview["updates"])],
        [_plain(_("Average completion of reported commitments")), _percent(overview["average_completion"])],
    ]
    rows += [
        [_plain(_("Commitments on %(target)s") % {"target": _target_name(targets[code])}), _plain(count)]
        for code, count in overview["commitments_by_target"].items()
    ]
    rows += [
        [_plain(_("Commitments: %(status)s") % {"status": status_label(code)}), _plain(count)]
        for code, count in overview["commitments_by_status"].items()
    ]
    rows += [
        [_plain(_("Victims identified (ICSE), this year")), _plain(icse["current"])],
        [_plain(_("Victims identified (ICSE), the year before")), _plain(icse["previous"])],
        [_plain(_("Growth of victims identified (ICSE)")), _percent(icse["growth_percent"], PERCENT_2)],
        [_plain(_("ICSE goal (10% more identified victims)")), _plain(check_label(icse["result"]))],
    ]
    return rows


def _commitment_headers() -> list[str]:
    return [
        _("Member state"),
        _("ISO code"),
        _("Report"),
        _("Late"),
        _("Commitment number"),
        _("Commitment"),
        _("Policy target"),
        _("Operational goal"),
        _("Potential action"),
        _("Status"),
        _("Completion"),
        _("Confidentiality"),
        _("Victims identified (ICSE)"),
        _("Median takedown time (hours)"),
        _("Source of the figures"),
        _("Narrative"),
        _("Language of the narrative"),
    ]


def _commitment_rows(data: dict[str, Any]) -> Iterable[list[Cell]]:
    targets = {target["code"]: _target_name(target) for target in data["targets"]}
    goals = {
        goal["code"]: f"{goal['number']}. {goal['text']}" for target in data["targets"] for goal in target["goals"]
    }
    # The data names actions by code; the XLSX gives their words, from the reference data.
    actions = {action.code: f"{action.number}. {action.wording('text')}" for action in PotentialAction.objects.all()}
    for member in data["members"]:
        for row in member["commitments"]:
            update = row["update"] or {}
            takedown = update.get("takedown_median_hours")
            yield [
                _plain(member["name"]),
                _plain(member["iso_code"]),
                _plain(submission_label(member["submission"])),
                _plain(yes_no(member["late"])),
                _plain(row["id"]),
                _plain(row["title"]),
                _plain(targets.get(row["target"], "")),
                _plain(goals.get(row["goal"], "") if row["goal"] else ""),
                _plain(actions.get(row["action"], "") if row["action"] else ""),
                _plain(status_label(update["status"] if update else UpdateStatus.NOT_REPORTED)),
                _percent(update.get("completion_percent")),
                _plain(confidentiality_label(update["confidentiality"]) if update else ""),
                _plain(update.get("icse_victims_identified")),
                _plain(Decimal(takedown) if takedown else None),
                _plain(update.get("figures_source", "")),
                _plain(update.get("narrative", "")),
                _plain(language_label(update["narrative_language"]) if update.get("narrative_language") else ""),
            ]


def _check_headers() -> list[str]:
    return [
        _("Member state"),
        _("ISO code"),
        _("Victims identified (ICSE), this year"),
        _("Victims identified (ICSE), the year before"),
        _("Growth of victims identified (ICSE)"),
        _("ICSE goal"),
        _("Notice and takedown times"),
    ]


def _check_rows(data: dict[str, Any]) -> Iterable[list[Cell]]:
    for member in data["members"]:
        icse = member["goal_checks"]["icse_identified_victims"]
        yield [
            _plain(member["name"]),
            _plain(member["iso_code"]),
            _plain(icse["current"]),
            _plain(icse["previous"]),
            _percent(icse["growth_percent"], PERCENT_2),
            _plain(check_label(icse["result"])),
            _plain(trend_label(member["goal_checks"]["takedown_trend"])),
        ]
