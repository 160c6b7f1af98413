from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from commitments.dataversion import data_changed
from commitments.demo import SECRETARIAT_EMAIL, seed_demo
from commitments.models import PolicyTarget


class Command(BaseCommand):
    help = "Create demo accounts, pledges and reporting cycles (development only: refused when DEBUG is off)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with a known password and runs only with DEBUG on. "
                "Create real accounts in the admin instead."
            )
        if not PolicyTarget.objects.exists():
            raise CommandError("Load the reference data first: manage.py load_alliance")
        summary = seed_demo(
            password=settings.DEMO_PASSWORD, today=timezone.localdate(), totp_key=settings.DEMO_TOTP_KEY
        )
        self.stdout.write(
            f"Demo data ready: {summary.users_created} accounts, {summary.commitments_created} commitments, "
            f"{summary.cycles_created} reporting cycles and {summary.submissions_created} submissions created. "
            f"Secretariat login: {SECRETARIAT_EMAIL}; "
            "national contacts: contact.<iso code>@example.org."
        )
        data_changed()  # bulk writes send no signals: cached API answers must go
