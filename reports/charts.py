"""Charts as server-rendered SVG: readable in the HTML report and embedded as-is in the PDF."""

from collections import Counter
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .goals import CheckResult
from .labels import check_label, completeness_label, number

BAR_HEIGHT = 22
LABEL_WIDTH = 170  # at least; more for longer labels, up to MAX_LABEL_WIDTH
MAX_LABEL_WIDTH = 300
CHAR_WIDTH = 7  # about the width of a character at font-size 12
CHART_WIDTH = 520
COLOURS = ("#0b4f8a", "#1e7b3a", "#a15c00", "#8a1c15", "#5b6470")


def bar_chart(title: str, items: list[tuple[str, int | float | None]]) -> SafeString:
    """A horizontal bar chart of labelled values, with each value written beside its bar. None is
    no data: no bar, and "no data" written (not a bar of 0)."""
    largest = max((value for _, value in items if value is not None), default=0) or 1
    height = 30 + BAR_HEIGHT * len(items)
    # Labels are words ("No year before to compare with"), not codes: the bars start after the longest.
    longest = max((len(label) for label, _ in items), default=0)
    label_width = min(MAX_LABEL_WIDTH, max(LABEL_WIDTH, CHAR_WIDTH * longest + 10))
    span = CHART_WIDTH - label_width - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{CHART_WIDTH}" height="{height}" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for index, (label, value) in enumerate(items):
        y = 26 + index * BAR_HEIGHT
        width = 0 if value is None else round(span * value / largest)
        colour = COLOURS[index % len(COLOURS)]
        shown = _("no data") if value is None else number(value)
        parts += [
            f'<text x="0" y="{y + 14}" font-size="12">{escape(label)}</text>',
            f'<rect x="{label_width}" y="{y + 3}" width="{width}" height="{BAR_HEIGHT - 8}" fill="{colour}"/>',
            f'<text x="{label_width + width + 6}" y="{y + 14}" font-size="12">{escape(shown)}</text>',
        ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def report_charts(data: dict[str, Any]) -> list[SafeString]:
    """The report's charts, labelled in words."""
    completeness = data["overview"]["completeness"]
    numbers = {target["code"]: target["number"] for target in data["targets"]}
    results: Counter[str] = Counter(
        member["goal_checks"]["icse_identified_victims"]["result"] for member in data["members"]
    )
    return [
        bar_chart(
            _("Submissions"),
            [(completeness_label(key), completeness[key]) for key in ("on_time", "late", "not_submitted")],
        ),
        bar_chart(
            _("Commitments by policy target"),
            # The targets' titles are too long for the chart; the table below it gives them.
            [
                (_("Policy target %(number)s") % {"number": numbers[code]}, count)
                for code, count in data["overview"]["commitments_by_target"].items()
            ],
        ),
        bar_chart(
            _("ICSE goal (10% more identified victims)"),
            [(check_label(code), results[code]) for code in CheckResult.values if results[code]],
        ),
    ]
