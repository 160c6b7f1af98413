"""Dates and numbers on the public pages, written as the reports write them (`reports.labels`)."""

from datetime import date, datetime

from django import template
from django.utils import timezone

from alliance import formats
from reports import labels

register = template.Library()


@register.filter
def long_date(value: date | datetime | None) -> str:
    """1 April 2027 (a time: its day where the site is)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return labels.long_date(value)


@register.filter
def long_datetime(value: datetime | None) -> str:
    """1 April 2027, 14:05 (where the site is)."""
    return "" if value is None else formats.long_datetime(value)


@register.filter
def percent(value: float | int | None) -> str:
    """60%, 42.5%; a dash for no figure."""
    return "—" if value is None else labels.percent(value)


@register.filter
def count(value: int | float) -> str:
    """1,234."""
    return labels.number(value)
