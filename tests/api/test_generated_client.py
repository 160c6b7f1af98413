"""A client generated from the API's OpenAPI schema (openapi-python-client), as an integrator makes
one, works against the application under gunicorn: an anonymous read, a write with If-Match (and
its refusal once stale), and a report compile followed to its end by a real worker.

The schema is the one the application serves, generated in-process with the production settings;
the generator must report no warning (no operation or model left out)."""

import importlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.core.management import call_command

from accounts.models import User
from commitments.models import Commitment, Submission
from tests.api.conftest import key_for
from tests.processes import gunicorn
from tests.worker import CeleryWorker, database_url_of_tests

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PACKAGE = "alliance_api"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Any]]:
    """The generated package; call it with a module path under it (`api.members.members_list`)."""
    folder = tmp_path_factory.mktemp("generated")
    schema = folder / "openapi.json"
    call_command("spectacular", file=str(schema), format="openapi-json", validate=True, fail_on_warn=True)
    tools = Path(sys.executable).parent
    command = [str(tools / "openapi-python-client"), "generate", "--path", str(schema)]
    command += ["--output-path", str(folder / PACKAGE), "--meta", "none"]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=180,
        # The generator formats its output with ruff, found on the PATH.
        env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"},
        check=False,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert "warning" not in said.lower(), said
    sys.path.insert(0, str(folder))

    def module(name: str) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.{name}")

    yield module
    sys.path.remove(str(folder))
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def test_a_generated_client_reads_writes_with_if_match_and_compiles_a_report(
    generated: Callable[[str], Any],
    contact: User,
    reviewer: User,
    draft: Submission,
    celery_worker_factory: Callable[..., CeleryWorker],
) -> None:
    client = generated("client")
    models = generated("models")
    members_list = generated("api.members.members_list")
    update_write = generated("api.submissions.submissions_updates_update")
    update_change = generated("api.submissions.submissions_updates_partial_update")
    reports_create = generated("api.reports.reports_create")
    reports_retrieve = generated("api.reports.reports_retrieve")
    commitment = Commitment.objects.filter(member_state=draft.member_state).order_by("pk").first()
    assert commitment is not None
    france_key, secretariat_key = key_for(contact), key_for(reviewer)
    celery_worker_factory()

    with gunicorn(database_url_of_tests(), SECURE_SSL_REDIRECT="false") as served:
        base = f"http://127.0.0.1:{served.port}"

        # A read with no key. The generator types every operation with a security requirement as
        # taking an AuthenticatedClient, though the schema allows none (`{}`) for reads.
        anonymous = client.Client(base_url=base, raise_on_unexpected_status=True)
        members = members_list.sync_detailed(client=anonymous, page_size=100)
        assert members.status_code == 200
        assert len(members.parsed.results) == members.parsed.count == 54
        assert {"FR", "XK"} <= {member.iso_code for member in members.parsed.results}

        # A write: the first creates the update (201, no If-Match), the next changes it with its ETag.
        france = client.AuthenticatedClient(
            base_url=base, token=france_key, prefix="Token", raise_on_unexpected_status=True
        )
        first = models.ProgressUpdateInputRequest(
            status=models.CommitmentStatusEnum.ON_TRACK,
            completion_percent=40,
            narrative="The unit is connected to ICSE.",
            confidentiality=models.ConfidentialityEnum.PUBLIC,
        )
        created = update_write.sync_detailed(draft.pk, str(commitment.pk), client=france, body=first)
        assert created.status_code == 201, created.content
        seen = created.headers["etag"]
        change = models.PatchedProgressUpdateInputRequest(completion_percent=70)
        changed = update_change.sync_detailed(draft.pk, str(commitment.pk), client=france, body=change, if_match=seen)
        assert changed.status_code == 200, changed.content
        assert changed.parsed.completion_percent == 70
        stale = update_change.sync_detailed(draft.pk, str(commitment.pk), client=france, body=change, if_match=seen)
        assert stale.status_code == 412
        assert isinstance(stale.parsed, models.Problem)

        # A compile, asked for by the secretariat and followed until the worker has built it.
        secretariat = client.AuthenticatedClient(
            base_url=base, token=secretariat_key, prefix="Token", raise_on_unexpected_status=True
        )
        ask = models.ReportRequestRequest(cycle=draft.cycle_id, edition=models.ReportEditionEnum.SECRETARIAT)
        queued = reports_create.sync_detailed(client=secretariat, body=ask)
        assert queued.status_code == 202, queued.content
        assert queued.headers["location"].startswith(base)
        report = queued.parsed
        deadline = time.monotonic() + 120
        while report.status != models.ReportStatusEnum.DONE:
            assert report.status != models.ReportStatusEnum.FAILED, report.error
            assert time.monotonic() < deadline, f"the compile did not finish: {report.status}, {report.progress} %"
            time.sleep(0.5)
            report = reports_retrieve.sync_detailed(report.id, client=secretariat).parsed
        assert {file.format_ for file in report.files} == {"html", "pdf", "xlsx", "json", "csv"}
