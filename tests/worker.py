"""A real Celery worker process for tests of jobs: same code, Redis broker, the test database."""

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url_of_tests() -> str:
    """The URL of the database the tests run on (pytest-django's test_… database)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class CeleryProcess:
    """A Celery program (worker or beat) on the test database, its output in a log file."""

    def __init__(self, program: list[str], ready: str, env: dict[str, str]) -> None:
        self.log = Path(tempfile.mkstemp(prefix=f"celery-{program[0]}-", suffix=".log")[1])
        environment = {**os.environ, "DATABASE_URL": database_url_of_tests(), **env}
        self.queue = environment["CELERY_TASK_DEFAULT_QUEUE"]
        command = [sys.executable, "-m", "celery", "-A", "alliance", *program, "--loglevel=INFO"]
        self.process = subprocess.Popen(
            [part.replace("{queue}", self.queue) for part in command],
            cwd=ROOT,
            env=environment,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.wait_for(lambda: ready in self.output(), f"{program[0]} to start", timeout=60)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, condition: Callable[[], Any], what: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            if self.process.poll() is not None:
                raise AssertionError(f"The worker exited while waiting for {what}:\n{self.output()}")
            time.sleep(0.2)
        raise AssertionError(f"Timed out waiting for {what}. Worker output:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, as when the machine loses the process."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class CeleryWorker(CeleryProcess):
    """One worker process, taking one task at a time; `hostname` (`-n name@host`) names it as a
    worker on another machine would be named (Celery's default is celery@<this machine>)."""

    def __init__(self, hostname: str | None = None, **env: str) -> None:
        program = ["worker", "--pool=solo", "--without-mingle", "--without-gossip", "--without-heartbeat"]
        named = ["-n", hostname] if hostname else []
        super().__init__([*program, *named, "-Q", "{queue}"], "ready.", env)
        self.hostname = hostname


class CeleryBeat(CeleryProcess):
    """Beat on the database schedule (django-celery-beat), as `make run` starts it."""

    def __init__(self, **env: str) -> None:
        pidfile = Path(tempfile.mkdtemp(prefix="celerybeat-")) / "beat.pid"
        super().__init__(["beat", f"--pidfile={pidfile}", "--max-interval=1"], "beat: Starting", env)
