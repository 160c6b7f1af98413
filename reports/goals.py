"""Automatic checks of the operational goals from the figures members report.

The ICSE goal: "Increase the number of identified victims in the International Child Sexual
Exploitation images database (ICSE database) managed by INTERPOL by at least 10 percent yearly".
"""

import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

ICSE_GROWTH_TARGET = Decimal(10)  # percent a year


class CheckResult(models.TextChoices):
    """The outcome of a goal check: a code in the data (JSON, CSV), its label wherever people read."""

    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")
    NO_PREVIOUS = "no_previous_year", _("No year before to compare with")
    MISSING = "missing", _("No figure reported")


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


class Trend(models.TextChoices):
    FASTER = "faster", _("Faster")
    SLOWER = "slower", _("Slower")
    UNCHANGED = "unchanged", _("Unchanged")
    NO_PREVIOUS = "no_previous_year", _("No year before to compare with")
    MISSING = "missing", _("No figure reported")


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


def median(values: list[Decimal]) -> Decimal | None:
    """The median of a member's figures: the middle one, or the mean of the two middle ones."""
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class LeftOut:
    member: str  # ISO code
    name: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"member": self.member, "name": self.name, "reason": self.reason}


def alliance_icse_growth(
    *,
    current: dict[str, int],
    previous: dict[str, int] | None,
    names: dict[str, str],
    this_year: str,
    year_before: str | None,
) -> dict[str, object]:
    """The Alliance's ICSE check, like for like: the total of the members that reported the figure
    in both years against their total the year before. Members that reported it in only one of the
    two years are left out, and named with the reason."""
    if previous is None:
        result = icse_growth(current=sum(current.values()) if current else None, previous=None)
        return {**result.as_dict(), "compared": [], "left_out": [], "year_before": None}
    both = sorted(set(current) & set(previous))
    left_out = [
        LeftOut(code, names.get(code, code), f"reported the figure for {this_year} but not for {year_before}")
        for code in sorted(set(current) - set(previous))
    ] + [
        LeftOut(code, names.get(code, code), f"reported the figure for {year_before} but not for {this_year}")
        for code in sorted(set(previous) - set(current))
    ]
    if both:
        result = icse_growth(current=sum(current[c] for c in both), previous=sum(previous[c] for c in both))
    elif current:
        result = GrowthCheck(sum(current.values()), None, None, CheckResult.NO_PREVIOUS)
    else:
        result = GrowthCheck(None, None, None, CheckResult.MISSING)
    return {
        **result.as_dict(),
        "compared": both,
        "left_out": [item.as_dict() for item in left_out],
        "year_before": year_before,
    }
