"""Dates as people write them, in the active language: the one home for the long date format,
shared by the reports and the emails."""

from datetime import date

from django.utils.formats import date_format
from django.utils.translation import pgettext


def as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def long_date(value: date | str) -> str:
    """A date as people write it: 1 April 2027 (an ISO date of the data, or a date)."""
    # Translators: the date format of reports and emails, in Django's date format syntax (j F Y: 1 April 2027).
    return date_format(as_date(value), pgettext("report date format", "j F Y"))
