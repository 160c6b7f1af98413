"""The examples of docs/api.md, run for real against gunicorn with production settings, on the
demo data `make run` starts with (commitments/demo.py), as the guide tells its reader to.

Each fenced block whose info string is `sh example` or `python example` is run (bash with
`-e -o pipefail`, or Python) from the application's folder, with `$ALLIANCE_URL` the server's
address and `$ALLIANCE_KEY` a reporting key of France's demo contact. The `text output` block
following an example is what it must print: `...` on a line of its own stands for any number of
lines, and within a line for any text.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import ApiKey, User
from commitments.dataversion import data_changed
from commitments.demo import contact_email, seed_demo
from tests.api.conftest import key_for
from tests.processes import ROOT
from tests.worker import database_url_of_tests

DOC = ROOT / "docs" / "api.md"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
LANGUAGES = {"sh", "python"}


@dataclass
class Example:
    language: str
    code: str
    output: str | None
    line: int

    @property
    def label(self) -> str:
        return f"docs/api.md line {self.line} ({self.language})"


def examples() -> list[Example]:
    text = DOC.read_text()
    found: list[Example] = []
    for match in FENCE.finditer(text):
        words = match.group(1).split()
        line = text.count("\n", 0, match.start()) + 1
        if len(words) == 2 and words[0] in LANGUAGES and words[1] == "example":
            found.append(Example(words[0], match.group(2), None, line))
        elif words == ["text", "output"]:
            assert found, f"docs/api.md line {line}: an output block before any example"
            assert found[-1].output is None, f"docs/api.md line {line}: a second output block for one example"
            found[-1].output = match.group(2)
    return found


def output_pattern(expected: str) -> re.Pattern[str]:
    """`...` alone on a line: any lines (or none); `...` within a line: any text on that line."""
    parts = []
    for line in expected.rstrip("\n").split("\n"):
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append("[^\n]*".join(re.escape(piece) for piece in line.rstrip().split("...")) + r"[ \t]*\n")
    return re.compile("".join(parts))


def matches(expected: str, printed: str) -> bool:
    return output_pattern(expected).fullmatch(printed.rstrip("\n") + "\n") is not None


def test_output_patterns() -> None:
    assert matches("a\n...\nd\n", "a\nb\nc\nd\n")
    assert matches("a\n...\nd\n", "a\nd")
    assert matches('"next": ".../page=2",\n', '"next": "http://x/page=2",\n')
    assert not matches("a\nd\n", "a\nb\nd\n")
    assert not matches("a (b)\n", "a b\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def demo_contact(alliance: None) -> User:
    """The demo data of `make run`; France's national contact, whose key the examples use."""
    seed_demo(password="alliance-demo", today=timezone.localdate())
    data_changed()
    return User.objects.get(email=contact_email("FR"))


@pytest.fixture
def server(alliance: None) -> Iterator[str]:
    """gunicorn with production settings over plain HTTP, on the test database."""
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "DATABASE_URL": database_url_of_tests(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
    }
    log = Path(tempfile.mkstemp(prefix="gunicorn-docs-", suffix=".log")[1])
    with log.open("w") as output:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "alliance.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not start:\n{log.read_text()}") from None
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=20)
    log.unlink()


def run(example: Example, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    if example.language == "sh":
        command = ["bash", "-e", "-o", "pipefail", "-c", example.code]
    else:
        command = [sys.executable, "-c", example.code]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_the_guide_has_runnable_examples_with_their_output() -> None:
    found = examples()
    assert {e.language for e in found} == LANGUAGES
    assert len(found) >= 6
    for example in found:
        assert example.output is not None or "issue_api_key" in example.code, f"{example.label} shows no output"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(shutil.which("curl") is None, reason="the shell examples use curl")
def test_every_example_of_the_guide_runs_and_prints_what_it_says(server: str, demo_contact: User) -> None:
    key = key_for(demo_contact, name="docs/api.md")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS_MODULE"))},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DATABASE_URL": database_url_of_tests(),
        "ALLIANCE_URL": server,
        "ALLIANCE_KEY": key,
    }
    for example in examples():
        result = run(example, env)
        report = f"{example.label} exited {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        assert result.returncode == 0, report
        if example.output is not None:
            assert matches(example.output, result.stdout), f"{report}\n--- the guide says it prints\n{example.output}"
        if "issue_api_key" in example.code:
            # The command prints the new key, of the scope asked for, for the account named.
            issued = result.stdout.strip().splitlines()[-1]
            assert re.fullmatch(r"[0-9a-f]{8}\.[A-Za-z0-9_-]{43}", issued), report
            scope = re.search(r"--scope (\w+)", example.code)
            key_issued = ApiKey.objects.select_related("user").get(prefix=issued.split(".")[0])
            assert key_issued.scope == (scope.group(1) if scope else ApiKey.Scope.READ), report
            assert key_issued.user == demo_contact, report
