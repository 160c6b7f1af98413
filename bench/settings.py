"""Settings of `make bench`: production's, plus a constant endpoint to compare the others with."""

from alliance.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
