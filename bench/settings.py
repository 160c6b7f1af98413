"""Settings of `make bench` and of the benchmark's tests: production's, plus the benchmark as an
installed app (its `generate_bench_data` command) and a constant endpoint to compare the others with."""

from alliance.settings import *  # noqa: F403
from alliance.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
