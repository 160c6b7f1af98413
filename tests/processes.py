"""Run Django code in a fresh process with a chosen environment (for start-up and failure tests)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    port: int
    pid: int  # gunicorn's arbiter; its worker is a child


@contextmanager
def gunicorn(database_url: str, **overrides: str) -> Iterator[Served]:
    """The application under one gunicorn worker, configured as in production
    (alliance/gunicorn_conf.py, DEBUG off), on the given database; ready when it accepts."""
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if key != "TRUSTED_PROXIES"},
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "true",
        **overrides,
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "python:alliance.gunicorn_conf", "alliance.wsgi"]
    server = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        yield Served(port, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=20)
