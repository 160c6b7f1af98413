"""The words people read for the report's codes, dates and numbers: the one home for them.

The report's data (`reports.data`) holds codes (`on_track`, `not_met`), ISO dates and plain numbers,
as the machine formats (JSON, CSV) keep them. Everything written for people (HTML, PDF, XLSX) goes
through one label function per code family here, and writes dates and numbers with the functions
below, in the active language.

Codes that come from models carry their TextChoices labels (`Commitment.Status`, `ReportingState`,
`Confidentiality`, `CompiledReport.Edition`); the goal checks carry theirs in `reports.goals`; the
report's own code families are the TextChoices below.
"""

from decimal import Decimal

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Dates: their home is alliance.formats (the emails write them too); re-exported for the report.
from alliance.formats import as_date as as_date
from alliance.formats import long_date as long_date
from commitments.models import Commitment, Confidentiality, ReportingState, TextLanguage
from commitments.models.wording import language_base

from .goals import CheckResult, Trend
from .models import CompiledReport


class UpdateStatus(models.TextChoices):
    """What a commitment's update says in the cycle: a commitment status, or no update at all."""

    NOT_REPORTED = "not_reported", _("Not reported")


class PublicState(models.TextChoices):
    """Where a member's report stands, in the public edition's words: a report submitted and not
    yet accepted is awaiting review, not missing."""

    ACCEPTED = "accepted", _("Accepted")
    AWAITING_REVIEW = "awaiting_review", _("Awaiting review")
    NOT_SUBMITTED = "not_submitted", _("Not submitted")


class Completeness(models.TextChoices):
    """How the members' reports of a cycle stand, counted in the overview."""

    ON_TIME = "on_time", _("Submitted on time")
    LATE = "late", _("Submitted late")
    NOT_SUBMITTED = "not_submitted", _("Not submitted")
    ACCEPTED = "accepted", _("Accepted")
    AWAITING_REVIEW = "awaiting_review", _("Awaiting review")


class ContentSource(models.TextChoices):
    """Where the report's content of a member comes from (`reports.content`)."""

    ACCEPTED = "accepted", _("The accepted report")
    SUBMITTED = "submitted", _("The report submitted, awaiting review")
    IN_PROGRESS = "in_progress", _("The report being written")
    NONE = "none", _("No report: the pledges made by the due date")


def _label(choices: type[models.TextChoices], code: str) -> str:
    return str(choices(code).label)


def status_label(code: str) -> str:
    """A commitment's status reported in the cycle (`on_track`), or `not_reported`."""
    return _label(UpdateStatus if code in UpdateStatus.values else Commitment.Status, code)


def submission_label(code: str) -> str:
    """Where a member's report stands: a `ReportingState` (secretariat edition) or a `PublicState`."""
    return _label(PublicState if code in PublicState.values else ReportingState, code)


def completeness_label(code: str) -> str:
    return _label(Completeness, code)


def check_label(code: str) -> str:
    """The result of the ICSE goal check (`reports.goals.CheckResult`)."""
    return _label(CheckResult, code)


def trend_label(code: str) -> str:
    """The year-on-year trend of notice-and-takedown times (`reports.goals.Trend`)."""
    return _label(Trend, code)


def confidentiality_label(code: str) -> str:
    return _label(Confidentiality, code)


def source_label(code: str) -> str:
    return _label(ContentSource, code)


def edition_label(code: str) -> str:
    return _label(CompiledReport.Edition, code)


def language_label(code: str) -> str:
    """The name of a text's language (`en`, `fr`, `es`) in the reader's."""
    return _label(TextLanguage, language_base(code))


def yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


def number(value: int | float | Decimal | str) -> str:
    """A number as people write it: grouped (1,234), with the decimals it has and no trailing
    zeros (47.0 hours is 47 hours; 9.50% is 9.5%), at most two."""
    amount = Decimal(str(value))
    exponent = amount.normalize().as_tuple().exponent
    places = min(2, max(0, -exponent)) if isinstance(exponent, int) else 0
    return number_format(amount, decimal_pos=places, use_l10n=True, force_grouping=True)


def percent(value: int | float | Decimal | str) -> str:
    # Translators: a percentage; some languages put a space before the sign.
    return gettext("%(number)s%%") % {"number": number(value)}
