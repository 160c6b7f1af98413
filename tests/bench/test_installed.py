"""Under bench.settings (as in these tests): the benchmark's command and its ceiling endpoint."""

from django.core.management import get_commands
from django.test import Client

from bench.constant import CEILING_BODY


def test_the_data_command_is_there_with_the_benchmark_installed() -> None:
    assert get_commands()["generate_bench_data"] == "bench"


def test_the_ceiling_answers_a_constant_through_the_api_stack(client: Client) -> None:
    response = client.get("/bench/ceiling/", HTTP_ACCEPT="application/json", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200, response.content[:300]
    assert response.json() == CEILING_BODY
