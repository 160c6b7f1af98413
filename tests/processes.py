"""Run Django code in a fresh process with a chosen environment (for start-up and failure tests)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_env(**overrides: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env["DJANGO_SETTINGS_MODULE"] = "alliance.settings"
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _run(args: list[str], overrides: dict[str, str | None]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=django_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_django(code: str, **overrides: str | None) -> subprocess.CompletedProcess[str]:
    """Run `code` after django.setup() in a new interpreter."""
    return _run(["-c", "import django\ndjango.setup()\n" + code], overrides)


def run_manage(*args: str, **overrides: str | None) -> subprocess.CompletedProcess[str]:
    return _run(["manage.py", *args], overrides)
