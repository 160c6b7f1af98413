# The two commands a newcomer needs: `make run` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install messages run test test-fast lint check pytest browser-flow prod-check bench lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) messages

## The translation catalogues compiled for Django (bin/compile-messages; the .mo files are not in git).
messages:
	bin/compile-messages

## Start web, Celery worker and beat on 127.0.0.1:$${PORT:-8000} with demo data; Ctrl-C stops all.
run: install
	bin/run

## Lint, type-check, check migrations and run the tests against PostgreSQL and Redis.
test: lint check pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/mypy .

check: install
	DEBUG=true VAR_DIR=$$(mktemp -d) $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=true VAR_DIR=$$(mktemp -d) $(BIN)/python manage.py check --fail-level WARNING
	DEBUG=true VAR_DIR=$$(mktemp -d) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

## Three processes (pytest-xdist; the tests wait on workers, servers and browsers as much as they compute), each on its own database, queue and cache entries; PYTEST_WORKERS changes it.
pytest: install
	$(BIN)/pytest -n $${PYTEST_WORKERS:-3} --dist worksteal

## The inner loop: everything but the browser, real-worker, fuzz and slow tests (`make test` runs them all).
test-fast: install
	$(BIN)/pytest -n $${PYTEST_WORKERS:-3} --dist worksteal -m "not browser and not worker and not fuzz and not slow" -q

## The whole browser flow of a report, 20 times in a row with Chromium's CPU throttled.
browser-flow: install
	BROWSER_FLOW_RUNS=$${BROWSER_FLOW_RUNS:-20} $(BIN)/pytest -q \
		"tests/browser/test_reporting_flow.py::test_report_is_written_returned_revised_and_accepted"

## The production install without Docker: the wheel in a fresh environment, production settings, gunicorn,
## two workers and beat on PostgreSQL and Redis, an upload and a compiled PDF (bin/prod-check).
prod-check: messages
	bin/prod-check

## Benchmark on PostgreSQL and Redis with gunicorn as in production and wrk; writes bench/results.md.
## BENCH_DURATION (s per run), BENCH_REPEAT, BENCH_CONNECTIONS, BENCH_SCALES, BENCH_PORT change the run.
bench: install
	command -v wrk >/dev/null || { sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); $$sudo apt-get update && $$sudo apt-get install -y wrk; }
	$(BIN)/python -m bench.run

## Refresh requirements.lock from a clean resolution of pyproject.toml.
lock:
	rm -rf /tmp/alliance-lock && $(PYTHON) -m venv /tmp/alliance-lock
	/tmp/alliance-lock/bin/python -m pip install --quiet -e '.[dev,s3]'
	/tmp/alliance-lock/bin/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock
	rm -rf /tmp/alliance-lock

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
