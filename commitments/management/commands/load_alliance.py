from typing import Any

from django.core.management.base import BaseCommand

from commitments.dataversion import data_changed
from commitments.reference.load import load_reference_data


class Command(BaseCommand):
    help = "Load the Alliance's reference data (members, declarations, targets, goals). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = load_reference_data()
        self.stdout.write(summary.describe())
        data_changed()  # bulk writes send no signals: cached API answers must go
