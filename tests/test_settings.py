"""Settings come from the environment and fail loudly, naming the variable, when production lacks one."""

import pytest

from tests.processes import run_manage

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-like-secret-8f3b2c9d4e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3",
    "ALLOWED_HOSTS": "tracker.example.org",
    "SECURE_SSL_REDIRECT": None,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
}


@pytest.mark.parametrize("variable", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_a_missing_required_variable_stops_the_start_naming_it(variable: str) -> None:
    result = run_manage("check", **{**PRODUCTION, variable: None})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Set the {variable} environment variable" in result.stderr


def test_check_deploy_is_clean_in_production_settings() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_runs_on_embedded_defaults_without_any_variable(tmp_path: object) -> None:
    result = run_manage(
        "diffsettings",
        DEBUG="true",
        SECRET_KEY=None,
        ALLOWED_HOSTS=None,
        DATABASE_URL=None,
        REDIS_URL=None,
        CELERY_BROKER_URL=None,
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.sqlite3" in result.stdout
    assert "CELERY_BROKER_URL = 'filesystem://localhost//'" in result.stdout


def test_database_and_broker_urls_select_postgres_and_redis() -> None:
    result = run_manage("diffsettings", **PRODUCTION, REDIS_URL="redis://127.0.0.1:6379/3", CELERY_BROKER_URL=None)
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.postgresql" in result.stdout
    assert "CELERY_BROKER_URL = 'redis://127.0.0.1:6379/3'" in result.stdout
