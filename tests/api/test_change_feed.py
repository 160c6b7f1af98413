"""The change feed: `updated_since` on the commitments, submissions and progress updates lists, and
their `Sync-Token`. A dashboard syncing while several connections write sees every change once."""

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection, transaction

from accounts.models import User
from commitments import services
from commitments.models import Commitment, MemberState, ProgressUpdate, Submission
from tests.api.conftest import ApiClient, key_for
from tests.conftest import fill_all

pytestmark = pytest.mark.django_db(transaction=True)

TABLES: dict[str, type[Commitment | Submission | ProgressUpdate]] = {
    "commitment": Commitment,
    "submission": Submission,
    "update": ProgressUpdate,
}
COMPARED = {
    "commitment": ("title", "status"),
    "submission": ("version", "status", "round"),
    "update": ("version", "status", "narrative", "needs_revision"),
}
Row = tuple[str, int]  # (kind, id)


def current_xid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        return int(cursor.fetchone()[0])


def rows_written_by(xid: int) -> list[tuple[str, int, int]]:
    return [
        (kind, pk, xid)
        for kind, model in TABLES.items()
        for pk in model.objects.filter(changed_xid=xid).values_list("pk", flat=True)
    ]


@dataclass
class Feed:
    """One list synced by the dashboard: its address and the windows of its syncs so far."""

    path: str
    kind: str
    token: str = "0"
    windows: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Dashboard:
    api: ApiClient
    feeds: list[Feed]
    copy: dict[Row, dict[str, Any]] = field(default_factory=dict)
    seen: list[tuple[str, int, int]] = field(default_factory=list)  # kind, id, index of the window

    def sync(self, feed: Feed) -> None:
        since = int(feed.token)
        url: str | None = f"{feed.path}?updated_since={feed.token}&page_size=3"
        token = None
        while url:
            response = self.api.get(url)
            assert response.status_code == 200, response.content
            assert token in (None, response["Sync-Token"])  # one end for every page of a sync
            token = response["Sync-Token"]
            body = response.json()
            rows, url = (body, None) if isinstance(body, list) else (body["results"], body["next"])
            for row in rows:
                self.seen.append((feed.kind, row["id"], len(feed.windows)))
                self.copy[(feed.kind, row["id"])] = row
        assert token is not None
        feed.windows.append((since, int(token)))
        feed.token = token

    def sync_all(self) -> None:
        for feed in self.feeds:
            self.sync(feed)


@dataclass
class Writes:
    """The writes of the writers' threads: the rows each transaction wrote, by its id."""

    log: list[tuple[str, int, int]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def writer(self, work: Callable[[int], bool], count: int) -> threading.Thread:
        """A thread with its own connection, making `count` writes (`work(n)` False: it wrote
        nothing, and tries again)."""

        def run() -> None:
            try:
                n = 0
                while n < count and not self.errors:  # one writer failing stops them all
                    with transaction.atomic():
                        if work(n):
                            written = rows_written_by(current_xid())
                            with self.lock:
                                self.log.extend(written)
                            n += 1
                    time.sleep(0.005)
            except BaseException as error:
                self.errors.append(error)
            finally:
                connection.close()

        return threading.Thread(target=run)


@pytest.fixture
def reviewer_api(reviewer: User) -> ApiClient:
    return ApiClient(key_for(reviewer))


@pytest.fixture
def filled(draft: Submission, contact: User) -> Submission:
    fill_all(draft, contact)
    return draft


def test_a_dashboard_sees_every_change_exactly_once_across_interleaved_writes(
    reviewer_api: ApiClient, filled: Submission, contact: User, reviewer: User, french_commitments: list[Commitment]
) -> None:
    # A write held open across a sync changes a pledge no later write changes: a sync that skipped
    # it would never see it. (Germany's: France's report needs an update on each of its pledges.)
    germany, target = MemberState.objects.get(iso_code="DE"), french_commitments[1].target
    kept_aside = [Commitment.objects.create(member_state=germany, target=target, title=f"Held {k}") for k in range(5)]

    before = [
        (kind, pk, xid) for kind, model in TABLES.items() for pk, xid in model.objects.values_list("pk", "changed_xid")
    ]
    held, synced_while_held = threading.Event(), threading.Event()

    def save_update(n: int) -> bool:
        submission = Submission.objects.get(pk=filled.pk)
        try:
            services.progress_update_save(
                submission=submission,
                commitment=french_commitments[n % 2],
                actor=contact,
                values={"narrative": f"Write {n}."},
                expected_version=None,
            )
        except services.WorkflowError:
            return False  # submitted: it waits for the reviewer
        return True

    def submit_or_return(n: int) -> bool:
        submission = Submission.objects.get(pk=filled.pk)
        try:
            if submission.is_editable:
                services.submission_submit(submission=submission, actor=contact)
            else:
                comments = dict.fromkeys(submission.updates.values_list("pk", flat=True), f"Return {n}.")
                services.submission_return(
                    submission=submission, actor=reviewer, seen_version=submission.version, comments=comments
                )
        except (services.WorkflowError, services.StaleReview):
            return False
        time.sleep(0.01)
        return True

    def change_commitment(n: int) -> bool:
        held_open = n % 6 == 3
        commitment = kept_aside[n // 6] if held_open else Commitment.objects.get(pk=french_commitments[n % 2].pk)
        commitment.title = f"Pledge, version {n}"
        commitment.save(update_fields=["title", "updated_at"])
        if held_open:  # across a sync of the dashboard, then committed
            held.set()
            assert synced_while_held.wait(timeout=10)
            held.clear()
            synced_while_held.clear()
        return True

    writes = Writes()
    threads = [
        writes.writer(save_update, 46),
        # An even number: it ends returned, where every update can change, so the saves can all be made.
        writes.writer(submit_or_return, 24),
        writes.writer(change_commitment, 30),
    ]
    dashboard = Dashboard(
        reviewer_api,
        [
            Feed("/api/v1/commitments/", "commitment"),
            Feed("/api/v1/submissions/", "submission"),
            Feed(f"/api/v1/submissions/{filled.pk}/updates/", "update"),
        ],
    )
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        was_held = held.is_set()
        dashboard.sync_all()
        if was_held:
            synced_while_held.set()
        time.sleep(0.01)  # the writers' turn, on a busy machine
    for thread in threads:
        thread.join()
    assert not writes.errors, writes.errors
    log = writes.log

    # The last syncs: until every transaction of the writes has ended for the snapshots.
    last_xid = max(xid for _kind, _pk, xid in log)
    deadline = time.monotonic() + 15
    while min(int(feed.token) for feed in dashboard.feeds) <= last_xid:
        assert time.monotonic() < deadline, "the snapshots' xmin did not pass the last write"
        dashboard.sync_all()
        time.sleep(0.05)

    written = before + log
    assert len({xid for _kind, _pk, xid in log}) == 100  # 100 writing transactions
    windows = {feed.kind: feed.windows for feed in dashboard.feeds}
    for feed in dashboard.feeds:  # the syncs follow each other, without a gap or an overlap
        assert all(a[1] == b[0] for a, b in zip(feed.windows, feed.windows[1:], strict=False))
    # Never seen twice: once per sync at most, and only in a sync whose window has a write of the row.
    assert len(dashboard.seen) == len(set(dashboard.seen))
    writes_of: dict[Row, list[int]] = {}
    for kind, pk, xid in written:
        writes_of.setdefault((kind, pk), []).append(xid)
    for kind, pk, index in dashboard.seen:
        since, until = windows[kind][index]
        assert any(since <= xid < until for xid in writes_of.get((kind, pk), [])), (kind, pk, index)
    # None missed: every write is seen in the sync of its window, or in a later one (written again).
    seen_in = {(kind, pk, index) for kind, pk, index in dashboard.seen}
    for kind, pk, xid in written:
        if kind == "commitment" and pk not in {c.pk for c in [*french_commitments, *kept_aside]}:
            continue  # other members' rows are in the feed too; checked below alike
        index = next(i for i, (since, until) in enumerate(windows[kind]) if since <= xid < until)
        assert any((kind, pk, i) in seen_in for i in range(index, len(windows[kind]))), (kind, pk, xid)
    # The dashboard's copy is the database's.
    for (kind, pk), row in dashboard.copy.items():
        current = TABLES[kind].objects.get(pk=pk)
        assert {name: row[name] for name in COMPARED[kind]} == {name: getattr(current, name) for name in COMPARED[kind]}


def test_every_answer_of_the_three_lists_carries_a_sync_token(reviewer_api: ApiClient, draft: Submission) -> None:
    for path in ("/api/v1/commitments/", "/api/v1/submissions/", f"/api/v1/submissions/{draft.pk}/updates/"):
        for query in ("", "?updated_since=0"):
            response = reviewer_api.get(path + query)
            assert response.status_code == 200
            assert response["Sync-Token"].isdigit()
    cached = reviewer_api.get("/api/v1/commitments/")  # from the answer cache, with the token taken with it
    assert cached["Sync-Token"] == reviewer_api.get("/api/v1/commitments/")["Sync-Token"]


@pytest.mark.parametrize("value", ["yesterday", "-1", "1.2.3", "12a", "1e5", "99999999999999999999"])
def test_a_malformed_token_is_a_400_naming_updated_since(
    reviewer_api: ApiClient, draft: Submission, value: str
) -> None:
    for path in ("/api/v1/commitments/", "/api/v1/submissions/", f"/api/v1/submissions/{draft.pk}/updates/"):
        response = reviewer_api.get(f"{path}?updated_since={value}")
        assert response.status_code == 400, path
        assert list(response.json()["errors"]) == ["updated_since"]


def test_an_empty_or_repeated_token_is_a_400_naming_it(reviewer_api: ApiClient, draft: Submission) -> None:
    for query in ("updated_since=", "updated_since=1&updated_since=2"):
        response = reviewer_api.get(f"/api/v1/submissions/{draft.pk}/updates/?{query}")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["updated_since"]


@pytest.fixture
def running(french_commitments: list[Commitment]) -> Iterator[tuple[threading.Event, threading.Event]]:
    """A transaction of another connection that has changed a commitment and not committed yet."""
    written, commit = threading.Event(), threading.Event()

    def run() -> None:
        try:
            with transaction.atomic():
                Commitment.objects.filter(pk=french_commitments[0].pk).update(title="Written, not committed")
                written.set()
                commit.wait(timeout=10)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert written.wait(timeout=10)
    yield written, commit
    commit.set()
    thread.join()


def test_a_running_transactions_row_comes_in_the_sync_after_it_commits(
    reviewer_api: ApiClient, french_commitments: list[Commitment], running: tuple[threading.Event, threading.Event]
) -> None:
    _written, commit = running
    first = reviewer_api.get("/api/v1/commitments/?updated_since=0&page_size=500")
    token = first["Sync-Token"]
    assert "Written, not committed" not in {c["title"] for c in first.json()["results"]}
    commit.set()
    # Transaction ids are the server's, not one database's: a transaction of another database on the
    # same server (another test process) may hold the end of a sync back, and with it rows the
    # first sync could otherwise have brought. Those come later, once each, as the running one does.
    seen: list[tuple[int, str]] = []
    deadline = time.monotonic() + 10
    while (french_commitments[0].pk, "Written, not committed") not in seen:
        assert time.monotonic() < deadline
        answer = reviewer_api.get(f"/api/v1/commitments/?updated_since={token}&page_size=500")
        seen += [(c["id"], c["title"]) for c in answer.json()["results"]]
        token = answer["Sync-Token"]
        time.sleep(0.05)
    assert len(seen) == len(set(seen))
    assert {pk for pk, _ in seen} <= {c.pk for c in french_commitments}


def test_the_pages_of_a_sync_keep_its_end_and_follow_the_rows_order(
    reviewer_api: ApiClient, french_commitments: list[Commitment], contact: User
) -> None:
    first = reviewer_api.get("/api/v1/commitments/?updated_since=0&page_size=1")
    assert "sync_until=" + first["Sync-Token"] in first.json()["next"]
    assert first.json()["next"] in first["Link"]
    Commitment.objects.filter(pk=french_commitments[0].pk).update(title="Changed during the sync")
    second = reviewer_api.get(first.json()["next"])
    assert second["Sync-Token"] == first["Sync-Token"]
    assert "Changed during the sync" not in {c["title"] for c in second.json()["results"]}
    assert reviewer_api.get("/api/v1/commitments/?updated_since=0&page=2").status_code == 400


def test_a_bad_sync_until_is_a_400_even_without_updated_since(contact_api: ApiClient, update: ProgressUpdate) -> None:
    """Checked before any precondition: `If-None-Match: *` must not turn a bad request into a 304
    (RFC 9110, 13.2.1)."""
    path = f"/api/v1/submissions/{update.submission_id}/updates/"
    response = contact_api.get(path, {"sync_until": "9x"}, headers={"If-None-Match": "*"})
    assert response.status_code == 400
    assert "sync_until" in response.json()["errors"]
    assert contact_api.get(path, {"sync_until": "9"}).status_code == 200
