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
from schemathesis.core.parameters import ParameterLocation

from accounts.models import User
from alliance.wsgi import application
from commitments import services
from commitments.models import (
    FIGURE_FIELDS,
    Commitment,
    MemberState,
    OperationalGoal,
    PolicyTarget,
    Submission,
)
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
                # No text the API takes may hold NUL (PostgreSQL cannot store it): a 400 says so.
                "allow-x00": False,
            },
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "428", "429"]
                },
                # A request invalid in more than one way may be refused for its precondition first
                # (an If-Match naming no current version): 412 is a refusal too.
                "negative_data_rejection": {
                    "expected-statuses": [
                        *("400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429")
                    ]
                },
            },
        }
    ),
)


@dataclass
class Client:
    """A client's credentials, and existing objects it may see that generated requests may be pointed
    at, to reach past the 404s."""

    headers: dict[str, str]
    submission: int
    commitment: int
    member: str
    cycle: int
    update: int

    def references(self) -> dict[str, Any]:
        """What names existing objects in a query or a body: a client takes these from earlier
        answers, and a schema-valid request naming them must be accepted."""
        commitment = Commitment.objects.select_related("target", "goal").get(pk=self.commitment)
        goal = commitment.goal.code if commitment.goal else OperationalGoal.objects.values_list("code", flat=True)[0]
        return {
            "member": self.member,
            "target": commitment.target.code,
            "target__code": commitment.target.code,
            "goal": goal,
            "cycle": str(self.cycle),
        }

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
    update = report.updates.order_by("pk").first()
    assert commitment is not None
    return Client(
        headers, report.pk, commitment.pk, report.member_state.iso_code, report.cycle_id, update.pk if update else 0
    )


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
    existing objects; the others keep their random identifiers. In a request generated valid, the
    query's and the body's names of objects name existing ones: that such a request is accepted
    is checked (positive_data_acceptance), and a name of nothing is a 400 (tests/api/test_contract)."""
    # A path generated invalid stays so: it is there to be refused.
    path_negative = case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH)
    chosen = case.path_parameters and not zlib.crc32(repr(sorted(case.path_parameters.items())).encode()) % 2
    if chosen and not path_negative:
        for name, value in client.path_parameters(case.operation.path).items():
            if name in case.path_parameters:
                case.path_parameters[name] = value
    if case.meta is None:
        return
    references = client.references()
    if case.query and not case.meta.is_negative_at(ParameterLocation.QUERY):
        for name in references.keys() & case.query.keys():
            case.query[name] = references[name]
        if "updated_since" in case.query:
            case.query.pop("page", None)  # a sync pages with its next links (the parameter's description)
    if isinstance(case.body, dict) and not case.meta.is_negative_at(ParameterLocation.BODY):
        if "cycle" in case.body:
            case.body["cycle"] = client.cycle
        updates = case.body.get("updates")
        for item in updates if isinstance(updates, list) else []:
            if isinstance(item, dict) and "update_id" in item:
                item["update_id"] = client.update
        if "commitment" in case.body:
            case.body["commitment"] = client.commitment
        # The figures a commitment carries depend on its goal (figure_fields_for), which the
        # schema cannot say: a valid request leaves out the others.
        named = case.body.get("commitment", (case.path_parameters or {}).get("commitment_id"))
        commitment = Commitment.objects.filter(pk=int(str(named))).first() if str(named).isdigit() else None
        if commitment is not None:
            for name in {*FIGURE_FIELDS, "figures_source"} - set(commitment.figure_fields):
                case.body.pop(name, None)


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
    case.call_and_validate(headers=api_client.headers)


STATEFUL_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    stateful_step_count=10,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def test_links_hold(api_client: Client, own_cache: None, connection_kept: None) -> None:
    """The stateful phase: sequences of calls that follow the schema's links (a created submission
    to its updates, an answer's ETag to the If-Match of a write on the same object), every answer
    checked as above."""
    client = api_client
    followed: set[str] = set()

    class Sequences(schema.as_state_machine()):  # type: ignore[misc]
        def step(self, input: Any) -> Any:
            if input.transition is not None and input.is_applied:
                followed.add(input.transition.id)
            return super().step(input)

        def before_call(self, case: schemathesis.Case[Any]) -> None:
            aim(case, client)
            if case.method == "GET" and case.meta is not None and not case.meta.generation.mode.is_negative:
                # A sequence starts where a client starts: a first page, with no stale ETag; the
                # fuzzing phases try the rest.
                for name in ("If-Match", "If-None-Match"):
                    if case.headers:
                        case.headers.pop(name, None)
                if case.query:
                    case.query.pop("page", None)

        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            return {"headers": {**dict(case.headers or {}), **client.headers}}

        def validate_response(
            self, response: Any, case: schemathesis.Case[Any], additional_checks: Any = None, **kwargs: Any
        ) -> None:
            headers = {**dict(case.headers or {}), **client.headers}
            case.validate_response(response, headers=headers, transport_kwargs=kwargs)

    Sequences.run(settings=STATEFUL_SETTINGS)
    # The sequences went past single calls, from a collection's answer to one of its objects
    # (where links lead: test_contract; which of them a run follows depends on what it generates).
    targets = {tuple(transition.rsplit(" -> ", 1)[1].split(" ", 1)) for transition in followed}
    assert any(method == "GET" and path.endswith("}/") for method, path in targets), followed
