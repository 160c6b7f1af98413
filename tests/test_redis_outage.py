"""Redis is a cache and a broker, not the record: with it down, saves land in PostgreSQL, people stay
signed in (and signed out), /healthz says "degraded", and jobs wait in the outbox until the broker
is back. Real processes: a redis-server of the test's own, stopped and started again with its
entries kept (as a Redis that was only unreachable keeps them), the application in gunicorn with
production settings, and a Celery worker."""

import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from accounts.models import User
from commitments.models import Commitment, ProgressUpdate, Submission
from jobs.models import OutboxMessage
from reports.models import CompiledReport
from tests.api.conftest import key_for
from tests.conftest import VerifiedClient, fill_all
from tests.processes import ROOT
from tests.redis_server import RedisServer, free_port
from tests.reporting.test_pages import form_data
from tests.worker import CeleryWorker, database_url_of_tests

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
# How long a process leaves an unreachable Redis alone before trying it again (seconds).
RETRY_SECONDS = "1"


class Browser:
    """HTTP/1.1 to the server, with the cookies it sets, as a browser keeps them."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})

    def request(self, method: str, path: str, body: str | None = None, **headers: str) -> Any:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": "127.0.0.1", **self.headers, **headers}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        started = time.monotonic()
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        response.body = response.read().decode(errors="replace")  # type: ignore[attr-defined]
        response.seconds = time.monotonic() - started  # type: ignore[attr-defined]
        connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response

    def get(self, path: str, **headers: str) -> Any:
        return self.request("GET", path, **headers)

    def post_form(self, path: str, data: dict[str, Any], **headers: str) -> Any:
        fields = {"csrfmiddlewaretoken": self.cookies["csrftoken"], **data}
        body = urllib.parse.urlencode(fields)
        return self.request("POST", path, body, **{"Content-Type": "application/x-www-form-urlencoded", **headers})

    def send_json(self, method: str, path: str, data: dict[str, Any], **headers: str) -> Any:
        return self.request(method, path, json.dumps(data), **{"Content-Type": "application/json", **headers})


def signed_in(port: int, user: User) -> Browser:
    """A browser with a session made as the sign-in page makes it (kept in PostgreSQL)."""
    client = VerifiedClient()
    client.force_login(user)
    return Browser(port, {"sessionid": client.cookies["sessionid"].value})


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.close()


@pytest.fixture
def environment(redis_server: RedisServer) -> dict[str, str]:
    """What the web server and the worker share: this test's Redis as cache and broker."""
    return {
        "REDIS_URL": redis_server.url,
        "CELERY_BROKER_URL": redis_server.url,
        "CACHE_KEY_PREFIX": f"outage-{uuid.uuid4().hex[:8]}",
        "REDIS_RETRY_SECONDS": RETRY_SECONDS,
        "OUTBOX_RETRY_SECONDS": RETRY_SECONDS,
    }


@pytest.fixture
def web(alliance: None, environment: dict[str, str]) -> Iterator[int]:
    """The application in gunicorn, with production settings over plain HTTP."""
    port = free_port()
    env = {
        **os.environ,
        **environment,
        "DEBUG": "false",
        "DATABASE_URL": database_url_of_tests(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
    }
    log = Path(tempfile.mkstemp(prefix="gunicorn-outage-", suffix=".log")[1])
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "alliance.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    wait_for(lambda: Browser(port).get("/healthz").status == 200, "gunicorn to answer", timeout=30)
    yield port
    server.terminate()
    server.wait(timeout=20)
    log.unlink(missing_ok=True)


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = condition()
        except OSError:
            result = None
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"Timed out waiting for {what}")


def csrf_of(page: Any) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    assert found is not None, page.body[:500]
    return found.group(1)


def test_with_redis_down_saves_sign_ins_and_jobs_are_kept_and_nothing_is_stale_after(
    web: int,
    redis_server: RedisServer,
    environment: dict[str, str],
    celery_worker_factory: Callable[..., CeleryWorker],
    contact: User,
    colleague: User,
    reviewer: User,
    draft: Submission,
    french_commitments: list[Commitment],
) -> None:
    fill_all(draft, contact)
    first, second = french_commitments
    page_url = f"/submissions/{draft.pk}/"
    save_url = f"/submissions/{draft.pk}/updates/{{}}/"
    api_update = f"/api/v1/submissions/{draft.pk}/updates/{first.pk}/"
    api_commitment = f"/api/v1/commitments/{first.pk}/"
    contact_key = {"Authorization": f"Token {key_for(contact)}"}
    reviewer_key = {"Authorization": f"Token {key_for(reviewer)}"}
    api = Browser(web, headers=contact_key)

    # A password the server's hashers know (the tests' fast one is not among them), as they would
    # make it (iterations, salt): a new hash, or one upgraded at sign-in, ends the other sessions.
    hasher = PBKDF2PasswordHasher()
    contact.password = hasher.encode(PASSWORD, hasher.salt())
    contact.save(update_fields=["password"])

    # Before: two sessions and an API answer, all of them cached in Redis.
    browser, leaving = signed_in(web, contact), signed_in(web, colleague)
    assert browser.get(page_url).status == leaving.get(page_url).status == 200
    before = api.get(api_commitment)
    assert before.status == 200
    assert "Work is under way." in before.body

    redis_server.stop(keep=True)

    # (1) The plain form, the editor's autosave and the API all save into PostgreSQL.
    page = browser.get(page_url)
    assert page.status == 200, page.body[:2000]
    versions = {u.commitment_id: u.version for u in ProgressUpdate.objects.filter(submission=draft)}
    form = browser.post_form(
        save_url.format(first.pk), form_data(first, versions[first.pk], narrative="Saved by the form.")
    )
    assert form.status == 302, form.body[:2000]
    autosave = browser.post_form(
        save_url.format(second.pk),
        form_data(second, versions[second.pk], narrative="Saved by the editor."),
        **{"X-Requested-With": "fetch", "Accept": "application/json", "Idempotency-Key": str(uuid.uuid4())},
    )
    assert autosave.status == 200, autosave.body[:2000]
    assert json.loads(autosave.body)["saved"] is True
    read = api.get(api_update)
    assert read.status == 200, read.body[:2000]
    patch = api.send_json(
        "PATCH", api_update, {"narrative": "Patched by the API."}, **{"If-Match": read.headers["ETag"]}
    )
    assert patch.status == 200, patch.body[:2000]
    narratives = dict(ProgressUpdate.objects.filter(submission=draft).values_list("commitment_id", "narrative"))
    assert narratives == {first.pk: "Patched by the API.", second.pk: "Saved by the editor."}
    saves = [form.seconds, autosave.seconds, patch.seconds]
    assert max(saves) < 1.5, saves

    # Sign-out (which ends all the colleague's sessions) and sign-in work from the database.
    signed_out = leaving.cookies["sessionid"]
    assert leaving.post_form("/accounts/logout/", {}).status == 302
    newcomer = Browser(web)
    login = newcomer.get("/accounts/login/")
    signed = newcomer.post_form(
        "/accounts/login/", {"csrfmiddlewaretoken": csrf_of(login), "username": contact.email, "password": PASSWORD}
    )
    assert signed.status == 302, signed.body[:2000]
    assert newcomer.get("/reporting/").status == 200

    # (2) A submission (which notifies the secretariat) and a compile: kept in the outbox.
    submitted = browser.post_form(f"/submissions/{draft.pk}/submit", {})
    assert submitted.status == 302, submitted.body[:2000]
    draft.refresh_from_db()
    assert draft.status == "submitted"
    compile_request = Browser(web, headers=reviewer_key).send_json(
        "POST", "/api/v1/reports/", {"cycle": draft.cycle_id, "edition": "secretariat"}
    )
    assert compile_request.status == 202, compile_request.body[:2000]
    report = CompiledReport.objects.get(pk=json.loads(compile_request.body)["id"])
    assert report.status == "queued"
    waiting = {m.task: m for m in OutboxMessage.objects.filter(sent_at=None)}
    assert set(waiting) == {"commitments.tasks.notify_submission_event", "reports.tasks.compile_report"}
    assert waiting["reports.tasks.compile_report"].args == [report.pk]

    # (3) /healthz: still in service (200), degraded, naming Redis and what waits.
    health = Browser(web).get("/healthz")
    assert health.status == 200
    assert json.loads(health.body) == {
        "status": "degraded",
        "database": "ok",
        "cache": "unreachable",
        "broker": "unreachable",
        "outbox_waiting": 2,
        "detail": "Redis unreachable (cache, broker): saves go on in PostgreSQL; 2 job(s) wait in the outbox.",
    }

    # (4) Redis back, with its entries from before the outage: the signed-out session, the answer
    # cached under the data version of before the saves.
    redis_server.start()
    assert redis_server.client().keys(f"*{signed_out}")
    time.sleep(float(RETRY_SECONDS))  # the web process leaves Redis alone until then
    after = api.get(api_commitment)  # the first request to reach Redis again
    assert after.status == 200
    assert "Patched by the API." in after.body
    assert "Work is under way." not in after.body
    assert not redis_server.client().keys(f"*{signed_out}")
    assert leaving.get("/reporting/").status == 302
    assert browser.get("/reporting/").status == 200
    assert newcomer.get("/reporting/").status == 200
    wait_for(lambda: json.loads(Browser(web).get("/healthz").body)["status"] == "ok", "/healthz to be ok again")
    wait_for(
        lambda: Browser(web).get("/healthz") and not OutboxMessage.objects.filter(sent_at=None).exists(),
        "the web process to relay the outbox",
    )

    # A message a web process kept and never sent (it died): a worker sends it when it starts.
    orphan = OutboxMessage.objects.create(
        task="commitments.tasks.notify_submission_event", args=[draft.pk, "submitted"], task_id="orphan"
    )
    worker = celery_worker_factory(**environment)
    notify = OutboxMessage.objects.exclude(pk=orphan.pk).get(task="commitments.tasks.notify_submission_event")

    def notified(task_id: str) -> Callable[[], bool]:
        return lambda: f"notify_submission_event[{task_id}] succeeded" in worker.output()

    for task_id in (notify.task_id, orphan.task_id):
        worker.wait_for(notified(task_id), f"the notification {task_id}")
    orphan.refresh_from_db()
    assert orphan.sent_at is not None

    def compiled() -> bool:
        report.refresh_from_db()
        return report.status == "done"

    worker.wait_for(compiled, "the report to be compiled", timeout=90)
