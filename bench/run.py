"""`make bench` (`python -m bench.run`): the endpoints under load as production serves them, and
the time and memory a report compile takes, written to bench/results.md.

1. A PostgreSQL database per scale (`alliance_bench`, `alliance_bench20`, ...): migrated, the
   reference data loaded, then `generate_bench_data --scale N`.
2. On the first scale's database: a national contact of France and a secretariat reviewer with
   an authenticator, signed in by sessions written straight into the session store.
3. gunicorn as docker-compose runs it (DEBUG off, the same worker count), twice: with the API
   answers cached, and without (`ANSWER_CACHE=false`, the "cold" members list); and a third time
   serving the bare framework (bench/bare/: plain Django and DRF, no middleware, no database).
   wrk loads one endpoint at a time, every endpoint once per repetition, in a rotating order.
   Every ratio is to the bare DRF constant view of the same repetition; the stack ceiling, the
   same constant through the application's middleware and DRF classes (bench/urls.py), is a
   second reference.
4. The write benchmark, one of the runs of each repetition: 54 national contacts, each with a
   draft of the cycle open today, autosave their editor every 2 s (bench/autosave.py) while wrk
   reads the members list.
5. The SQL queries of one request to each endpoint, counted in-process, cache off and on.
6. At each scale, the latest cycle's report compiled by a real Celery worker (secretariat and
   public editions): the seconds of each step and the worker's peak memory. At the first scale
   this comes before the load, and the public edition is published, so that the public pages
   (dashboard, map, member page, the published report) show a published cycle.
"""

import argparse
import http.client
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from bench.autosave import AutosaveError, Autosaves, Contact, Save, percentile

if TYPE_CHECKING:
    from accounts.models import User

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
MANAGE = str(ROOT / "manage.py")

# Variables of the environment that would change what is measured: the run sets its own values
# or leaves production's defaults.
DROPPED_VARIABLES = (
    "ANSWER_CACHE_SECONDS",
    "API_THROTTLE_ANONYMOUS",
    "API_THROTTLE_KEY",
    "CACHE_KEY_PREFIX",
    "CELERY_BROKER_URL",
    "CONN_MAX_AGE",
    "DATA_UPLOAD_MAX_MEMORY_SIZE",
    "LOG_LEVEL",
    "REPORT_COMPILE_TIME_LIMIT",
    "SECURE_SSL_REDIRECT",
    "SESSION_ABSOLUTE_TIMEOUT",
    "SESSION_IDLE_TIMEOUT",
)
# Every request says it came through the TLS proxy, so that the HTTPS redirect does not answer it.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
# Each request comes from another client address, as requests of many clients behind the proxy
# do; otherwise the API's per-address throttle would see one client and refuse it (429) within
# seconds. The throttle still runs for every request. Each thread counts from its own offset.
WRK_SCRIPT = """\
local threads = 0
function setup(thread)
  thread:set("offset", threads * 4194304)
  threads = threads + 1
end
local sent = 0
function request()
  sent = sent + 1
  local n = (offset + sent) % 16777216
  wrk.headers["X-Forwarded-For"] =
    string.format("10.%d.%d.%d", math.floor(n / 65536), math.floor(n / 256) % 256, n % 256)
  return wrk.format()
end
"""
WRK_TIMEOUT = "30s"  # slow endpoints are measured, not counted as socket errors at wrk's default 2 s
WARM_UP_SECONDS = 2
COMPILE_TIMEOUT_SECONDS = 1860  # the worker's own limit (REPORT_COMPILE_TIME_LIMIT) plus a minute
COMPILE_STEPS = ("data", "html", "json", "csv", "xlsx", "pdf", "store", "total")
EDITIONS = ("secretariat", "public")
P99_LIMIT_MS = 100.0
REFERENCE = "bare-drf"  # every ratio's denominator: the bare framework's DRF constant view
STACK_CEILING = "ceiling"  # the second reference: the same constant through the application's stack
AUTOSAVE_CONTACTS = 54  # one per member state, as many as the Alliance has
AUTOSAVE_INTERVAL_SECONDS = 2.0
AUTOSAVE_P99_LIMIT_MS = 150.0
SCALE_ONE_LIMIT_SECONDS = 10.0
CONTACT_EMAIL = "contact.fr@harness.bench.example.org"
REVIEWER_EMAIL = "reviewer@harness.bench.example.org"


class BenchError(Exception):
    """The run cannot measure what it should; the message says why."""


# --- Options ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    duration: int
    repeat: int
    connections: int
    scales: list[int]
    port: int
    postgres: str
    redis: str
    output: Path


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}.") from None


def parse_scales(text: str) -> list[int]:
    """ "1,20" -> [1, 20]: the first scale's data is also the one the endpoints are loaded on."""
    try:
        scales = list(dict.fromkeys(int(part) for part in text.split(",") if part.strip()))
    except ValueError:
        raise argparse.ArgumentTypeError(f"scales are whole numbers separated by commas, not {text!r}") from None
    if not scales or min(scales) < 1:
        raise argparse.ArgumentTypeError(f"scales are whole numbers from 1, not {text!r}")
    return scales


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=_env_int("BENCH_DURATION", 5), help="seconds per run (5)")
    parser.add_argument("--repeat", type=int, default=_env_int("BENCH_REPEAT", 3), help="repetitions (3)")
    parser.add_argument(
        "--connections", type=int, default=_env_int("BENCH_CONNECTIONS", 16), help="open connections (16)"
    )
    parser.add_argument(
        "--scales",
        type=parse_scales,
        default=parse_scales(os.environ.get("BENCH_SCALES", "1,20")),
        help="data scales, the first also for the endpoints (1,20)",
    )
    parser.add_argument(
        "--port", type=int, default=_env_int("BENCH_PORT", 8765), help="gunicorn's port; the cold one on the next"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server, without a database name",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"),
        help="a Redis database of the run's own: emptied at the start",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.md")
    options = parser.parse_args(argv)
    if options.duration < 1 or options.repeat < 1 or options.connections < 2:
        parser.error("duration and repeat are at least 1, connections at least 2 (wrk runs two threads)")
    return Options(
        duration=options.duration,
        repeat=options.repeat,
        connections=options.connections,
        scales=options.scales,
        port=options.port,
        postgres=options.postgres.rstrip("/"),
        redis=options.redis,
        output=options.output,
    )


# --- wrk and docker-compose, parsed ----------------------------------------------------------

TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass(frozen=True)
class LoadRun:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int


def parse_time_ms(text: str) -> float:
    """wrk's latency, e.g. "812.00us", "4.20ms", "1.03s", in milliseconds."""
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(us|ms|s|m|h)", text.strip())
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match[1]) * TIME_UNITS_MS[match[2]]


def parse_wrk(output: str) -> LoadRun:
    """Requests per second and the 50% and 99% latencies of `wrk --latency`; errors refused."""
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if errors is not None and any(int(count) for count in errors.groups()):
        raise BenchError(f"wrk reported socket errors ({errors[0]})")
    refused = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if refused is not None:
        raise BenchError(f"{refused[1]} answers were errors (non-2xx or 3xx)")
    rate = re.search(r"^Requests/sec:\s+([0-9.]+)", output, re.MULTILINE)
    p50 = re.search(r"^\s*50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s*99%\s+(\S+)", output, re.MULTILINE)
    count = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    if rate is None or p50 is None or p99 is None or count is None:
        raise BenchError(f"wrk's output has no rate or latency distribution (was --latency given?):\n{output}")
    if int(count[1]) == 0:
        raise BenchError("no request completed")
    return LoadRun(float(rate[1]), parse_time_ms(p50[1]), parse_time_ms(p99[1]), int(count[1]))


def gunicorn_workers(compose: str, environ: Mapping[str, str]) -> int:
    """The worker count of the gunicorn command in docker-compose.yml, `${VAR:-default}` resolved
    as Compose resolves it (the variable when set and not empty, else the default)."""
    match = re.search(r"gunicorn\b[^\n]*?(?:--workers[= ]|(?<![\w-])-w ?)(\S+)", compose)
    if match is None:
        raise BenchError("docker-compose.yml has no gunicorn command with --workers")
    value = match[1]
    variable = re.fullmatch(r"\$\{(\w+)(?::?-([^}]*))?\}", value)
    if variable is not None:
        value = environ.get(variable[1]) or (variable[2] or "")
    try:
        return int(value)
    except ValueError:
        raise BenchError(f"gunicorn's worker count in docker-compose.yml is not a number: {match[1]!r}") from None


# --- Processes -------------------------------------------------------------------------------


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def started(
    command: list[str], env: dict[str, str], log: Path, ready: Callable[[], bool], what: str, timeout: float = 90
) -> Iterator["subprocess.Popen[bytes]"]:
    """A process, its output in `log`, once `ready()` says so; stopped (SIGTERM) on leaving."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            if process.poll() is not None:
                raise BenchError(f"{what} exited with status {process.returncode}:\n{_tail(log)}")
            if time.monotonic() > deadline:
                raise BenchError(f"{what} was not ready after {timeout:.0f} s:\n{_tail(log)}")
            time.sleep(0.2)
        yield process
    finally:
        _stop(process)


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"/proc/{pid}/status has no VmHWM")


def child_pids(pid: int) -> list[int]:
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue  # ended meanwhile
        if re.search(rf"^PPid:\s+{pid}$", text, re.MULTILINE):
            children.append(int(status.parent.name))
    return children


def manage(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, MANAGE, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{completed.stdout}{completed.stderr}")
    return completed.stdout


def fetch(port: int, path: str, headers: Mapping[str, str]) -> tuple[int, dict[str, str]]:
    """One GET, redirects not followed: the status and the headers (names in lower case)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers=dict(headers))
        response = connection.getresponse()
        response.read()
        return response.status, {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()


def _answers(port: int, path: str = "/healthz") -> bool:
    try:
        return fetch(port, path, {})[0] == 200
    except OSError:
        return False


# --- The run's environment -------------------------------------------------------------------


def database_name(scale: int) -> str:
    return "alliance_bench" if scale == 1 else f"alliance_bench{scale}"


@dataclass
class Bench:
    options: Options
    tmp: Path
    workers: int
    # A fresh signing key and queue per run: sessions and tasks of another run are not taken.
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(50))
    queue: str = field(default_factory=lambda: f"bench-{secrets.token_hex(4)}")

    def environment(self, scale: int, *, cache: bool = True) -> dict[str, str]:
        """The application's settings as in production, on the scale's database."""
        env = {name: value for name, value in os.environ.items() if name not in DROPPED_VARIABLES}
        env.update(
            DJANGO_SETTINGS_MODULE="bench.settings",
            DEBUG="false",
            SECRET_KEY=self.secret,
            ALLOWED_HOSTS="127.0.0.1",
            TRUSTED_PROXIES="1",  # wrk plays the TLS proxy: X-Forwarded-Proto and -For
            DATABASE_URL=f"{self.options.postgres}/{database_name(scale)}",
            REDIS_URL=self.options.redis,
            CELERY_TASK_DEFAULT_QUEUE=self.queue,
            ANSWER_CACHE="true" if cache else "false",
            STATIC_ROOT=str(self.tmp / "static"),
            MEDIA_ROOT=str(self.tmp / "media"),
            VAR_DIR=str(self.tmp / "var"),
        )
        return env


def recreate_database(options: Options, name: str) -> None:
    import psycopg2  # type: ignore[import-untyped]
    from psycopg2 import sql

    server = psycopg2.connect(f"{options.postgres}/postgres")
    try:
        server.autocommit = True
        with server.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        server.close()


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


@dataclass
class ScaleData:
    scale: int
    database: str
    generation_seconds: float
    members: int = 0
    commitments: int = 0
    updates: int = 0
    submissions: int = 0


def build_data(bench: Bench, scale: int) -> ScaleData:
    """A new database of the scale: migrated, the reference data, then the benchmark data."""
    name = database_name(scale)
    print(f"Building {name} (scale {scale})...", flush=True)
    recreate_database(bench.options, name)
    env = bench.environment(scale)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_alliance")
    started_at = time.monotonic()
    output = manage(env, "generate_bench_data", f"--scale={scale}")
    reported = re.search(r"generated in ([0-9.]+) s", output)
    seconds = float(reported[1]) if reported else time.monotonic() - started_at
    return ScaleData(scale=scale, database=name, generation_seconds=seconds)


def use_database(scale: int) -> None:
    """Point this process's connection at the scale's database."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = database_name(scale)


def count_data(data: ScaleData) -> None:
    from commitments.models import Commitment, MemberState, ProgressUpdate, Submission

    data.members = MemberState.objects.count()
    data.commitments = Commitment.objects.count()
    data.updates = ProgressUpdate.objects.count()
    data.submissions = Submission.objects.count()


# --- People and their sessions ---------------------------------------------------------------


def bench_people() -> tuple["User", "User"]:
    """A national contact of France, and a secretariat reviewer with a confirmed authenticator."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from commitments.models import MemberState

    contact = User.objects.filter(email=CONTACT_EMAIL).first() or User.objects.create_user(
        CONTACT_EMAIL,
        full_name="National contact of France (benchmark)",
        role=User.Role.NATIONAL_CONTACT,
        member_state=MemberState.objects.get(iso_code="FR"),
    )
    reviewer = User.objects.filter(email=REVIEWER_EMAIL).first() or User.objects.create_user(
        REVIEWER_EMAIL, full_name="Secretariat reviewer (benchmark)", role=User.Role.SECRETARIAT_REVIEWER
    )
    if not TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists():
        TOTPDevice.objects.create(user=reviewer, name="Benchmark authenticator", key=secrets.token_hex(20))
    return contact, reviewer


def session_cookie(user: "User") -> str:
    """A signed-in session written into the session store, as the sign-in pages leave it; for a
    person with an authenticator, also marked as having given the second factor (django-otp)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    now = time.time()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "accounts.backends.AccountBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["signed_in_at"] = store["last_seen"] = now
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store["second_factor_enrolled"] = store["second_factor_required"] = True
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


@dataclass(frozen=True)
class Writer:
    """A national contact of the benchmark data, signed in, with a draft to autosave into."""

    name: str
    page: str  # their submission's page
    session: str  # the session cookie, name=value
    submission: int


def autosave_writers(count: int) -> list[Writer]:
    """The generated contacts of `count` member states, each with a draft of the cycle open today,
    started as the contact's Start button starts it (`submission_start`). The cycle is added when
    the load begins, after the compiles, so that every endpoint's run sees the same data."""
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from bench.generate import BENCH_DOMAIN
    from commitments.demo import yearly_cycle
    from commitments.selectors import member_states_on
    from commitments.services import submission_start

    today = timezone.localdate()
    cycle, _ = yearly_cycle(today.year + (1 if (today.month, today.day) > (4, 1) else 0))
    contacts = list(
        User.objects.filter(
            role=User.Role.NATIONAL_CONTACT,
            email__endswith=f"@{BENCH_DOMAIN}",
            member_state__in=member_states_on(day=cycle.due_on),
        )
        .select_related("member_state")
        .order_by("member_state__iso_code")[:count]
    )
    if len(contacts) < count:
        raise BenchError(f"{len(contacts)} member states have a contact and report for {cycle.name}; {count} needed")
    writers = []
    for contact in contacts:
        assert contact.member_state is not None
        submission = submission_start(member_state=contact.member_state, cycle=cycle, actor=contact)
        page = reverse("commitments:submission", args=[submission.pk])
        writers.append(Writer(contact.member_state.iso_code, page, session_cookie(contact), submission.pk))
    return writers


# --- Endpoints under load --------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    path: str
    viewer: str = "anonymous"  # or "contact", "secretariat"
    cold: bool = False  # served with ANSWER_CACHE off
    bare: bool = False  # served by the bare framework project (bench/bare/)
    writes: bool = False  # loaded while the contacts autosave
    conditional: bool = False  # sent with the ETag of a first answer: must answer 304
    target: float | None = None  # least share of the bare DRF constant view's requests per second
    fallback: str = ""  # measured instead if the page is not there yet (404)
    why: str = ""  # what holds it back, said in the results when it misses its target

    @property
    def server(self) -> str:
        return "bare" if self.bare else "cold" if self.cold else "warm"


COLD_STATUS_WHY = (
    "every request computes the status of 50 members: 8 queries, the largest of which takes the latest "
    "accepted completion of each of about 800 commitments under the viewer's visibility rules (a sort of "
    "about 4,000 accepted updates, some 5 ms of SQL at scale 1), plus building those queries and the "
    "answer in Python; the status is meant to be served warm, from the cache under the data version"
)
COMPILE_WHY = (
    "the PDF is about 85% of a compile; WeasyPrint's layout and writing cost the same per page once the "
    "garbage collector is paused and pydyf's page references are built once (reports/pdf.py), so what "
    "is left is the document's own growth: scale 20 has more pages per member than scale 1 where the "
    "members have more commitments"
)
PAGE_WHY = (
    "a signed-in page reads the session (from Redis) and its person (one query), renders the whole page "
    "through Django's templates for every request (its header names the person and carries their "
    "sign-out form), and pays the whole stack first (see the stack ceiling); only its data comes from "
    "the cache"
)
STACK_WHY = (
    "what every request pays before its view: the per-address API throttle counts each request in "
    "Redis (one round trip running a Lua script: about a third of the stack's time in the profile, "
    "docs/performance.md), and the 19 middleware that carry the security controls the tests check "
    "(CORS, HSTS and the HTTPS redirect, CSP, sessions, CSRF, the second factor, session timeouts, "
    "axes, the refusal log, idempotency keys) run for every request, another third; the bare DRF view "
    "pays neither"
)
WARM_WHY = (
    "bounded by the stack ceiling (every request pays the whole stack first); on top of it a warm "
    "answer reads its scope's data versions and the cached bytes from Redis, two more round trips"
)
WRITES_WHY = (
    "the contacts' saves (each a transaction writing the update, its history and the submission's "
    "version, behind the same stack and a session with its second factor) take their share of the "
    "same two cores; the reads stay warm (a draft's save does not change what the public sees), so "
    "the list keeps most of its speed alone, itself bounded by the stack ceiling"
)
CONDITIONAL_WHY = (
    "a 304 is answered before any query but after the whole stack, throttle included: bounded by the stack ceiling"
)
PUBLIC_WHY = (
    "an anonymous visitor's page is served as it was rendered, from the cache (one query: whether "
    "anything was published since), but after the whole stack, whose ceiling bounds it, and its "
    "bytes (the dashboard's charts and tables, the map's SVG: tens of kilobytes) go through the "
    "middleware and gunicorn for every request"
)


ENDPOINTS = (
    Endpoint("bare-django", "bare Django constant JSON (no middleware)", "/django/", bare=True),
    Endpoint(REFERENCE, "bare DRF constant JSON (no middleware): the reference", "/drf/", bare=True),
    Endpoint(
        STACK_CEILING, "stack ceiling (constant JSON, whole stack)", "/bench/ceiling/", target=0.70, why=STACK_WHY
    ),
    Endpoint(
        "members-cold",
        "members list, cold (no cache)",
        "/api/v1/members/",
        cold=True,
        target=0.10,
        why=COLD_STATUS_WHY,
    ),
    Endpoint("members-warm", "members list, warm", "/api/v1/members/", target=0.60, why=WARM_WHY),
    Endpoint(
        "members-writes",
        f"members list, warm, while {AUTOSAVE_CONTACTS} contacts autosave",
        "/api/v1/members/",
        writes=True,
        target=0.55,
        why=WRITES_WHY,
    ),
    Endpoint(
        "members-304",
        "members list, If-None-Match (304)",
        "/api/v1/members/",
        conditional=True,
        target=0.70,
        why=CONDITIONAL_WHY,
    ),
    Endpoint("member", "member FR", "/api/v1/members/FR/"),
    Endpoint("commitments", "commitments of FR", "/api/v1/commitments/?member=FR"),
    Endpoint(
        "commitments-304", "commitments of FR, If-None-Match (304)", "/api/v1/commitments/?member=FR", conditional=True
    ),
    Endpoint("contact-home", "contact home page", "/reporting/", viewer="contact", target=0.25, why=PAGE_WHY),
    Endpoint("review-queue", "review queue", "/review/", viewer="secretariat", target=0.25, why=PAGE_WHY),
    Endpoint(
        "completeness", "cycle completeness page", "/review/completeness/", viewer="secretariat", fallback="/review/"
    ),
    # The public site (no sign-in): its data cached under the latest publication and the data version.
    Endpoint("public-dashboard", "public dashboard", "/alliance/", target=0.30, why=PUBLIC_WHY),
    Endpoint("public-map", "public world map", "/alliance/map/", target=0.30, why=PUBLIC_WHY),
    Endpoint("public-member", "public member page FR", "/alliance/members/FR/", target=0.30, why=PUBLIC_WHY),
    Endpoint("public-reports", "public list of published reports", "/alliance/reports/", target=0.30, why=PUBLIC_WHY),
    Endpoint(
        "public-report",
        "public page of the published report",
        "/alliance/reports/{published}/",
        target=0.30,
        why=PUBLIC_WHY,
    ),
)


@dataclass
class Target:
    """An endpoint checked and ready to load: where, with which headers, answering what."""

    endpoint: Endpoint
    port: int
    path: str
    headers: dict[str, str]
    expected: int
    note: str = ""
    skipped: str = ""  # why it is not measured


def _check(target: Target, status: int, answer: Mapping[str, str], expected: int) -> None:
    if status == expected:
        return
    where = f"{target.endpoint.label}: GET {target.path}"
    location = answer.get("location", "")
    if status in (301, 302, 303, 307, 308) and "/accounts/" in location:
        raise BenchError(
            f"{where} answered {status}, a redirect to {location}: the {target.endpoint.viewer}'s session is refused"
        )
    if status in (301, 302, 303, 307, 308):
        raise BenchError(f"{where} answered {status}, a redirect to {location}; expected {expected}")
    raise BenchError(f"{where} answered {status}; expected {expected}")


def prepare(
    endpoint: Endpoint, ports: Mapping[str, int], cookies: Mapping[str, str], values: Mapping[str, object]
) -> Target:
    """Check the endpoint's answer with one request; for a conditional one, get its ETag first.
    `values` fill the path's placeholders (the published report's number)."""
    headers = dict(PROXY_HEADERS)
    if endpoint.viewer != "anonymous":
        headers["Cookie"] = cookies[endpoint.viewer]
    path = endpoint.path.format_map(values)
    target = Target(endpoint, ports[endpoint.server], path, headers, 200)
    status, answer = fetch(target.port, target.path, headers)
    if status == 404 and endpoint.fallback:
        target.note = f"{endpoint.path} answered 404: {endpoint.fallback} measured instead"
        target.path = endpoint.fallback
        status, answer = fetch(target.port, target.path, headers)
    _check(target, status, answer, 200)
    if endpoint.conditional:
        if "etag" not in answer:
            target.skipped = "no ETag"
            return target
        headers["If-None-Match"] = answer["etag"]
        target.expected = 304
        status, answer = fetch(target.port, target.path, headers)
        _check(target, status, answer, 304)
    return target


def verify(target: Target) -> None:
    status, answer = fetch(target.port, target.path, target.headers)
    _check(target, status, answer, target.expected)


def wrk(target: Target, *, duration: int, connections: int, script: Path) -> str:
    """wrk's report of loading the target for `duration` seconds."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", WRK_TIMEOUT]
    command += ["-s", str(script)]
    for name, value in target.headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{target.port}{target.path}")
    completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120, check=False)
    if completed.returncode != 0:
        raise BenchError(f"wrk failed on {target.path}:\n{completed.stdout}{completed.stderr}")
    return completed.stdout


def measure(target: Target, *, duration: int, connections: int, script: Path) -> LoadRun:
    output = wrk(target, duration=duration, connections=connections, script=script)
    try:
        return parse_wrk(output)
    except BenchError as error:
        raise BenchError(f"{target.endpoint.label} (GET {target.path}): {error}") from None


@dataclass(frozen=True)
class SaveRun:
    """The autosaves of one write run: each save's time and status, over `seconds`."""

    saves: list[Save]
    seconds: float

    @property
    def succeeded(self) -> list[Save]:
        return [save for save in self.saves if 200 <= save.status < 300]

    @property
    def failures(self) -> int:
        return len(self.saves) - len(self.succeeded)


def save_stats(runs: Sequence[SaveRun]) -> tuple[int, float, float, float, int]:
    """Over every run: saves, saves per second, p50 and p99 in milliseconds, failures. The
    percentiles are of the saves that succeeded, all runs together."""
    seconds = [save.seconds * 1000 for run in runs for save in run.succeeded]
    count = sum(len(run.saves) for run in runs)
    elapsed = sum(run.seconds for run in runs)
    failures = sum(run.failures for run in runs)
    if not seconds:
        return count, 0.0, 0.0, 0.0, failures
    return count, count / elapsed if elapsed else 0.0, percentile(seconds, 0.5), percentile(seconds, 0.99), failures


def check_saves(run: SaveRun) -> None:
    """A server error fails the run: the write benchmark measures saves that work."""
    errors = [save for save in run.saves if save.status >= 500]
    if errors:
        raise BenchError(f"{len(errors)} of {len(run.saves)} autosaves answered a server error ({errors[0]})")
    if not run.saves:
        raise BenchError("no autosave was sent")


@dataclass
class Load:
    targets: list[Target]
    runs: dict[str, list[LoadRun]]
    orders: list[list[str]]
    server_peak_mb: dict[str, float]
    # The machine's 1-minute load average before and after the runs: other work on the machine
    # (which the run does not stop) shows here.
    load_average: tuple[float, float]
    saves: list[SaveRun] = field(default_factory=list)  # one per repetition
    writers: int = 0


def _gunicorn(bench: Bench, scale: int, name: str, port: int) -> tuple[list[str], dict[str, str]]:
    """The command and environment of a gunicorn of the run: docker-compose's, on `port`."""
    env = bench.environment(scale, cache=name != "cold")
    application = "alliance.wsgi"
    if name == "bare":
        application = "bench.bare.wsgi"
        env["DJANGO_SETTINGS_MODULE"] = "bench.bare.settings"
    command = [sys.executable, "-m", "gunicorn", "-c", "python:alliance.gunicorn_conf", application]
    command += ["--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(bench.workers), "--access-logfile", "-"]
    return command, env


def load_endpoints(
    bench: Bench, scale: int, cookies: Mapping[str, str], published: int, writers: Sequence[Writer]
) -> Load:
    """Serve the scale's database with gunicorn, cached and not, and the bare framework; load every
    endpoint, and the members list once more per repetition while the writers autosave."""
    from django.conf import settings

    options = bench.options
    ports = {"warm": options.port, "cold": options.port + 1, "bare": options.port + 2}
    script = bench.tmp / "clients.lua"
    script.write_text(WRK_SCRIPT)
    load_before = os.getloadavg()[0]
    with ExitStack() as stack:
        servers = {}
        for name, port in ports.items():
            command, env = _gunicorn(bench, scale, name, port)
            log = bench.tmp / f"gunicorn-{name}.log"
            what = f"gunicorn ({name}, port {port})"
            ready = partial(_answers, port, "/drf/" if name == "bare" else "/healthz")
            servers[name] = stack.enter_context(started(command, env, log, ready, what))

        values = {"published": published}
        targets = [prepare(endpoint, ports, cookies, values) for endpoint in ENDPOINTS]
        loaded = [target for target in targets if not target.skipped]
        contacts = []
        for number, writer in enumerate(writers):
            name, value = writer.session.split("=", 1)
            # Addresses of their own (172.16/12), apart from wrk's (10/8): each contact is a client.
            address = f"172.16.{number // 256}.{number % 256}"
            contact = Contact(writer.name, ports["warm"], writer.page, {name: value}, address)
            try:
                contact.open(settings.CSRF_COOKIE_NAME)
            except AutosaveError as error:
                raise BenchError(f"autosave: {error}") from None
            contacts.append(contact)
        print(f"Warming up {len(loaded)} endpoints...", flush=True)
        for target in loaded:
            # Not measured: every worker has loaded its code and templates, and its connections.
            wrk(target, duration=WARM_UP_SECONDS, connections=options.connections, script=script)
        runs: dict[str, list[LoadRun]] = {target.endpoint.key: [] for target in loaded}
        saves: list[SaveRun] = []
        orders = []
        for repetition in range(options.repeat):
            # Every endpoint once per repetition, starting one further each time: none is always
            # first (or always right after another).
            shift = repetition % len(loaded)
            order = loaded[shift:] + loaded[:shift]
            orders.append([target.endpoint.key for target in order])
            for target in order:
                autosaves = None
                if target.endpoint.writes:
                    autosaves = Autosaves(contacts, AUTOSAVE_INTERVAL_SECONDS)
                    autosaves.start()
                try:
                    run = measure(target, duration=options.duration, connections=options.connections, script=script)
                finally:
                    if autosaves is not None:
                        saves.append(SaveRun(autosaves.stop(), autosaves.seconds))
                if autosaves is not None:
                    check_saves(saves[-1])
                verify(target)  # still the expected answer after the load (session alive, ETag current)
                runs[target.endpoint.key].append(run)
                print(
                    f"  [{repetition + 1}/{options.repeat}] {target.endpoint.label}: "
                    f"{run.requests_per_second:.0f} req/s, p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms",
                    flush=True,
                )
                if autosaves is not None:
                    count, rate, p50, p99, failures = save_stats(saves[-1:])
                    print(
                        f"      autosaves: {count} ({rate:.1f}/s), p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
                        f"{failures} failed",
                        flush=True,
                    )
        peaks = {
            name: max((peak_memory_mb(pid) for pid in child_pids(process.pid)), default=0.0)
            for name, process in servers.items()
        }
    check_versions(writers, contacts)
    load_average = (load_before, os.getloadavg()[0])
    return Load(
        targets=targets,
        runs=runs,
        orders=orders,
        server_peak_mb=peaks,
        load_average=load_average,
        saves=saves,
        writers=len(contacts),
    )


def check_versions(writers: Sequence[Writer], contacts: Sequence[Contact]) -> None:
    """Every save a contact saw succeed is in the database: its update is at the version of its
    last save's answer."""
    from commitments.models import ProgressUpdate

    for writer, contact in zip(writers, contacts, strict=True):
        if contact.form is None or not contact.version:
            continue
        match = re.search(r"/updates/(\d+)/", contact.form.action)
        if match is None:
            raise BenchError(f"autosave: no commitment in the form's address {contact.form.action}")
        stored = (
            ProgressUpdate.objects.filter(submission_id=writer.submission, commitment_id=int(match[1]))
            .values_list("version", flat=True)
            .first()
        )
        if stored != contact.version:
            raise BenchError(f"autosave of {writer.name}: the update is at version {stored}, saved {contact.version}")


def count_queries(targets: Sequence[Target]) -> dict[str, tuple[int, int]]:
    """Queries of one request to each endpoint, with the API cache off and on, in this process on
    the same database and settings. A first request is not counted: it fills the cache (and writes
    the session's time of last activity, which a browser's later requests do once a minute)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    counts: dict[str, tuple[int, int]] = {}
    for target in targets:
        if target.skipped or target.endpoint.bare:
            continue  # the bare framework is another project; it makes no query
        measured = []
        for cache in (False, True):
            with override_settings(ANSWER_CACHE=cache):
                # The host gunicorn was asked by, port included: an answer's ETag covers the
                # absolute address its links name (commitments.api.caching.answer_tag).
                client = Client(HTTP_HOST=f"127.0.0.1:{target.port}")
                client.get(target.path, headers=target.headers)
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(target.path, headers=target.headers)
                if response.status_code != target.expected:
                    raise BenchError(
                        f"{target.endpoint.label}: GET {target.path} answered {response.status_code} in-process; "
                        f"expected {target.expected}"
                    )
                measured.append(len(queries))
        counts[target.endpoint.key] = (measured[0], measured[1])
    return counts


# --- Report compiles -------------------------------------------------------------------------


@dataclass
class Compile:
    scale: int
    edition: str
    cycle: str
    timings: dict[str, float]
    peak_mb: float
    from_timestamps: bool  # the report kept no timings: total = finished - created
    report_id: int


def compile_report(bench: Bench, scale: int, edition: str, reviewer: "User") -> Compile:
    """The latest cycle with submissions, compiled by a real Celery worker of its own."""
    from commitments.models import ReportingCycle
    from reports.models import CompiledReport
    from reports.services import report_request

    cycle = ReportingCycle.objects.filter(submissions__isnull=False).distinct().order_by("-due_on").first()
    if cycle is None:
        raise BenchError(f"No cycle with submissions at scale {scale}: did generate_bench_data run?")
    command = [sys.executable, "-m", "celery", "-A", "alliance", "worker", "--pool=solo", "--loglevel=INFO"]
    command += ["--without-mingle", "--without-gossip", "--without-heartbeat", "-Q", bench.queue]
    log = bench.tmp / f"worker-{scale}-{edition}.log"

    def ready() -> bool:
        return log.exists() and "ready." in log.read_text(errors="replace")

    print(f"Compiling the {edition} edition of {cycle.name} at scale {scale}...", flush=True)
    with started(command, bench.environment(scale), log, ready, "the Celery worker") as worker:
        report = report_request(cycle=cycle, edition=edition, actor=reviewer)
        deadline = time.monotonic() + COMPILE_TIMEOUT_SECONDS
        while report.status != CompiledReport.Status.DONE:
            if report.status == CompiledReport.Status.FAILED:
                raise BenchError(f"The compile failed: {report.error}\n{_tail(log)}")
            if worker.poll() is not None:
                raise BenchError(f"The worker exited during the compile:\n{_tail(log)}")
            if time.monotonic() > deadline:
                raise BenchError(f"The compile did not finish in {COMPILE_TIMEOUT_SECONDS} s:\n{_tail(log)}")
            time.sleep(0.5)
            report.refresh_from_db()
        peak = peak_memory_mb(worker.pid)
    timings = {step: float(seconds) for step, seconds in (report.timings or {}).items()}
    from_timestamps = not timings
    if from_timestamps and report.finished_at is not None:
        timings = {"total": (report.finished_at - report.created_at).total_seconds()}
    return Compile(scale, edition, cycle.name, timings, peak, from_timestamps, report.pk)


def publish(compiled: Sequence[Compile], reviewer: "User") -> int:
    """Publish the public edition among `compiled`, as the secretariat does; its number."""
    from reports.models import CompiledReport
    from reports.publication import report_publish

    public = next(item for item in compiled if item.edition == "public")
    report = report_publish(report=CompiledReport.objects.get(pk=public.report_id), actor=reviewer)
    return report.pk


# --- The machine -----------------------------------------------------------------------------


def _first_match(path: str, pattern: str) -> str:
    try:
        match = re.search(pattern, Path(path).read_text(), re.MULTILINE)
    except OSError:
        return "unknown"
    return match[1].strip() if match else "unknown"


def machine_facts(bench: Bench) -> dict[str, str]:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    memory_kb = _first_match("/proc/meminfo", r"^MemTotal:\s+(\d+)")
    os_name = _first_match("/etc/os-release", r'^PRETTY_NAME="?([^"\n]*)')
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout
    options = bench.options
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": _first_match("/proc/cpuinfo", r"^model name\s*:\s*(.+)$"),
        "cores": str(os.cpu_count()),
        "RAM": f"{int(memory_kb) / 1024 / 1024:.1f} GB" if memory_kb.isdigit() else "unknown",
        "OS": f"{os_name}, Linux {platform.release()}",
        "Python": platform.python_version(),
        "PostgreSQL": str(postgres),
        "Django": django.get_version(),
        "gunicorn": f"{version('gunicorn')}, {bench.workers} sync workers (docker-compose.yml)",
        "wrk": wrk.split(" Copyright")[0].strip() or "unknown",
        "load": (
            f"{options.duration} s per run, {options.repeat} repetition{'s' if options.repeat > 1 else ''}, "
            f"{options.connections} connections, 2 wrk threads"
        ),
    }


# --- Results ---------------------------------------------------------------------------------


@dataclass
class Results:
    machine: dict[str, str]
    options: Options
    data: list[ScaleData]
    load: Load
    queries: dict[str, tuple[int, int]]
    compiles: list[Compile]


@dataclass(frozen=True)
class Row:
    target: Target
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    # Medians over the repetitions of the ratio of the endpoint's req/s to that repetition's bare
    # DRF constant view's, and to its stack ceiling's.
    ratio: float | None
    stack_ratio: float | None
    queries: int | None


def median_ratio(runs: Sequence[LoadRun], references: Sequence[LoadRun]) -> float | None:
    """The median over repetitions of each run's req/s divided by the reference's in the same one."""
    if not runs or len(runs) != len(references):
        return None
    return statistics.median(
        run.requests_per_second / top.requests_per_second for run, top in zip(runs, references, strict=True)
    )


def rows(results: Results) -> list[Row]:
    reference = results.load.runs.get(REFERENCE, [])
    stack = results.load.runs.get(STACK_CEILING, [])
    table = []
    for target in results.load.targets:
        key = target.endpoint.key
        runs = results.load.runs.get(key, [])
        if not runs:
            table.append(Row(target, 0.0, 0.0, 0.0, None, None, None))
            continue
        counts = results.queries.get(key)
        table.append(
            Row(
                target,
                statistics.median(run.requests_per_second for run in runs),
                statistics.median(run.p50_ms for run in runs),
                statistics.median(run.p99_ms for run in runs),
                median_ratio(runs, reference),
                median_ratio(runs, stack),
                None if counts is None else counts[0 if target.endpoint.cold else 1],
            )
        )
    return table


@dataclass(frozen=True)
class Verdict:
    what: str
    met: bool
    detail: str
    why: str = ""  # said when it is missed


def _total(results: Results, scale: int) -> float | None:
    for item in results.compiles:
        if item.scale == scale and item.edition == "secretariat":
            return item.timings.get("total")
    return None


def verdicts(results: Results, table: Sequence[Row]) -> list[Verdict]:
    found = []
    for row in table:
        endpoint = row.target.endpoint
        if endpoint.target is not None and row.ratio is not None:
            found.append(
                Verdict(
                    f"{endpoint.label} ≥ {endpoint.target:.2f} of the bare DRF view's req/s",
                    row.ratio >= endpoint.target,
                    f"{row.ratio:.2f} (margin {row.ratio - endpoint.target:+.2f})",
                    endpoint.why,
                )
            )
    # The application's endpoints: the bare framework is the reference, not one of them.
    measured = [row for row in table if row.ratio is not None and not row.target.endpoint.bare]
    if measured:
        worst = max(measured, key=lambda row: row.p99_ms)
        connections = results.options.connections
        least_rate = connections / (P99_LIMIT_MS / 1000)
        found.append(
            Verdict(
                f"p99 < {P99_LIMIT_MS:.0f} ms at {results.options.connections} connections, every endpoint",
                worst.p99_ms < P99_LIMIT_MS,
                f"highest {worst.p99_ms:.1f} ms, {worst.target.endpoint.label} (margin "
                f"{P99_LIMIT_MS - worst.p99_ms:+.1f} ms); at or over the limit: "
                + (", ".join(row.target.endpoint.label for row in measured if row.p99_ms >= P99_LIMIT_MS) or "none"),
                f"with {connections} connections open, each request waits for those queued before it, so an "
                f"endpoint keeps its p99 under {P99_LIMIT_MS:.0f} ms only above about {least_rate:.0f} req/s; the "
                "ones over the limit serve fewer (see their throughput above)",
            )
        )
    if results.load.saves:
        count, _, _, p99, failures = save_stats(results.load.saves)
        found.append(
            Verdict(
                f"autosave p99 < {AUTOSAVE_P99_LIMIT_MS:.0f} ms under the write load",
                bool(count - failures) and p99 < AUTOSAVE_P99_LIMIT_MS,
                f"{p99:.1f} ms over {count - failures} saves (margin {AUTOSAVE_P99_LIMIT_MS - p99:+.1f} ms)",
            )
        )
        found.append(
            Verdict(
                "every autosave succeeded (2xx)",
                failures == 0,
                f"{failures} of {count} failed",
            )
        )
    scales = results.options.scales
    base = min(scales)
    base_total = _total(results, base)
    for scale in scales:
        total = _total(results, scale)
        if scale == base or total is None or not base_total:
            continue
        allowed = scale / base
        found.append(
            Verdict(
                f"report compile at scale {scale} ≤ {allowed:g}x the scale-{base} time (secretariat edition)",
                total <= allowed * base_total,
                f"{total / base_total:.2f}x ({total:.1f} s / {base_total:.1f} s; margin "
                f"{allowed - total / base_total:+.2f}x)",
                COMPILE_WHY,
            )
        )
    if base == 1 and base_total is not None:
        found.append(
            Verdict(
                f"all formats at scale 1 < {SCALE_ONE_LIMIT_SECONDS:.0f} s (secretariat edition)",
                base_total < SCALE_ONE_LIMIT_SECONDS,
                f"{base_total:.2f} s (margin {SCALE_ONE_LIMIT_SECONDS - base_total:+.2f} s)",
            )
        )
    return found


def _table(header: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(cells) + " |" for cells in body]


def markdown(results: Results) -> str:
    table = rows(results)
    sections = [
        [
            "# Benchmark results",
            "",
            "Written by `make bench` (`python -m bench.run`); run it again to refresh this file.",
        ],
        _where_and_how(results),
        _endpoints(results, table),
        _autosaves(results, table),
        ["## Targets", ""]
        + [
            f"- {'met' if verdict.met else '**missed**'}: {verdict.what}: {verdict.detail}"
            + (f". Why: {verdict.why}." if verdict.why and not verdict.met else "")
            for verdict in verdicts(results, table)
        ]
        + ["", "The numbers explained, with profiles of the slowest endpoints: `docs/performance.md`."],
        _compiles(results),
        _queries(results),
        _repetitions(results),
    ]
    return "\n\n".join("\n".join(section) for section in sections) + "\n"


def _where_and_how(results: Results) -> list[str]:
    options = results.options
    before, after = results.load.load_average
    machine = {**results.machine, "load average (1 min)": f"{before:.2f} before the endpoint runs, {after:.2f} after"}
    return [
        "## Where and how",
        "",
        *_table(["", ""], [[name, value] for name, value in machine.items()]),
        "",
        f"Endpoints are served by gunicorn (`alliance.wsgi`, settings `bench.settings`: production's plus "
        f"`/bench/ceiling/`) with DEBUG off, on the scale-{options.scales[0]} database, on 127.0.0.1. "
        "The cold members list comes from a second gunicorn with `ANSWER_CACHE=false`; everything else "
        "is served warm, as in production: API answers and the pages' data from the cache under the "
        "data version. A third gunicorn, with the same command, configuration and worker count, serves "
        "the bare framework (`bench.bare.wsgi`, settings `bench.bare.settings`): plain Django and DRF, "
        "no middleware, no database, DRF with no authentication, permission or throttle class; its "
        "two views answer the ceiling's body, one with `JsonResponse`, one with a DRF `APIView`. "
        "Before the load, a cycle open today is added with a draft for each of the contacts of the "
        "write benchmark (below), after the compiles, so that every run sees the same data. "
        "Each run is `wrk -t2 -c<connections> -d<duration>s --latency --timeout 30s` with "
        "`X-Forwarded-Proto: https`; a small Lua script gives each request another `X-Forwarded-For` "
        "address, as many clients behind the proxy would have, so that the API's per-address throttle "
        "(300/min) runs on every request without refusing the load. API requests are anonymous; the "
        "pages are requested with a signed-in session (a national contact of France; a secretariat "
        "reviewer who gave the second factor). Figures are medians over the repetitions; a ratio is "
        "the median of each repetition's req/s divided by the bare DRF view's (or the stack "
        "ceiling's) in the same repetition. "
        "Other work on the machine is not stopped: see the load average.",
    ]


def _endpoints(results: Results, table: Sequence[Row]) -> list[str]:
    body = []
    for row in table:
        endpoint = row.target.endpoint
        path = f"`{row.target.path}`" + (" (If-None-Match)" if endpoint.conditional else "")
        goal = f"≥ {endpoint.target:.2f}" if endpoint.target is not None else "—"
        if row.target.skipped or row.ratio is None:
            body.append([endpoint.label, path, row.target.skipped, "", "", "", "", "", goal, "not measured"])
            continue
        met = []
        if endpoint.target is not None:
            margin = f" ({row.ratio - endpoint.target:+.2f})"
            met.append(("met" if row.ratio >= endpoint.target else "**missed**") + margin)
        if row.p99_ms >= P99_LIMIT_MS and not endpoint.bare:
            met.append("**p99 missed**")
        body.append(
            [
                endpoint.label,
                path,
                f"{row.requests_per_second:.0f}",
                f"{row.p50_ms:.1f}",
                f"{row.p99_ms:.1f}",
                "—" if row.queries is None else str(row.queries),
                f"{row.ratio:.2f}",
                "—" if row.stack_ratio is None else f"{row.stack_ratio:.2f}",
                goal,
                "; ".join(met) or "—",
            ]
        )
    header = ["endpoint", "path", "req/s", "p50 ms", "p99 ms", "queries/request", "ratio to bare DRF"]
    header += ["ratio to stack ceiling", "target (bare DRF)"]
    notes = [f"- {row.target.note}" for row in table if row.target.note]
    peaks = results.load.server_peak_mb
    return [
        "## Endpoints",
        "",
        "Every ratio is to the bare DRF constant view (plain Django and DRF, no middleware, served by "
        "the same gunicorn) in the same repetition; the ratio to the stack ceiling (the same constant "
        "through the application's middleware and DRF classes) says how much of that the endpoint's "
        "own work costs.",
        "",
        *_table([*header, "met?"], body),
        "",
        *notes,
        f"Peak memory of a gunicorn worker (VmHWM): {peaks.get('warm', 0):.0f} MB (cached), "
        f"{peaks.get('cold', 0):.0f} MB (cold), {peaks.get('bare', 0):.0f} MB (bare framework).",
    ]


def _autosaves(results: Results, table: Sequence[Row]) -> list[str]:
    load = results.load
    if not load.saves:
        return ["## Autosaves under load", "", "Not measured."]
    reads = next((row for row in table if row.target.endpoint.writes), None)
    body = []
    for number, run in enumerate(load.saves, start=1):
        count, rate, p50, p99, failures = save_stats([run])
        read = load.runs.get(reads.target.endpoint.key, []) if reads else []
        reading = read[number - 1] if number <= len(read) else None
        body.append(
            [
                str(number),
                str(count),
                f"{rate:.1f}",
                f"{p50:.1f}",
                f"{p99:.1f}",
                str(failures),
                "—" if reading is None else f"{reading.requests_per_second:.0f}",
                "—" if reading is None else f"{reading.p99_ms:.1f}",
            ]
        )
    count, rate, p50, p99, failures = save_stats(load.saves)
    body.append(
        [
            "all",
            str(count),
            f"{rate:.1f}",
            f"{p50:.1f}",
            f"{p99:.1f}",
            str(failures),
            "—" if reads is None else f"{reads.requests_per_second:.0f} (median)",
            "—" if reads is None else f"{reads.p99_ms:.1f} (median)",
        ]
    )
    ratio = "—" if reads is None or reads.ratio is None else f"{reads.ratio:.2f}"
    warm = next((row for row in table if row.target.endpoint.key == "members-warm"), None)
    alone = "—" if warm is None or warm.ratio is None else f"{warm.ratio:.2f}"
    header = ["repetition", "autosaves", "saves/s", "save p50 ms", "save p99 ms", "failed"]
    header += ["members list req/s", "members list p99 ms"]
    return [
        "## Autosaves under load",
        "",
        f"{load.writers} national contacts, one per member state, each with a draft of the cycle open "
        f"today, autosave their editor every {AUTOSAVE_INTERVAL_SECONDS:g} s (the next save once the last "
        "is answered, as the editor sends it), while wrk reads the members list (warm) with "
        f"{results.options.connections} connections for the run's duration. A save is the editor's "
        "request (bench/autosave.py): the first update form of the contact's submission page, posted "
        "whole as multipart with a changed narrative, the version of the last save, a new "
        "`Idempotency-Key`, the session and CSRF cookies. Every save changes the update, so each one "
        "writes the update, its history and the submission's version, and moves its member's data "
        "version (what the member's insiders see), not the public one the members list is cached "
        "under. Save percentiles are over the saves that succeeded, all "
        "repetitions together; a server error fails the run; the version the last answer gave each "
        "contact is checked in the database afterwards.",
        "",
        *_table(header, body),
        "",
        f"Members list (warm) while the contacts autosave: {ratio} of the bare DRF view's req/s (alone: {alone}).",
    ]


def _compiles(results: Results) -> list[str]:
    columns = [(item.scale, item.edition) for item in results.compiles]
    by_column = {(item.scale, item.edition): item for item in results.compiles}
    base = min(results.options.scales)
    ratio_columns = [(scale, edition) for scale, edition in columns if scale != base]
    header = ["", *(f"scale {scale}, {edition}" for scale, edition in columns)]
    header += [f"ratio {scale}/{base}, {edition}" for scale, edition in ratio_columns]
    no_ratio = ["" for _ in ratio_columns]
    body = []
    for step in COMPILE_STEPS:
        cells = [f"{step} (s)", *(_seconds(by_column[column].timings.get(step)) for column in columns)]
        for scale, edition in ratio_columns:
            base_compile = by_column.get((base, edition))
            base_seconds = base_compile.timings.get(step) if base_compile else None
            cells.append(_ratio(by_column[(scale, edition)].timings.get(step), base_seconds))
        body.append(cells)
    body.append(["worker peak memory (MB)", *(f"{by_column[column].peak_mb:.0f}" for column in columns), *no_ratio])
    by_scale = {data.scale: data for data in results.data}
    for name in ("members", "commitments", "updates", "submissions"):
        body.append([name, *(f"{getattr(by_scale[scale], name):,}" for scale, _ in columns), *no_ratio])
    body.append(["cycle", *(by_column[column].cycle for column in columns), *no_ratio])
    generation = ", ".join(f"scale {data.scale} {data.generation_seconds:.1f} s" for data in results.data)
    lines = [
        "## Report compile",
        "",
        "The latest cycle with submissions, compiled by a Celery worker (`--pool=solo`, a fresh one per "
        "compile) through `reports.services.report_request`; seconds of each step as the report keeps "
        "them (`CompiledReport.timings`); the worker's peak memory is its VmHWM after the compile.",
        "",
        *_table(header, body),
        "",
        f"Data generation (`generate_bench_data`): {generation}. Scale N holds N times the commitments, "
        "updates and history of scale 1: up to seven copies of each member state (with two-letter codes "
        "that ISO 3166-1 has not assigned), and beyond scale 8 more commitments per state instead "
        "(`bench/generate.py`).",
    ]
    if any(item.from_timestamps for item in results.compiles):
        lines += ["", "Reports without kept timings: total from the report's creation to its end."]
    return lines


def _queries(results: Results) -> list[str]:
    body = []
    for target in results.load.targets:
        counts = results.queries.get(target.endpoint.key)
        if counts is not None:
            body.append([target.endpoint.label, str(counts[0]), str(counts[1])])
    return [
        "## Queries per request",
        "",
        "One request after a first one, counted in-process on the same database and settings.",
        "",
        *_table(["endpoint", "cache off", "cache on"], body),
    ]


def _repetitions(results: Results) -> list[str]:
    body = []
    for repetition, order in enumerate(results.load.orders):
        for position, key in enumerate(order):
            run = results.load.runs[key][repetition]
            body.append(
                [
                    str(repetition + 1),
                    str(position + 1),
                    key,
                    f"{run.requests_per_second:.1f}",
                    f"{run.p50_ms:.2f}",
                    f"{run.p99_ms:.2f}",
                    str(run.requests),
                ]
            )
    header = ["repetition", "order", "endpoint", "req/s", "p50 ms", "p99 ms", "requests"]
    return ["## Each repetition", "", *_table(header, body)]


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _ratio(value: float | None, base: float | None) -> str:
    return "—" if value is None or not base else f"{value / base:.1f}x"


# --- The run ---------------------------------------------------------------------------------


def run(options: Options) -> Results:
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (`make bench` installs it with apt-get).")
    workers = gunicorn_workers(COMPOSE_FILE.read_text(), os.environ)
    with tempfile.TemporaryDirectory(prefix="alliance-bench-") as tmp:
        bench = Bench(options=options, tmp=Path(tmp), workers=workers)
        first = options.scales[0]
        # This process reads and writes the same databases with the same settings (and signing
        # key) as the servers and workers it starts.
        environment = bench.environment(first)
        os.environ.clear()
        os.environ.update(environment)
        import django

        django.setup()
        manage(bench.environment(first), "collectstatic", "--noinput", "-v0")
        data: list[ScaleData] = []
        compiles: list[Compile] = []
        load: Load | None = None
        queries: dict[str, tuple[int, int]] = {}
        machine: dict[str, str] = {}
        for scale in options.scales:
            flush_redis(options.redis)  # the cache and data version of another scale's data
            data.append(build_data(bench, scale))
            use_database(scale)
            count_data(data[-1])
            contact, reviewer = bench_people()
            compiled = [compile_report(bench, scale, edition, reviewer) for edition in EDITIONS]
            compiles += compiled
            if scale == first:
                # The public pages show what is published: the public edition just compiled.
                published = publish(compiled, reviewer)
                machine = machine_facts(bench)
                cookies = {"contact": session_cookie(contact), "secretariat": session_cookie(reviewer)}
                writers = autosave_writers(AUTOSAVE_CONTACTS)
                load = load_endpoints(bench, scale, cookies, published, writers)
                queries = count_queries(load.targets)
    assert load is not None
    return Results(machine=machine, options=options, data=data, load=load, queries=queries, compiles=compiles)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    try:
        results = run(options)
    except BenchError as error:
        print(f"make bench: {error}", file=sys.stderr)
        return 1
    text = markdown(results)
    options.output.write_text(text)
    print(f"\n{text}\nWritten to {options.output}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
