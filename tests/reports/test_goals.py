"""Goal checks on hand-made figures."""

from decimal import Decimal

import pytest

from reports.goals import CheckResult, Trend, icse_growth, takedown_trend


@pytest.mark.parametrize(
    ("current", "previous", "result", "growth"),
    [
        (110, 100, CheckResult.MET, "10.00"),  # grew exactly 10%
        (1099, 1000, CheckResult.NOT_MET, "9.90"),  # grew 9.9%
        (150, 100, CheckResult.MET, "50.00"),
        (90, 100, CheckResult.NOT_MET, "-10.00"),
        (100, None, CheckResult.NO_PREVIOUS, None),  # no previous year
        (100, 0, CheckResult.NO_PREVIOUS, None),
        (None, 100, CheckResult.MISSING, None),  # figure missing
        (None, None, CheckResult.MISSING, None),
    ],
)
def test_icse_growth_of_at_least_ten_percent(
    current: int | None, previous: int | None, result: CheckResult, growth: str | None
) -> None:
    check = icse_growth(current=current, previous=previous)
    assert check.result == result
    assert (None if check.growth_percent is None else str(check.growth_percent)) == growth
    assert check.as_dict()["result"] == result.value


def test_ten_percent_is_compared_exactly_not_after_rounding() -> None:
    # 9.9995% would show as 10.00 but is not met.
    check = icse_growth(current=1099995, previous=1000000)
    assert check.result == CheckResult.NOT_MET
    assert str(check.growth_percent) == "10.00"


@pytest.mark.parametrize(
    ("current", "previous", "trend"),
    [
        (Decimal("48.0"), Decimal("72.0"), Trend.FASTER),
        (Decimal("80.5"), Decimal("72.0"), Trend.SLOWER),
        (Decimal("72.0"), Decimal("72.0"), Trend.UNCHANGED),
        (Decimal("72.0"), None, Trend.NO_PREVIOUS),
        (None, Decimal("72.0"), Trend.MISSING),
    ],
)
def test_takedown_trend(current: Decimal | None, previous: Decimal | None, trend: Trend) -> None:
    assert takedown_trend(current=current, previous=previous) == trend


def test_charts_escape_their_labels_and_scale_their_bars() -> None:
    from reports.charts import bar_chart

    svg = str(bar_chart("A <b>title</b>", [("<script>x</script>", 10), ("half", 5)]))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    widths = [int(w) for w in __import__("re").findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1]
