"""Sign-in guessing, slowed two ways: per account and address (django-axes, settings AXES_*), and
per address across accounts (password spraying: one or two guesses at many accounts each, which
never reaches a per-account limit)."""

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def address_refused(address: str) -> bool:
    """Whether failed sign-ins from this address, on any accounts, reached the spraying limit
    within the lockout's cool-off. Counted from django-axes' records in the database, so that
    every web process sees the same count, with or without the cache."""
    if not address:
        return False
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = (
        AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
        .aggregate(total=Sum("failures_since_start"))
        .get("total")
    )
    return int(failures or 0) >= int(settings.SIGN_IN_ADDRESS_FAILURE_LIMIT)
