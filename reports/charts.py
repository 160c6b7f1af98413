"""Charts as server-rendered SVG: readable in the HTML report and embedded as-is in the PDF."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_HEIGHT = 22
LABEL_WIDTH = 170
CHART_WIDTH = 520
COLOURS = ("#0b4f8a", "#1e7b3a", "#a15c00", "#8a1c15", "#5b6470")


def bar_chart(title: str, items: list[tuple[str, int | float]]) -> SafeString:
    """A horizontal bar chart of labelled values, with each value written beside its bar."""
    largest = max((value for _, value in items), default=0) or 1
    height = 30 + BAR_HEIGHT * len(items)
    span = CHART_WIDTH - LABEL_WIDTH - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{CHART_WIDTH}" height="{height}" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for index, (label, value) in enumerate(items):
        y = 26 + index * BAR_HEIGHT
        width = round(span * value / largest)
        colour = COLOURS[index % len(COLOURS)]
        parts += [
            f'<text x="0" y="{y + 14}" font-size="12">{escape(label)}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width}" height="{BAR_HEIGHT - 8}" fill="{colour}"/>',
            f'<text x="{LABEL_WIDTH + width + 6}" y="{y + 14}" font-size="12">{escape(str(value))}</text>',
        ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def report_charts(data: dict[str, object]) -> list[SafeString]:
    overview = data["overview"]
    assert isinstance(overview, dict)
    completeness = overview["completeness"]
    by_target = overview["commitments_by_target"]
    members = data["members"]
    assert isinstance(members, list)
    results: dict[str, int] = {}
    for member in members:
        result = member["goal_checks"]["icse_identified_victims"]["result"]
        results[result] = results.get(result, 0) + 1
    return [
        bar_chart(
            "Submissions",
            [
                ("Submitted on time", completeness["on_time"]),
                ("Submitted late", completeness["late"]),
                ("Not submitted", completeness["not_submitted"]),
            ],
        ),
        bar_chart("Commitments by policy target", [(code, count) for code, count in by_target.items()]),
        bar_chart(
            "ICSE goal (10% more identified victims)",
            [(label.replace("_", " ").capitalize(), count) for label, count in sorted(results.items())],
        ),
    ]
