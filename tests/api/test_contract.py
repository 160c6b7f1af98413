"""What integrators rely on, beyond the data: credentials, redirects, created objects and their
Location, conditional requests, the query string, the API's root, and the headers and error bodies
of every answer (alliance/api.py, docs/api.md)."""

import csv
import io
import json
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone

from accounts.models import User
from alliance import api_router
from alliance.wsgi import application
from commitments import dataversion, selectors, services
from commitments.models import Commitment, ProgressUpdate, ReportingCycle, Submission
from reports.charts import bar_chart
from reports.models import CompiledReport
from tests.api.conftest import ApiClient, key_for
from tests.conftest import VerifiedClient

V1 = "/api/v1"
PROBLEM = "application/problem+json"


def address() -> str:
    """A client address of its own, so that the anonymous rate limit (shared in Redis) never answers."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"  # noqa: S311


def send(client: Client, method: str, url: str, body: Any = None, **headers: str) -> Any:
    data = "" if body is None else json.dumps(body)
    return client.generic(method, url, data, content_type="application/json", headers=headers)


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert isinstance(body["detail"], str)
    if field is not None:
        assert field in body["errors"], body
    return body


# --- 1. Credentials -------------------------------------------------------------------------------


def test_an_authorization_header_that_is_not_a_valid_key_is_401_and_bearer_is_the_token_alias(
    contact: User, draft: Submission
) -> None:
    key = key_for(contact)
    for scheme in ("Token", "Bearer", "bearer"):
        mine = ApiClient(REMOTE_ADDR=address()).get(f"{V1}/submissions/", headers={"Authorization": f"{scheme} {key}"})
        assert mine.status_code == 200, scheme
        assert mine.json()["count"] == 1, f"{scheme}: the contact's draft is not public"
    refused = [
        "Bearer not-a-key",
        "Basic Y29udGFjdEBmcmFuY2UuZXhhbXBsZS5vcmc6c2VjcmV0",
        key,  # a bare key
        "Token not-a-key",
        "Token",
        f"Digest {key}",
        f"Token {key} extra",
        "",
    ]
    for authorization in refused:
        for path in (f"{V1}/members/", f"{V1}/", f"{V1}/submissions/"):
            answer = ApiClient(REMOTE_ADDR=address()).get(path, headers={"Authorization": authorization})
            assert answer.status_code == 401, (authorization, path, answer.content[:200])
            assert answer["WWW-Authenticate"] == "Token"
    # A browser session sends no Authorization header: it keeps working, as its account.
    browser = VerifiedClient()
    browser.force_login(contact)
    assert browser.get(f"{V1}/submissions/").json()["count"] == 1


# --- 2. Location through a real WSGI server --------------------------------------------------------


@contextmanager
def connection_kept() -> Iterator[None]:
    """Django closes the database connection around each request, which would end the test's
    transaction; the test client keeps it open the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def wsgi_call(method: str, path: str, key: str, body: Any) -> tuple[str, list[tuple[str, str]], bytes]:
    """A request to the WSGI application as a WSGI server makes it, checked by wsgiref's validator
    (PEP 3333: every header name and value a plain str, among much else)."""
    raw = json.dumps(body).encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "PATH_INFO": path,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "HTTP_AUTHORIZATION": f"Token {key}",
        "REMOTE_ADDR": address(),
        "wsgi.input": io.BytesIO(raw),
    }
    setup_testing_defaults(environ)
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        answer.update(status=status, headers=headers)
        return lambda data: None

    with connection_kept():
        result = validator(application)(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            cast(Any, result).close()  # a WSGI iterable must be closed
    return answer["status"], answer["headers"], content


@pytest.mark.filterwarnings("error::wsgiref.validate.WSGIWarning")
def test_every_location_is_an_absolute_plain_str_through_a_wsgi_server(
    reviewer: User, contact: User, cycle: ReportingCycle, french_commitments: list[Commitment]
) -> None:
    status, headers, content = wsgi_call(
        "POST", f"{V1}/reports/", key_for(reviewer), {"cycle": cycle.pk, "edition": "secretariat"}
    )
    assert status.startswith("202"), content
    report = CompiledReport.objects.get()
    assert dict(headers)["Location"] == f"http://127.0.0.1{V1}/reports/{report.pk}/"

    french = key_for(contact)
    status, headers, content = wsgi_call("POST", f"{V1}/submissions/", french, {"cycle": cycle.pk})
    assert status.startswith("201"), content
    submission = Submission.objects.get()
    assert dict(headers)["Location"] == f"http://127.0.0.1{V1}/submissions/{submission.pk}/"

    first, second = french_commitments
    updates = f"{V1}/submissions/{submission.pk}/updates/"
    status, headers, content = wsgi_call("POST", updates, french, {"commitment": first.pk, "narrative": "Started."})
    assert status.startswith("201"), content
    assert dict(headers)["Location"] == f"http://127.0.0.1{updates}{first.pk}/"
    status, headers, content = wsgi_call("PUT", f"{updates}{second.pk}/", french, {"narrative": "Planned."})
    assert status.startswith("201"), content
    assert dict(headers)["Location"] == f"http://127.0.0.1{updates}{second.pk}/"

    # The test client hands the header over as the view set it: a plain str too.
    again = ApiClient(key_for(reviewer)).post(
        f"{V1}/reports/", json.dumps({"cycle": cycle.pk, "edition": "public"}), content_type="application/json"
    )
    assert type(again["Location"]) is str


# --- 3. A write missing its slash --------------------------------------------------------------------


def test_a_write_to_an_api_address_missing_its_slash_is_redirected_with_308_keeping_the_method(
    reviewer: User, cycle: ReportingCycle, alliance: None
) -> None:
    client = ApiClient(key_for(reviewer))
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        redirected = send(client, method, f"{V1}/reports", {"cycle": cycle.pk, "edition": "public"})
        assert redirected.status_code == 308, method
        assert redirected["Location"] == f"http://testserver{V1}/reports/"
    # Followed, the write is made (not turned into a GET and lost).
    followed = client.post(
        f"{V1}/reports?edition=public",
        json.dumps({"cycle": cycle.pk, "edition": "public"}),
        content_type="application/json",
        follow=True,
    )
    assert followed.redirect_chain == [(f"http://testserver{V1}/reports/?edition=public", 308)]
    assert followed.status_code == 202
    assert CompiledReport.objects.filter(cycle=cycle).count() == 1
    # Reads keep their 301; the pages keep Django's redirects.
    read = client.get(f"{V1}/members")
    assert read.status_code == 301
    assert read["Location"] == f"http://testserver{V1}/members/"
    assert Client().get("/alliance").status_code == 301


# --- 4. Created or found -----------------------------------------------------------------------------


def test_starting_a_submission_that_exists_answers_200_with_it_and_only_a_new_one_201_with_its_location(
    contact_api: ApiClient, cycle: ReportingCycle, french_commitments: list[Commitment]
) -> None:
    created = send(contact_api, "POST", f"{V1}/submissions/", {"cycle": cycle.pk})
    assert created.status_code == 201
    assert created["Location"] == f"http://testserver{V1}/submissions/{created.json()['id']}/"
    found = send(contact_api, "POST", f"{V1}/submissions/", {"cycle": cycle.pk})
    assert found.status_code == 200
    assert found.json()["id"] == created.json()["id"]
    assert not found.has_header("Location")
    assert Submission.objects.count() == 1
    # Every 201 of the API carries its Location.
    updates = f"{V1}/submissions/{created.json()['id']}/updates/"
    first, second = french_commitments
    new_update = send(contact_api, "POST", updates, {"commitment": first.pk})
    assert new_update.status_code == 201
    assert new_update["Location"] == f"http://testserver{updates}{first.pk}/"
    put_update = send(contact_api, "PUT", f"{updates}{second.pk}/", {"narrative": "x"})
    assert put_update.status_code == 201
    assert put_update["Location"] == f"http://testserver{updates}{second.pk}/"


# --- 5. No data is not 0 % -------------------------------------------------------------------------


def test_a_member_with_no_accepted_progress_has_no_completion_rather_than_zero(
    anonymous_api: ApiClient, contact_api: ApiClient, reviewer: User, submitted: Submission
) -> None:
    # France's report is submitted, not accepted: commitments, but no accepted progress.
    for client in (anonymous_api, contact_api):
        assert client.get(f"{V1}/members/FR/").json()["status"]["completion_percent"] is None
        listed = client.get(f"{V1}/members/", {"page_size": 500}).json()["results"]
        assert next(m for m in listed if m["iso_code"] == "FR")["status"]["completion_percent"] is None
    table = csv.DictReader(io.StringIO(anonymous_api.get(f"{V1}/members.csv").content.decode()))
    assert next(row for row in table if row["iso_code"] == "FR")["completion_percent"] == ""
    assert selectors.completion_percent(0, 0, commitments=2) is None
    assert selectors.completion_percent(1, 0, commitments=2) == 0.0  # accepted at 0 %: a figure
    # The public pages' charts say so too, rather than drawing a bar of 0.
    chart = str(bar_chart("Completion (%)", [("Reported", 40), ("Not reported", None)]))
    assert "no data" in chart
    assert ">0<" not in chart

    services.submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)
    dataversion.bump_now()  # what the write's commit does; this test's transaction never commits
    # Accepted at 50 % each; the updates are members-level: the contact sees them, the public not.
    assert contact_api.get(f"{V1}/members/FR/").json()["status"]["completion_percent"] == 50.0
    assert anonymous_api.get(f"{V1}/members/FR/").json()["status"]["completion_percent"] is None


# --- 6. Conditional requests ----------------------------------------------------------------------

COMPARED = ("ETag", "Content-Type", "Content-Length", "Link", "Vary", "Allow", "RateLimit-Limit")


def test_head_answers_the_headers_of_get_and_the_conditions_of_writes_hold(
    reviewer: User, contact_api: ApiClient, update: ProgressUpdate, cycle: ReportingCycle
) -> None:
    report = CompiledReport.objects.create(cycle=cycle, edition=CompiledReport.Edition.PUBLIC)
    draft = update.submission_id
    paths = [
        f"{V1}/members/",
        f"{V1}/members.csv",
        f"{V1}/members/FR/",
        f"{V1}/targets/",
        f"{V1}/targets/victims/",
        f"{V1}/goals/",
        f"{V1}/goals/icse-identified-victims/",
        f"{V1}/declarations/",
        f"{V1}/cycles/",
        f"{V1}/cycles/{cycle.pk}/",
        f"{V1}/commitments/",
        f"{V1}/commitments/{update.commitment_id}/",
        f"{V1}/submissions/",
        f"{V1}/submissions/{draft}/",
        f"{V1}/submissions/{draft}/updates/",
        f"{V1}/submissions/{draft}/updates/{update.commitment_id}/",
        f"{V1}/reports/",
        f"{V1}/reports/{report.pk}/",
        f"{V1}/",
    ]
    secretariat = ApiClient(key_for(reviewer))
    before = ProgressUpdate.objects.count()
    for path in paths:
        got, head = secretariat.get(path), secretariat.head(path)
        assert got.status_code == head.status_code == 200, (path, head.status_code, head.content)
        assert got.has_header("ETag"), path
        assert {h: got.get(h) for h in COMPARED} == {h: head.get(h) for h in COMPARED}, path
        assert head.content == b""
        assert secretariat.head(path, headers={"If-None-Match": got["ETag"]}).status_code == 304, path
        # If-Match compares strongly: a weak tag never matches, the current strong one does.
        assert_problem(secretariat.get(path, headers={"If-Match": f"W/{got['ETag']}"}), 412)
        assert secretariat.get(path, headers={"If-Match": got["ETag"]}).status_code == 200, path
    assert ProgressUpdate.objects.count() == before  # HEAD on the updates wrote nothing

    url = f"{V1}/submissions/{draft}/updates/{update.commitment_id}/"
    tag = contact_api.get(url)["ETag"]
    body = {"status": "delayed", "completion_percent": 5, "narrative": "Replaced.", "milestones": []}
    for method in ("PUT", "PATCH"):
        assert_problem(send(contact_api, method, url, body, **{"If-Match": f"W/{tag}"}), 412)
        assert_problem(send(contact_api, method, url, body, **{"If-None-Match": "*"}), 412)
        assert_problem(send(contact_api, method, url, body, **{"If-None-Match": "*", "If-Match": tag}), 412)
    kept = ProgressUpdate.objects.get(pk=update.pk)
    assert (kept.version, kept.narrative) == (update.version, "Under way.")


# --- 7. The query string --------------------------------------------------------------------------


def list_filters() -> dict[str, list[str]]:
    """The filters of every list of the router, from their FilterSets."""
    found = {}
    for prefix, viewset, _basename in api_router.router.registry:
        filterset = getattr(viewset, "filterset_class", None)
        found[f"{V1}/{prefix}/"] = list(filterset.base_filters) if filterset else []
    return found


def test_every_list_validates_its_query_alike(
    anonymous_api: ApiClient, contact: User, foreign_contact: User, reviewer: User, cycle: ReportingCycle
) -> None:
    api = ApiClient(REMOTE_ADDR=address())
    assert_problem(api.get(f"{V1}/members/", {"ordering": "bogus"}), 400, "ordering")
    assert_problem(api.get(f"{V1}/members/", {"ordering": "name,-bogus"}), 400, "ordering")
    assert api.get(f"{V1}/members/", {"ordering": "-name"}).status_code == 200
    for size in ("abc", "0", "-1", "", "1.5"):
        assert_problem(api.get(f"{V1}/commitments/", {"page_size": size}), 400, "page_size")
    assert_problem(api.get(f"{V1}/members/?page_size=5&page_size=6"), 400, "page_size")
    assert len(api.get(f"{V1}/members/", {"page_size": "501"}).json()["results"]) == 54  # clamped to 500
    assert_problem(api.get(f"{V1}/members/", {"page": "abc"}), 400, "page")
    assert_problem(api.get(f"{V1}/members/", {"as_of": ""}), 400, "as_of")
    assert_problem(api.get(f"{V1}/members/", {"search": ""}), 400, "search")
    assert_problem(api.get(f"{V1}/members/?eu=true&eu=false"), 400, "eu")

    # Every filter of every list, given empty, is a 400 naming it.
    filters = list_filters()
    assert sum(len(names) for names in filters.values()) >= 15
    for path, names in filters.items():
        for name in names:
            assert_problem(api.get(path, {name: ""}), 400, name)

    # Lists of values: repeated or comma-separated, any of them; unknown values are a 400.
    for who in (contact, foreign_contact):
        services.submission_start(member_state=who.member_state, cycle=cycle, actor=who)  # type: ignore[arg-type]
    secretariat = ApiClient(key_for(reviewer))

    def members(query: str) -> list[str]:
        answer = secretariat.get(f"{V1}/submissions/?{query}")
        assert answer.status_code == 200, answer.content
        return sorted(row["member"] for row in answer.json()["results"])

    assert (
        members("member=FR&member=DE")
        == members("member=fr,DE")
        == members("member=FR,de&member=FR")
        == [
            "DE",
            "FR",
        ]
    )
    assert members("member=FR") == ["FR"]
    assert members("cycle=current") == members(f"cycle={cycle.pk}") == ["DE", "FR"]
    assert members("status=draft,submitted") == ["DE", "FR"]
    for query, name in [
        ("member=ZZ", "member"),
        ("member=CN", "member"),  # a well-formed code, not of a member
        ("member=FR,ZZ", "member"),
        ("member=FR,", "member"),
        ("cycle=0", "cycle"),
        ("cycle=soon", "cycle"),
        ("status=draft,nope", "status"),
        ("late=yes&late=no", "late"),
    ]:
        assert_problem(secretariat.get(f"{V1}/submissions/?{query}"), 400, name)
    assert_problem(api.get(f"{V1}/commitments/", {"member": "ZZ"}), 400, "member")
    assert api.get(f"{V1}/commitments/", {"cycle": "current"}).status_code == 200
    assert api.get(f"{V1}/reports/", {"cycle": "current", "edition": "public,secretariat"}).status_code == 200
    assert api.get(f"{V1}/members/?target=victims,awareness&submission_status=draft,not_started").status_code == 200
    assert selectors.current_cycle(today=timezone.localdate()) == cycle


# --- 8. The API's root -------------------------------------------------------------------------------


def test_the_api_root_lists_every_resource_the_schema_and_the_docs_by_absolute_url(alliance: None) -> None:
    api = ApiClient(REMOTE_ADDR=address())
    root = api.get(f"{V1}/")
    assert root.status_code == 200
    links = root.json()
    expected = {prefix for prefix, _viewset, _basename in api_router.router.registry}
    assert expected | {"members_csv", "schema", "docs"} == set(links)
    assert links["members"] == f"http://testserver{V1}/members/"
    assert links["schema"] == "http://testserver/api/schema/"
    assert links["docs"] == "http://testserver/api/docs/"
    for url in links.values():
        assert api.get(url.removeprefix("http://testserver")).status_code == 200, url
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert "get" in schema["paths"][f"{V1}/"]


# --- 9. Headers and error bodies -------------------------------------------------------------------


def link_relations(header: str) -> dict[str, str]:
    links = {}
    for part in header.split(", "):
        target, rel = part.split("; ")
        links[rel.removeprefix('rel="').removesuffix('"')] = target.strip("<>")
    return links


def test_every_paginated_list_sends_rfc_8288_link_headers(anonymous_api: ApiClient) -> None:
    middle = anonymous_api.get(f"{V1}/members/", {"page_size": "10", "page": "3", "as_of": "2014-09-30"})
    assert link_relations(middle["Link"]) == {
        "next": f"http://testserver{V1}/members/?as_of=2014-09-30&page=4&page_size=10",
        "prev": f"http://testserver{V1}/members/?as_of=2014-09-30&page=2&page_size=10",
        "first": f"http://testserver{V1}/members/?as_of=2014-09-30&page_size=10",
        "last": f"http://testserver{V1}/members/?as_of=2014-09-30&page=6&page_size=10",
    }
    assert middle.json()["next"] == link_relations(middle["Link"])["next"]
    # The cached answer keeps it.
    again = anonymous_api.get(f"{V1}/members/", {"page_size": "10", "page": "3", "as_of": "2014-09-30"})
    assert again["Link"] == middle["Link"]
    for path in (f"{V1}/targets/", f"{V1}/goals/", f"{V1}/declarations/", f"{V1}/cycles/", f"{V1}/commitments/"):
        assert set(link_relations(anonymous_api.get(path)["Link"])) == {"first", "last"}, path


def test_every_throttled_answer_carries_ratelimit_headers(tight_limits: None, contact: User) -> None:
    anonymous = ApiClient(REMOTE_ADDR=address())
    answers = [anonymous.get(f"{V1}/targets/") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["RateLimit-Limit"] for a in answers] == ["3"] * 4
    assert [a["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(0 < int(a["RateLimit-Reset"]) <= 60 for a in answers)
    assert_problem(answers[-1], 429)
    assert int(answers[-1]["Retry-After"]) > 0
    keyed = ApiClient(key_for(contact), REMOTE_ADDR=address())
    first = keyed.get(f"{V1}/members/FR/")
    assert (first["RateLimit-Limit"], first["RateLimit-Remaining"]) == ("5", "4")
    refused = send(keyed, "POST", f"{V1}/submissions/", {"cycle": "nope"})
    assert (refused.status_code, refused["RateLimit-Remaining"]) == (400, "3")


def test_errors_are_problem_details_keeping_errors_and_missing_commitments(
    contact_api: ApiClient, draft: Submission, french_commitments: list[Commitment]
) -> None:
    invalid = assert_problem(contact_api.get(f"{V1}/members/", {"as_of": "yesterday"}), 400, "as_of")
    assert invalid["title"] == "Bad Request"
    url = f"{V1}/submissions/{draft.pk}/"
    incomplete = send(contact_api, "POST", f"{url}submit/", {}, **{"If-Match": contact_api.get(url)["ETag"]})
    body = assert_problem(incomplete, 409)
    assert set(body["missing_commitments"]) == {c.pk for c in french_commitments}
    assert_problem(contact_api.get(f"{V1}/nope/"), 404)
    assert_problem(contact_api.get(f"{V1}/members.csv", {"eu": "maybe"}), 400, "eu")
    assert_problem(ApiClient().get(f"{V1}/members/", headers={"Authorization": "Token nope"}), 401)


def test_the_schema_documents_problem_details_and_the_http_headers(anonymous_api: ApiClient) -> None:
    schema = anonymous_api.get("/api/schema/", {"format": "json"}).json()
    assert set(schema["components"]["schemas"]["Problem"]["required"]) == {"type", "title", "status", "detail"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = f"{method} {path}"
            for code, response in operation["responses"].items():
                headers = response.get("headers", {})
                assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(headers), where
                if int(code) >= 400:
                    assert set(response["content"]) == {PROBLEM}, f"{where} {code}"
            if method == "get":
                asked = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
                assert {"If-None-Match", "If-Match"} <= asked, where
                assert "ETag" in operation["responses"]["200"]["headers"], where
            assert "Retry-After" in operation["responses"]["429"]["headers"], where
    members = schema["paths"][f"{V1}/members/"]["get"]["responses"]["200"]["headers"]
    assert "Link" in members
    assert "Link" not in schema["paths"][f"{V1}/members/{{iso_code}}/"]["get"]["responses"]["200"]["headers"]
    created = schema["paths"][f"{V1}/submissions/"]["post"]["responses"]
    assert {"200", "201"} <= set(created)
    assert {"ETag", "Location"} <= set(created["201"]["headers"])


def test_the_schema_describes_the_answers_as_they_are_and_names_operations_for_generated_clients(
    anonymous_api: ApiClient,
) -> None:
    schema = anonymous_api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    # A fresh compile has no earlier identical report: same_as is null then.
    assert schema["components"]["schemas"]["CompiledReport"]["properties"]["same_as"]["nullable"] is True
    # members.csv is CSV text, not a paginated JSON list.
    table = paths[f"{V1}/members.csv"]["get"]["responses"]["200"]["content"]
    assert table == {"text/csv": {"schema": {"type": "string"}}}
    # A download is one of five formats, each with its own media type.
    download = paths[f"{V1}/reports/{{id}}/files/{{fmt}}/"]["get"]
    (fmt,) = [p for p in download["parameters"] if p["name"] == "fmt"]
    assert sorted(fmt["schema"]["enum"]) == ["csv", "html", "json", "pdf", "xlsx"]
    assert "pattern" not in fmt["schema"]
    assert set(download["responses"]["200"]["content"]) == {
        "text/html",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/json",
        "text/csv",
    }
    names = []
    for path, operations in paths.items():
        for method, operation in operations.items():
            where = f"{method} {path}"
            names.append(operation["operationId"])
            assert operation["operationId"].replace("_", "").isalpha(), where  # no dots, no version prefix
            assert not operation["operationId"].startswith("v1"), where
            assert operation["tags"] == [path.removeprefix(f"{V1}/").split("/")[0].split(".")[0] or "api"], where
            if method == "get":
                assert {} in operation["security"], f"{where}: reads are open to anonymous clients"
            else:
                assert {} not in operation["security"], where
    assert len(names) == len(set(names))
    assert {"members_list", "members_csv_list", "submissions_updates_update", "submissions_accept"} <= set(names)
    update = paths[f"{V1}/submissions/{{id}}/updates/{{commitment_id}}/"]["put"]["requestBody"]["content"]
    assert update["application/json"]["examples"]
    assert paths[f"{V1}/reports/"]["post"]["requestBody"]["content"]["application/json"]["examples"]


def test_the_schema_states_what_parameters_take_and_links_answers_to_operations(anonymous_api: ApiClient) -> None:
    """A request valid against the schema is one the API accepts (no page 0, no empty name in a
    list, an ordering by a field it orders by), and links lead from answers to operations."""
    paths = anonymous_api.get("/api/schema/", {"format": "json"}).json()["paths"]
    members = {p["name"]: p["schema"] for p in paths[f"{V1}/members/"]["get"]["parameters"]}
    assert members["page"]["oneOf"] == [{"type": "integer", "minimum": 1}, {"type": "string", "enum": ["last"]}]
    assert members["page_size"]["minimum"] == 1
    ordering = re.compile(members["ordering"]["pattern"])
    assert ordering.fullmatch("-joined_on,name")
    assert not ordering.fullmatch("population")
    assert not ordering.fullmatch("")
    assert re.compile(members["search"]["pattern"]).fullmatch("  ") is None
    target = re.compile(members["target"]["items"]["pattern"])
    assert target.fullmatch("victims,prosecution")
    assert not target.fullmatch("victims,")
    assert not target.fullmatch("")
    csv_names = {p["name"] for p in paths[f"{V1}/members.csv"]["get"]["parameters"]}
    assert not csv_names & {"page", "page_size", "format"}  # the whole table, in the address's format

    created = paths[f"{V1}/submissions/"]["post"]["responses"]["201"]["links"]
    assert created["submissions_submit"]["parameters"] == {"id": "$response.body#/id"}
    read = paths[f"{V1}/submissions/{{id}}/"]["get"]["responses"]["200"]["links"]
    assert read["submissions_submit"]["parameters"] == {
        "id": "$request.path.id",
        "header.If-Match": "$response.header.ETag",
    }
    listed = paths[f"{V1}/members/"]["get"]["responses"]["200"]["links"]
    assert listed["members_retrieve"]["parameters"] == {"iso_code": "$response.body#/results/0/iso_code"}
    updates = paths[f"{V1}/submissions/{{id}}/updates/"]["get"]["responses"]["200"]["links"]
    assert updates["submissions_updates_update"]["parameters"] == {
        "id": "$request.path.id",
        "commitment_id": "$response.body#/0/commitment",
    }
