"""Automatic checks of the operational goals from the figures members report.

The ICSE goal: "Increase the number of identified victims in the International Child Sexual
Exploitation images database (ICSE database) managed by INTERPOL by at least 10 percent yearly".
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

ICSE_GROWTH_TARGET = Decimal(10)  # percent a year


class CheckResult(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NO_PREVIOUS = "no_previous_year"
    MISSING = "missing"


@dataclass(frozen=True)
class GrowthCheck:
    current: int | None
    previous: int | None
    growth_percent: Decimal | None
    result: CheckResult

    def as_dict(self) -> dict[str, object]:
        return {
            "current": self.current,
            "previous": self.previous,
            "growth_percent": None if self.growth_percent is None else str(self.growth_percent),
            "result": self.result.value,
        }


def icse_growth(*, current: int | None, previous: int | None) -> GrowthCheck:
    """Did identified victims grow by at least 10% over the previous year?

    Compared exactly (current * 100 >= previous * 110), so 10.00% is met and 9.99% is not; the
    percentage shown is rounded to two decimals."""
    if current is None:
        return GrowthCheck(current, previous, None, CheckResult.MISSING)
    if previous is None or previous == 0:
        return GrowthCheck(current, previous, None, CheckResult.NO_PREVIOUS)
    growth = (Decimal(current - previous) * 100 / Decimal(previous)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    met = current * 100 >= previous * (100 + ICSE_GROWTH_TARGET)
    return GrowthCheck(current, previous, growth, CheckResult.MET if met else CheckResult.NOT_MET)


class Trend(StrEnum):
    FASTER = "faster"
    SLOWER = "slower"
    UNCHANGED = "unchanged"
    NO_PREVIOUS = "no_previous_year"
    MISSING = "missing"


def takedown_trend(*, current: Decimal | None, previous: Decimal | None) -> Trend:
    """Median hours from notice to takedown: lower is faster (the goal is to increase speed)."""
    if current is None:
        return Trend.MISSING
    if previous is None:
        return Trend.NO_PREVIOUS
    if current < previous:
        return Trend.FASTER
    if current > previous:
        return Trend.SLOWER
    return Trend.UNCHANGED
