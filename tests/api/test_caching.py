"""Member status and commitments served from the cache under the data version: never stale, 304
without touching the database, and each viewer's answers kept apart."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from commitments import dataversion, services
from commitments.models import Commitment, Submission
from tests.api.conftest import ApiClient, key_for

MEMBERS = "/api/v1/members/"
FRANCE = "/api/v1/members/FR/"
COMMITMENTS = "/api/v1/commitments/?member=FR"


def france(body: dict) -> dict:  # type: ignore[type-arg]
    return next(member for member in body["results"] if member["iso_code"] == "FR")


@pytest.mark.parametrize("url", [MEMBERS, FRANCE, COMMITMENTS])
def test_a_matching_etag_is_answered_304_without_a_query(anonymous_api: ApiClient, url: str) -> None:
    first = anonymous_api.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = anonymous_api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""
    assert len(queries) == 0
    assert anonymous_api.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


@pytest.mark.parametrize("url", [MEMBERS, FRANCE, COMMITMENTS])
def test_a_warm_answer_is_the_same_bytes_without_a_query(anonymous_api: ApiClient, url: str) -> None:
    cold = anonymous_api.get(url)
    with CaptureQueriesContext(connection) as queries:
        warm = anonymous_api.get(url)
    assert len(queries) == 0
    assert warm.status_code == 200
    assert warm.content == cold.content
    assert warm["Content-Type"] == cold["Content-Type"]
    assert warm["ETag"] == cold["ETag"]


@pytest.mark.django_db(transaction=True)
def test_a_write_is_visible_on_the_next_read(
    contact: User, reviewer: User, submitted: Submission, django_capture_on_commit_callbacks
) -> None:
    """Transactional: the version is bumped when the write commits, as in production."""
    public = ApiClient()
    before = public.get(MEMBERS)
    etag = before["ETag"]
    assert france(before.json())["status"]["last_accepted_at"] is None  # nothing accepted yet
    services.submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)
    after = public.get(MEMBERS)
    assert after["ETag"] != etag
    assert france(after.json())["status"]["last_accepted_at"] is not None
    assert public.get(MEMBERS, HTTP_IF_NONE_MATCH=etag).status_code == 200
    # An admin-style edit of one row is a write too.
    commitment = Commitment.objects.filter(member_state__iso_code="FR").first()
    assert commitment is not None
    commitment.status = Commitment.Status.COMPLETED
    commitment.save()
    latest = public.get(MEMBERS)
    assert france(latest.json())["status"]["commitments"]["by_status"]["completed"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_leaves_the_version_alone(submitted: Submission) -> None:
    from django.db import transaction

    version = dataversion.data_version()

    def write_then_fail() -> None:
        with transaction.atomic():
            Commitment.objects.filter(member_state__iso_code="FR").first().save()  # type: ignore[union-attr]
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert dataversion.data_version() == version
    with transaction.atomic():
        Commitment.objects.filter(member_state__iso_code="FR").first().save()  # type: ignore[union-attr]
    assert dataversion.data_version() > version


def test_viewers_who_see_different_things_get_different_answers(
    anonymous_api: ApiClient, contact: User, foreign_contact: User, reviewer: User, submitted: Submission
) -> None:
    public = anonymous_api.get(FRANCE)
    own = ApiClient(key_for(contact)).get(FRANCE)
    secretariat = ApiClient(key_for(reviewer)).get(FRANCE)
    assert len({public["ETag"], own["ETag"], secretariat["ETag"]}) == 3

    def updates(answer) -> int:
        return sum(len(commitment["updates"]) for commitment in answer.json()["commitments"])

    assert updates(public) == 0  # submitted, not accepted: not public
    assert updates(own) == 2
    assert updates(secretariat) == 2
    # A read-only key sees what the public sees, and is answered as the public is.
    read_only = ApiClient(key_for(reviewer, read_only=True)).get(FRANCE)
    assert read_only["ETag"] == public["ETag"]
    # Another member's contact does not get France's contacts' answer.
    german = ApiClient(key_for(foreign_contact)).get(FRANCE)
    assert german["ETag"] not in (own["ETag"], public["ETag"])
    assert updates(german) == 0


def test_a_lost_counter_never_comes_back_to_an_old_version() -> None:
    version = dataversion.data_version()
    cache.delete(dataversion.KEY)
    assert dataversion.data_version() > version


def test_without_the_cache_answers_are_computed_each_time_and_304_still_works(
    anonymous_api: ApiClient, settings
) -> None:
    settings.ANSWER_CACHE = False
    first = anonymous_api.get(MEMBERS)
    with CaptureQueriesContext(connection) as queries:
        second = anonymous_api.get(MEMBERS)
    assert len(queries) > 0
    assert second.content == first.content
    assert anonymous_api.get(MEMBERS, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_the_answer_depends_on_the_format_and_the_query(anonymous_api: ApiClient) -> None:
    json_answer = anonymous_api.get(MEMBERS)
    csv_answer = anonymous_api.get("/api/v1/members.csv")
    assert csv_answer["Content-Type"].startswith("text/csv")
    assert csv_answer["ETag"] != json_answer["ETag"]
    assert anonymous_api.get(MEMBERS + "?search=France")["ETag"] != json_answer["ETag"]
    assert anonymous_api.get(MEMBERS + "?search=France").json()["count"] == 1
    again = anonymous_api.get("/api/v1/members.csv")
    assert again.content == csv_answer.content
    assert again["Content-Type"] == csv_answer["Content-Type"]
