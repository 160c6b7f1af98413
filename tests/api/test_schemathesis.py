"""Every operation of the OpenAPI schema, fuzzed by Schemathesis against the application in-process.

Each operation runs three times: anonymously, with a French national contact's API key and with a
secretariat reviewer's. Every answer
must be no server error and must match the schema: a documented status code, a documented content
type and a body valid against the documented schema.

The cases are generated from a fixed seed, so a failure is reproducible; the number of cases per
operation is bounded (40) so that the file takes two minutes or so in `make test`;
API_FUZZ_EXAMPLES=500 digs deeper.
A failure shows the checks that failed, the response and a curl command reproducing the request.
"""

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.conf import LazySettings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from accounts.models import User
from alliance.wsgi import application
from commitments import services
from commitments.models import Commitment, MemberState, PolicyTarget, Submission
from tests.api.conftest import key_for
from tests.conftest import fill_all
from tests.factories import CommitmentFactory

MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "40"))

schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    application,
    config=schemathesis.Config.from_dict(
        {
            "seed": 20140930,
            "generation": {
                "deterministic": True,
                "max-examples": MAX_EXAMPLES,
                # The client's credentials are ours to choose (none, or the contact's key), not random.
                "with-security-parameters": False,
                "database": "none",
            },
            "phases": {"stateful": {"enabled": False}},
        }
    ),
)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@dataclass
class Client:
    """A client's credentials, and existing objects it may see that generated requests may be pointed
    at, to reach past the 404s."""

    headers: dict[str, str]
    submission: int
    commitment: int
    member: str

    def path_parameters(self, path: str) -> dict[str, Any]:
        if path.startswith("/api/v1/submissions/"):
            return {"id": self.submission, "commitment_id": str(self.commitment)}
        if path.startswith("/api/v1/commitments/"):
            return {"id": self.commitment}
        if path.startswith("/api/v1/members/"):
            return {"iso_code": self.member}
        return {}


@pytest.fixture
def german_report(foreign_contact: User, reviewer: User, draft: Submission) -> Submission:
    """Germany's accepted submission of the open cycle, with a public update: what everyone reads."""
    germany = MemberState.objects.get(iso_code="DE")
    CommitmentFactory.create(
        member_state=germany, target=PolicyTarget.objects.get(code="prosecution"), title="Train prosecutors"
    )
    german = services.submission_start(member_state=germany, cycle=draft.cycle, actor=foreign_contact)
    fill_all(german, foreign_contact, confidentiality="public")
    german = services.submission_submit(submission=german, actor=foreign_contact)
    return services.submission_accept(submission=german, actor=reviewer, seen_version=german.version)


@pytest.fixture(params=["anonymous", "contact", "secretariat"])
def api_client(
    request: pytest.FixtureRequest, contact: User, reviewer: User, draft: Submission, german_report: Submission
) -> Client:
    """Anonymous, aimed at Germany's published report; France's contact, aimed at France's draft; or
    the secretariat (a review key), aimed at Germany's accepted report."""
    if request.param == "anonymous":
        report, headers = german_report, {}
    elif request.param == "contact":
        key = key_for(contact, name="schemathesis")
        report, headers = draft, {"Authorization": f"Token {key}"}
    else:
        key = key_for(reviewer, name="schemathesis")
        report, headers = german_report, {"Authorization": f"Token {key}"}
    commitment = Commitment.objects.filter(member_state=report.member_state).order_by("pk").first()
    assert commitment is not None
    return Client(headers, report.pk, commitment.pk, report.member_state.iso_code)


@pytest.fixture
def own_cache(settings: LazySettings) -> Iterator[None]:
    """A cache of this test's own, so that the throttles count only this test's requests, not
    those of other test runs sharing Redis."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fuzz"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """Django closes the database connection around each request, which would end the test's
    transaction; its test client keeps it open the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def aim(case: schemathesis.Case[Any], client: Client) -> None:
    """Point about half of the generated requests (chosen from their content, so repeatably) at
    existing objects; the others keep their random identifiers."""
    if not case.path_parameters:
        return
    if zlib.crc32(repr(sorted(case.path_parameters.items())).encode()) % 2:
        return
    for name, value in client.path_parameters(case.operation.path).items():
        if name in case.path_parameters:
            case.path_parameters[name] = value


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_operation_conforms_to_schema(
    case: schemathesis.Case[Any], api_client: Client, own_cache: None, connection_kept: None
) -> None:
    aim(case, api_client)
    case.call_and_validate(headers=api_client.headers, checks=CHECKS)
