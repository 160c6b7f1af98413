"""`python -m bench.run`: reading wrk's output and docker-compose's worker count; the verdicts."""

from pathlib import Path

import pytest

from bench.autosave import Save
from bench.run import (
    ENDPOINTS,
    BenchError,
    Load,
    LoadRun,
    Options,
    Results,
    SaveRun,
    ScaleData,
    Target,
    check_saves,
    gunicorn_workers,
    markdown,
    median_ratio,
    parse_scales,
    parse_time_ms,
    parse_wrk,
    rows,
    save_stats,
)

WRK_OUTPUT = """\
Running 5s test @ http://127.0.0.1:8765/api/v1/members/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.31ms    4.02ms  61.20ms   80.12%
    Req/Sec   652.10     51.33   760.00     71.00%
  Latency Distribution
     50%   11.84ms
     75%   13.90ms
     90%   16.02ms
     99%   28.47ms
  6502 requests in 5.01s, 9.71MB read
Requests/sec:   1297.81
Transfer/sec:      1.94MB
"""


def test_it_reads_the_rate_and_the_median_and_99th_percentile_latencies() -> None:
    run = parse_wrk(WRK_OUTPUT)

    assert run.requests_per_second == pytest.approx(1297.81)
    assert run.p50_ms == pytest.approx(11.84)
    assert run.p99_ms == pytest.approx(28.47)
    assert run.requests == 6502


@pytest.mark.parametrize(
    ("text", "milliseconds"),
    [("812.00us", 0.812), ("4.20ms", 4.2), ("1.03s", 1030.0), ("2.00m", 120_000.0), ("7ms", 7.0)],
)
def test_it_converts_each_latency_unit_to_milliseconds(text: str, milliseconds: float) -> None:
    assert parse_time_ms(text) == pytest.approx(milliseconds)


def test_it_refuses_a_latency_without_a_unit() -> None:
    with pytest.raises(ValueError, match="not a wrk duration"):
        parse_time_ms("12.5")


def test_it_reads_latencies_in_seconds_and_microseconds() -> None:
    output = WRK_OUTPUT.replace("11.84ms", "640.00us").replace("28.47ms", "1.20s")

    run = parse_wrk(output)

    assert run.p50_ms == pytest.approx(0.64)
    assert run.p99_ms == pytest.approx(1200.0)


def test_it_fails_on_error_answers() -> None:
    output = WRK_OUTPUT.replace("Requests/sec", "  Non-2xx or 3xx responses: 17\nRequests/sec")

    with pytest.raises(BenchError, match="17 answers were errors"):
        parse_wrk(output)


def test_it_fails_on_socket_errors() -> None:
    output = WRK_OUTPUT.replace("Requests/sec", "  Socket errors: connect 0, read 3, write 0, timeout 0\nRequests/sec")

    with pytest.raises(BenchError, match="socket errors"):
        parse_wrk(output)


def test_it_accepts_a_line_of_zero_socket_errors() -> None:
    output = WRK_OUTPUT.replace("Requests/sec", "  Socket errors: connect 0, read 0, write 0, timeout 0\nRequests/sec")

    assert parse_wrk(output).requests == 6502


def test_it_fails_without_the_latency_distribution() -> None:
    output = WRK_OUTPUT.replace("     50%   11.84ms\n", "")

    with pytest.raises(BenchError, match="--latency"):
        parse_wrk(output)


def test_it_fails_when_no_request_completed() -> None:
    output = WRK_OUTPUT.replace("6502 requests in", "0 requests in")

    with pytest.raises(BenchError, match="no request completed"):
        parse_wrk(output)


COMPOSE = """\
services:
  web:
    command: gunicorn alliance.wsgi --bind 0.0.0.0:8000 --workers ${WEB_WORKERS:-4} --access-logfile -
  worker:
    command: celery -A alliance worker --loglevel=INFO --concurrency=2
"""


def test_it_takes_the_worker_count_of_docker_compose_default() -> None:
    assert gunicorn_workers(COMPOSE, {}) == 4


def test_it_takes_the_worker_count_from_the_variable_as_compose_does() -> None:
    assert gunicorn_workers(COMPOSE, {"WEB_WORKERS": "6"}) == 6
    assert gunicorn_workers(COMPOSE, {"WEB_WORKERS": ""}) == 4  # `:-`: empty counts as unset


@pytest.mark.parametrize("option", ["--workers 3", "--workers=3", "-w 3", "-w3", "--worker-class sync -w 3"])
def test_it_reads_a_literal_worker_count(option: str) -> None:
    assert gunicorn_workers(f"command: gunicorn alliance.wsgi {option} --bind 0.0.0.0:8000\n", {}) == 3


def test_it_fails_without_a_gunicorn_worker_count() -> None:
    with pytest.raises(BenchError, match="no gunicorn command"):
        gunicorn_workers("command: gunicorn alliance.wsgi\n", {})


def test_the_real_compose_file_has_a_worker_count() -> None:
    from bench.run import COMPOSE_FILE

    assert gunicorn_workers(COMPOSE_FILE.read_text(), {}) >= 1


def test_it_reads_scales_in_order_without_repeats() -> None:
    assert parse_scales("1,20") == [1, 20]
    assert parse_scales(" 5, 1 ,5") == [5, 1]


def _results(cold_rate: float, reference_rate: float = 1000.0, saves: list[SaveRun] | None = None) -> Results:
    endpoints = {e.key: e for e in ENDPOINTS}
    keys = ("bare-drf", "ceiling", "members-cold")
    targets = [Target(endpoints[key], 8765, endpoints[key].path, {}, 200) for key in keys]
    runs = {
        "bare-drf": [LoadRun(reference_rate, 10.0, 18.0, 5000)],
        "ceiling": [LoadRun(750.0, 12.0, 20.0, 3750)],
        "members-cold": [LoadRun(cold_rate, 16 / cold_rate * 1000, 32 / cold_rate * 1000, 500)],
    }
    options = Options(5, 1, 16, [1], 8765, "postgres://x", "redis://x", Path("results.md"))
    load = Load(targets, runs, [list(keys)], {"warm": 90.0, "cold": 95.0}, (0.1, 0.2), saves or [], 54)
    return Results({"cores": "2"}, options, [ScaleData(1, "alliance_bench", 3.0)], load, {}, [])


def _line(text: str, what: str) -> str:
    return next(line for line in text.splitlines() if what in line and line.startswith("- "))


def test_a_missed_target_is_reported_with_its_margin_and_why() -> None:
    text = markdown(_results(cold_rate=60.0))
    line = _line(text, "members list, cold")
    assert line.startswith("- **missed**")
    assert "of the bare DRF view's req/s" in line
    assert "0.06 (margin -0.04)" in line
    assert "Why: every request computes the status" in line
    p99 = next(line for line in text.splitlines() if line.startswith("- **missed**: p99"))
    assert "only above about 160 req/s" in p99


def test_a_met_target_says_no_why() -> None:
    text = markdown(_results(cold_rate=150.0))
    line = _line(text, "members list, cold")
    assert line.startswith("- met")
    assert "Why" not in line


def test_ratios_are_to_the_bare_drf_view_with_the_stack_ceiling_beside() -> None:
    table = {row.target.endpoint.key: row for row in rows(_results(cold_rate=150.0))}

    assert table["members-cold"].ratio == pytest.approx(0.15)
    assert table["members-cold"].stack_ratio == pytest.approx(0.20)
    assert table["ceiling"].ratio == pytest.approx(0.75)
    assert table["bare-drf"].ratio == pytest.approx(1.0)


def test_the_stack_ceiling_has_its_own_target_against_the_bare_view() -> None:
    met = _line(markdown(_results(cold_rate=150.0)), "stack ceiling")
    missed = _line(markdown(_results(cold_rate=150.0, reference_rate=1250.0)), "stack ceiling")

    assert met.startswith("- met")
    assert "0.75 (margin +0.05)" in met
    assert missed.startswith("- **missed**")
    assert "0.60 (margin -0.10)" in missed


def test_the_endpoint_table_says_met_with_the_margin() -> None:
    text = markdown(_results(cold_rate=60.0))
    cold = next(line for line in text.splitlines() if line.startswith("| members list, cold"))
    cells = [cell.strip() for cell in cold.strip("|").split("|")]

    assert cells[6:] == ["0.06", "0.08", "≥ 0.10", "**missed** (-0.04); **p99 missed**"]


def test_the_ratio_is_the_median_of_each_repetition_against_its_own_reference() -> None:
    runs = [LoadRun(500.0, 1, 1, 1), LoadRun(300.0, 1, 1, 1), LoadRun(900.0, 1, 1, 1)]
    references = [LoadRun(1000.0, 1, 1, 1), LoadRun(1000.0, 1, 1, 1), LoadRun(1000.0, 1, 1, 1)]

    assert median_ratio(runs, references) == pytest.approx(0.5)
    assert median_ratio(runs, references[:2]) is None  # a repetition without its reference
    assert median_ratio([], []) is None


def test_every_endpoint_target_of_the_issue_is_set() -> None:
    targets = {endpoint.key: endpoint.target for endpoint in ENDPOINTS}

    assert targets["ceiling"] == 0.70
    assert targets["members-warm"] == 0.60
    assert targets["members-writes"] == 0.55
    assert targets["members-304"] == 0.70
    assert targets["members-cold"] == 0.10
    assert targets["contact-home"] == targets["review-queue"] == 0.25
    assert all(targets[key] == 0.30 for key in targets if key.startswith("public-"))
    assert targets["bare-drf"] is None


def _saves(*milliseconds: float, status: int = 200) -> list[Save]:
    return [Save("FR", ms / 1000, status) for ms in milliseconds]


def test_the_autosave_percentiles_pool_every_repetition() -> None:
    runs = [SaveRun(_saves(*range(10, 60)), 5.0), SaveRun(_saves(*range(60, 110)), 5.0)]

    count, rate, p50, p99, failures = save_stats(runs)

    assert (count, failures) == (100, 0)
    assert rate == pytest.approx(10.0)
    assert p50 == pytest.approx(59.0)
    assert p99 == pytest.approx(108.0)


def test_failed_autosaves_are_counted_and_left_out_of_the_percentiles() -> None:
    run = SaveRun(_saves(20.0, 30.0) + _saves(1.0, status=409), 2.0)

    count, _, _, p99, failures = save_stats([run])

    assert (count, failures) == (3, 1)
    assert p99 == pytest.approx(30.0)
    text = markdown(_results(cold_rate=150.0, saves=[run]))
    assert _line(text, "every autosave succeeded").startswith("- **missed**")
    assert _line(text, "autosave p99").startswith("- met")
    assert "## Autosaves under load" in text


def test_a_server_error_on_an_autosave_fails_the_run() -> None:
    with pytest.raises(BenchError, match="1 of 2 autosaves answered a server error"):
        check_saves(SaveRun(_saves(20.0) + _saves(5.0, status=502), 2.0))


def test_a_slow_autosave_p99_misses_its_target() -> None:
    run = SaveRun(_saves(*([40.0] * 98), 180.0, 200.0), 4.0)

    line = _line(markdown(_results(cold_rate=150.0, saves=[run])), "autosave p99")

    assert line.startswith("- **missed**")
    assert "180.0 ms over 100 saves (margin -30.0 ms)" in line


def test_the_99th_percentile_is_read_from_its_own_line() -> None:
    output = WRK_OUTPUT.replace("     90%   16.02ms", "     90%   99.00ms").replace("28.47ms", "101.5ms")

    assert parse_wrk(output).p99_ms == pytest.approx(101.5)
