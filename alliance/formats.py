"""Dates as people write them, in the active language: the one home for the long date format,
shared by the reports and the emails."""

from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import pgettext


def as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def long_date(value: date | str) -> str:
    """A date as people write it: 1 April 2027 (an ISO date of the data, or a date); a time is
    taken on its day where the tracker is."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    day = as_date(value)
    if day.day == 1:
        # Translators: the date of the first of a month (French writes "1er avril 2027"), in Django's
        # date format syntax; letters meant as text are escaped with a backslash.
        return date_format(day, pgettext("report date format, first of the month", "j F Y"))
    # Translators: the date format of reports and emails, in Django's date format syntax (j F Y: 1 April 2027).
    return date_format(day, pgettext("report date format", "j F Y"))


def long_datetime(value: datetime) -> str:
    """A moment as people write it: 1 April 2027, 14:05 (where the tracker is)."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    # Translators: a date followed by a time of day (14:05).
    return pgettext("date and time", "%(date)s, %(time)s") % {
        "date": long_date(local.date()),
        "time": time_format(local.time(), "H:i"),
    }
