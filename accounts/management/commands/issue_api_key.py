from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import User
from accounts.services import api_key_issue


class Command(BaseCommand):
    help = "Issue an API key for a user (printed once; only its digest is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="The email address of the account the key acts for.")
        parser.add_argument(
            "--scope",
            choices=["read", "report"],
            default="read",
            help="read: published data only (the default); report: a contact's key that writes its "
            "country's reports. Review keys are created by their owner on the account page, with the "
            "second factor.",
        )
        parser.add_argument("--name", default="command line", help="What the key is for.")
        parser.add_argument("--expires-in-days", type=int, default=None, help="Days until the key expires.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["user"]).first()
        if user is None:
            raise CommandError(f"No account with the email address {options['user']!r}.")
        days = options["expires_in_days"]
        if days is not None and not 1 <= days <= settings.API_KEY_MAX_DAYS:
            raise CommandError(f"--expires-in-days must be between 1 and {settings.API_KEY_MAX_DAYS}.")
        expires = timezone.now() + timedelta(days=days) if days else None
        try:
            key, raw = api_key_issue(
                user=user, actor=None, name=options["name"], scope=options["scope"], expires_at=expires
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stderr.write(f"Issued key {key.prefix}… for {user.email} ({key.scope}, until {key.expires_at:%Y-%m-%d}).")
        self.stdout.write(raw)
