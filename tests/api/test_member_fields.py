"""`fields=` on the member list: a client asks for the fields it uses, in JSON and in the CSV
table; a name that is not a field is a 400 naming `fields`; without `status` no summary is worked
out (fewer queries)."""

import csv
import io

import pytest
from django.conf import LazySettings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import ApiClient
from tests.api.test_contract import assert_problem

V1 = "/api/v1"

pytestmark = pytest.mark.django_db


def test_json_answers_the_chosen_fields_in_the_serializers_order(anonymous_api: ApiClient) -> None:
    response = anonymous_api.get(f"{V1}/members/", {"fields": "name,iso_code", "as_of": "2014-09-30"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 54
    assert all(list(member) == ["iso_code", "name"] for member in body["results"])
    assert {"iso_code": "FR", "name": "France"} in body["results"]


def test_every_field_by_default(anonymous_api: ApiClient) -> None:
    member = anonymous_api.get(f"{V1}/members/", {"page_size": 1}).json()["results"][0]
    assert list(member) == ["iso_code", "name", "joined_on", "left_on", "is_eu_member", "status"]


def test_csv_columns_follow_the_fields(anonymous_api: ApiClient) -> None:
    response = anonymous_api.get(f"{V1}/members.csv", {"fields": "iso_code,is_eu_member", "as_of": "2014-09-30"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["iso_code", "is_eu_member"]
    assert ["FR", "True"] in rows[1:]
    assert len(rows) == 55

    status_only = anonymous_api.get(f"{V1}/members.csv", {"fields": "iso_code,status"})
    header = next(csv.reader(io.StringIO(status_only.content.decode())))
    assert header[:2] == ["iso_code", "commitments"]
    assert header[-1] == "last_accepted_at"


@pytest.mark.parametrize("value", ["iso_code,population", "iso_code,,name", "memberships", ""])
def test_a_name_that_is_not_a_field_is_a_400_naming_fields(anonymous_api: ApiClient, value: str) -> None:
    body = assert_problem(anonymous_api.get(f"{V1}/members/", {"fields": value}), 400, "fields")
    if value:
        assert "iso_code, name, joined_on" in body["errors"]["fields"][0]
    assert_problem(anonymous_api.get(f"{V1}/members.csv", {"fields": value}), 400, "fields")


def test_without_status_no_summary_is_worked_out(anonymous_api: ApiClient, settings: LazySettings) -> None:
    settings.ANSWER_CACHE = False  # count the queries of building the answer, not of a cached one
    with CaptureQueriesContext(connection) as full:
        assert anonymous_api.get(f"{V1}/members/", {"as_of": "2014-09-30"}).status_code == 200
    with CaptureQueriesContext(connection) as names:
        assert (
            anonymous_api.get(f"{V1}/members/", {"as_of": "2014-09-30", "fields": "iso_code,name"}).status_code == 200
        )
    assert len(names) < len(full)
    assert not any("commitments_commitment" in query["sql"] for query in names.captured_queries)
