"""Cached answers are thrown away by scope (commitments.dataversion): a write changes the answers of
the viewers who can see it, on their next read, and leaves everyone else's cached. A draft's
autosave is seen by its member's contacts and the secretariat only; an acceptance by everyone."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from commitments import dataversion, services
from commitments.models import (
    Commitment,
    HistoryEntry,
    MemberState,
    PolicyTarget,
    ProgressUpdate,
    Submission,
)
from commitments.permissions import PUBLIC, SECRETARIAT, Scope, viewer_scope, written_scope
from tests.api.conftest import ApiClient, key_for

MEMBERS = "/api/v1/members/"
FRANCE = "/api/v1/members/FR/"
COMMITMENTS = "/api/v1/commitments/?member=FR"
VIEWERS = ("anonymous", "own", "foreign", "secretariat")

Viewers = dict[str, ApiClient]


@pytest.fixture
def viewers(alliance: None, contact: User, foreign_contact: User, reviewer: User) -> Viewers:
    """One client per kind of viewer: the public, France's contact, Germany's, the secretariat."""
    return {
        "anonymous": ApiClient(),
        "own": ApiClient(key_for(contact)),
        "foreign": ApiClient(key_for(foreign_contact)),
        "secretariat": ApiClient(key_for(reviewer)),
    }


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Callable[[Callable[[], object]], None]:
    """Run a write and what its commit runs (the bumps): the test's transaction never commits."""

    def run(write: Callable[[], object]) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            write()

    return run


def france(body: dict[str, Any]) -> dict[str, Any]:
    return next(member for member in body["results"] if member["iso_code"] == "FR")


def updates_seen(answer: Any) -> int:
    return sum(len(commitment["updates"]) for commitment in answer.json()["commitments"])


def autosave(submission: Submission, contact: User, commitment: Commitment, percent: int) -> ProgressUpdate:
    """What the editor's autosave sends after a pause in typing."""
    return services.progress_update_save(
        submission=submission,
        commitment=commitment,
        actor=contact,
        values={"status": "on_track", "completion_percent": percent, "narrative": f"At {percent} %."},
        expected_version=None,
        save_id=f"autosave-{percent}",
    )


class Warm:
    """Each viewer's answer to a URL, read twice: the second from the cache, with what that cost."""

    def __init__(self, viewers: Viewers, url: str) -> None:
        self.url = url
        self.answers = {name: client.get(url) for name, client in viewers.items()}
        self.cost = {name: self.queries(client)[0] for name, client in viewers.items()}

    def queries(self, client: ApiClient) -> tuple[int, Any]:
        with CaptureQueriesContext(connection) as captured:
            answer = client.get(self.url)
        assert answer.status_code == 200
        return len(captured), answer

    def assert_still_cached(self, viewers: Viewers, name: str) -> None:
        count, answer = self.queries(viewers[name])
        assert count <= self.cost[name], f"{name}: built again"
        assert answer["ETag"] == self.answers[name]["ETag"], name
        assert answer.content == self.answers[name].content, name

    def assert_refreshed(self, viewers: Viewers, name: str) -> Any:
        answer = viewers[name].get(self.url)
        assert answer["ETag"] != self.answers[name]["ETag"], f"{name}: served the answer from before the write"
        return answer


# --- The draft's autosave --------------------------------------------------------------------


@pytest.mark.parametrize("url", [MEMBERS, FRANCE, COMMITMENTS])
def test_a_draft_save_leaves_the_public_and_other_members_answers_cached(
    viewers: Viewers, contact: User, draft: Submission, french_commitments: list[Commitment], commit: Any, url: str
) -> None:
    commit(lambda: autosave(draft, contact, french_commitments[0], 10))  # the draft exists, with an update
    warm = Warm(viewers, url)
    assert warm.cost["anonymous"] == 0  # from the cache: not even a query

    commit(lambda: autosave(draft, contact, french_commitments[0], 20))

    warm.assert_still_cached(viewers, "anonymous")
    warm.assert_still_cached(viewers, "foreign")
    assert viewers["anonymous"].get(url, HTTP_IF_NONE_MATCH=warm.answers["anonymous"]["ETag"]).status_code == 304
    warm.assert_refreshed(viewers, "own")
    warm.assert_refreshed(viewers, "secretariat")


def test_a_draft_save_is_seen_by_its_contacts_and_the_secretariat_on_the_next_read(
    viewers: Viewers, contact: User, draft: Submission, french_commitments: list[Commitment], commit: Any
) -> None:
    warm = Warm(viewers, FRANCE)
    assert {name: updates_seen(answer) for name, answer in warm.answers.items()} == dict.fromkeys(VIEWERS, 0)

    commit(lambda: autosave(draft, contact, french_commitments[0], 10))

    for name in ("own", "secretariat"):
        answer = warm.assert_refreshed(viewers, name)
        assert updates_seen(answer) == 1, name
        commitment = next(c for c in answer.json()["commitments"] if c["id"] == french_commitments[0].pk)
        assert commitment["updates"][0]["completion_percent"] == 10
    for name in ("anonymous", "foreign"):
        warm.assert_still_cached(viewers, name)
        assert updates_seen(viewers[name].get(FRANCE)) == 0


def test_another_members_draft_save_leaves_a_contacts_answers_cached(
    viewers: Viewers, contact: User, foreign_contact: User, cycle: Any, commit: Any
) -> None:
    germany = MemberState.objects.get(iso_code="DE")
    target = PolicyTarget.objects.get(code="awareness")
    german_pledge = Commitment.objects.create(member_state=germany, target=target, title="Train the hotline staff")
    german_draft = services.submission_start(member_state=germany, cycle=cycle, actor=foreign_contact)
    warm = Warm(viewers, MEMBERS)

    commit(lambda: autosave(german_draft, foreign_contact, german_pledge, 40))

    warm.assert_still_cached(viewers, "anonymous")
    warm.assert_still_cached(viewers, "own")  # France's contact
    warm.assert_refreshed(viewers, "foreign")
    warm.assert_refreshed(viewers, "secretariat")


# --- Writes everyone sees ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_acceptance_refreshes_the_public_member_status_on_the_next_read(
    viewers: Viewers, contact: User, reviewer: User, submitted: Submission, django_capture_on_commit_callbacks: Any
) -> None:
    """Transactional: the versions are bumped when the write commits, as in production."""
    warm = Warm(viewers, MEMBERS)
    assert france(warm.answers["anonymous"].json())["status"]["last_accepted_at"] is None
    services.submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)

    for name in VIEWERS:
        answer = warm.assert_refreshed(viewers, name)
        status = france(answer.json())["status"]
        assert status["last_accepted_at"] is not None, name
        assert status["current_cycle"]["submission_status"] == Submission.Status.ACCEPTED, name
        # The updates are shared with members, not the public (the default confidentiality).
        assert status["completion_percent"] == (None if name == "anonymous" else 50.0), name
    anonymous = viewers["anonymous"]
    assert anonymous.get(MEMBERS, HTTP_IF_NONE_MATCH=warm.answers["anonymous"]["ETag"]).status_code == 200
    # What was accepted is shared: another member's contact now reads France's updates.
    assert updates_seen(viewers["foreign"].get(FRANCE)) == 2


def test_submitting_changes_the_status_everyone_sees(
    viewers: Viewers, contact: User, draft: Submission, commit: Any
) -> None:
    from tests.conftest import fill_all

    commit(lambda: fill_all(draft, contact))
    warm = Warm(viewers, MEMBERS)
    assert france(warm.answers["anonymous"].json())["status"]["current_cycle"]["submission_status"] == "draft"

    commit(lambda: services.submission_submit(submission=draft, actor=contact))

    for name in VIEWERS:
        status = france(warm.assert_refreshed(viewers, name).json())["status"]
        assert status["current_cycle"]["submission_status"] == Submission.Status.SUBMITTED, name


def test_starting_a_report_changes_the_status_everyone_sees(
    viewers: Viewers, contact: User, cycle: Any, french_commitments: list[Commitment], commit: Any
) -> None:
    warm = Warm(viewers, MEMBERS)
    assert france(warm.answers["anonymous"].json())["status"]["current_cycle"]["submission_status"] == "not_started"
    france_state = contact.member_state
    assert france_state is not None

    commit(lambda: services.submission_start(member_state=france_state, cycle=cycle, actor=contact))

    for name in VIEWERS:
        status = france(warm.assert_refreshed(viewers, name).json())["status"]
        assert status["current_cycle"]["submission_status"] == "draft", name


def test_an_admin_edit_of_reference_data_is_seen_by_everyone(viewers: Viewers, commit: Any) -> None:
    warm = Warm(viewers, MEMBERS)
    france_state = MemberState.objects.get(iso_code="FR")
    france_state.name = "République française"

    commit(france_state.save)

    for name in VIEWERS:
        assert france(warm.assert_refreshed(viewers, name).json())["name"] == "République française", name


def test_a_bulk_write_changes_every_answer(viewers: Viewers, commit: Any) -> None:
    warm = Warm(viewers, MEMBERS)
    commit(dataversion.data_changed)
    for name in VIEWERS:
        warm.assert_refreshed(viewers, name)


# --- Which scope a write is of, and what each scope reads ----------------------------------------


def test_a_draft_is_its_members_and_an_acceptance_everyones(
    contact: User, reviewer: User, submitted: Submission
) -> None:
    france_insiders = Scope(member_state_id=submitted.member_state_id)
    update = submitted.updates.select_related("submission").first()
    assert update is not None
    assert written_scope(update) == france_insiders  # submitted, not yet accepted
    assert written_scope(submitted, frozenset({"version", "updated_at"})) == france_insiders
    assert written_scope(submitted, frozenset({"version", "updated_at", "status"})) == PUBLIC
    assert written_scope(submitted) == PUBLIC  # a whole row (a creation, a deletion, the admin)
    entry = HistoryEntry.objects.filter(submission=submitted).first()
    assert entry is not None
    assert written_scope(entry) == france_insiders
    assert written_scope(Commitment.objects.filter(member_state=submitted.member_state)[0]) == PUBLIC
    accepted = services.submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)
    update.refresh_from_db()
    assert written_scope(accepted, frozenset({"version", "updated_at"})) == PUBLIC
    assert written_scope(ProgressUpdate.objects.select_related("submission").get(pk=update.pk)) == PUBLIC


def test_each_viewer_reads_the_versions_of_what_they_see(contact: User, reviewer: User) -> None:
    from django.contrib.auth.models import AnonymousUser

    france_id = contact.member_state_id
    assert france_id is not None
    assert viewer_scope(AnonymousUser()) == PUBLIC
    assert viewer_scope(contact) == Scope(member_state_id=france_id)
    assert viewer_scope(reviewer) == SECRETARIAT
    assert dataversion.read_keys(PUBLIC) == [dataversion.KEY]
    assert dataversion.read_keys(viewer_scope(contact)) == [dataversion.KEY, dataversion.member_key(france_id)]
    assert dataversion.read_keys(SECRETARIAT) == [dataversion.KEY, dataversion.SECRETARIAT_KEY]


def test_a_members_write_bumps_its_insiders_versions_only(contact: User) -> None:
    france_id = contact.member_state_id
    assert france_id is not None
    scopes = [PUBLIC, Scope(member_state_id=france_id), Scope(member_state_id=france_id + 1), SECRETARIAT]
    before = {scope: dataversion.versions(scope) for scope in scopes}
    dataversion.bump_now(Scope(member_state_id=france_id))
    after = {scope: dataversion.versions(scope) for scope in scopes}
    assert [after[scope] != before[scope] for scope in scopes] == [False, True, False, True]
    dataversion.bump_now()  # the public version: everyone's
    assert all(dataversion.versions(scope) != after[scope] for scope in scopes)


def test_a_lost_member_counter_never_comes_back_to_an_old_version(contact: User) -> None:
    scope = viewer_scope(contact)
    before = dataversion.versions(scope)
    assert contact.member_state_id is not None
    cache.delete(dataversion.member_key(contact.member_state_id))
    after = dataversion.versions(scope)
    assert after != before
    assert int(after.split(".")[1]) > int(before.split(".")[1])


def test_cached_builds_follow_the_scope_they_are_asked_for(contact: User) -> None:
    assert contact.member_state_id is not None
    own = Scope(member_state_id=contact.member_state_id)
    built: list[str] = []

    def build(name: str) -> Callable[[], str]:
        return lambda: built.append(name) or name  # type: ignore[func-returns-value]

    for scope in (PUBLIC, own, SECRETARIAT):
        dataversion.cached("page", build=build(str(scope)), scope=scope)
    dataversion.bump_now(own)
    for scope in (PUBLIC, own, SECRETARIAT):
        dataversion.cached("page", build=build(str(scope)), scope=scope)
    assert built == ["public", str(own), "secretariat", str(own), "secretariat"]
