"""The benchmark's tests run with the benchmark installed, as `make bench` runs it (bench.settings):
its `generate_bench_data` command and its `/bench/ceiling/` route. The product's settings know
nothing of it."""

from collections.abc import Iterator

import pytest
from django.test import modify_settings, override_settings

import bench.settings


@pytest.fixture(autouse=True)
def bench_installed() -> Iterator[None]:
    with (
        modify_settings(INSTALLED_APPS={"append": "bench"}),
        override_settings(ROOT_URLCONF=bench.settings.ROOT_URLCONF),
    ):
        yield
