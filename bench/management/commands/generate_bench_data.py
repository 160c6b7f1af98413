import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from bench.generate import MAX_SCALE, BenchDataError, generate


class Command(BaseCommand):
    help = (
        "Replace the benchmark data with a made-up Alliance of SCALE times the data of the 54 real members "
        "(copies with two-letter codes ISO has not assigned, then more commitments per member), 12 yearly "
        "reporting cycles of submissions and history. The same seed gives the same data. Runs with "
        "DJANGO_SETTINGS_MODULE=bench.settings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help=f"1 to {MAX_SCALE} (default 1).")
        parser.add_argument("--seed", type=int, default=2012, help="Seed of the random choices (default 2012).")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            counts = generate(scale=options["scale"], seed=options["seed"])
        except (BenchDataError, ValueError) as error:
            raise CommandError(str(error)) from error
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics of the new data, for a benchmark run right after
        elapsed = time.monotonic() - started
        for name, count in counts.items():
            self.stdout.write(f"{name.replace('_', ' ')}: {count}")
        self.stdout.write(f"Benchmark data at scale {options['scale']} generated in {elapsed:.1f} s.")
