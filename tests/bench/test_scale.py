"""Scale: at a generated scale of 4 (216 member states, their commitments and twelve cycles of
reporting), every list endpoint and page runs the same number of queries as at scale 1. Any query
made per row would show at four times the rows as at twenty (make bench loads scale 20)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from bench.generate import BENCH_DOMAIN, COPY_NAME, generate
from commitments.models import MemberState, Submission
from tests.api.conftest import ApiClient, key_for
from tests.conftest import VerifiedClient

# (name, who asks, URL): who is "public", "contact" (France's) or "secretariat".
API = [
    ("members", "public", "/api/v1/members/"),
    ("members as CSV", "public", "/api/v1/members.csv"),
    ("members, secretariat", "secretariat", "/api/v1/members/?page=2"),
    ("member", "public", "/api/v1/members/FR/"),
    ("member, own contact", "contact", "/api/v1/members/FR/"),
    ("commitments of a member", "public", "/api/v1/commitments/?member=FR"),
    ("commitments", "secretariat", "/api/v1/commitments/"),
    ("submissions", "secretariat", "/api/v1/submissions/"),
    ("submissions of a member", "contact", "/api/v1/submissions/?member=FR"),
    ("cycles", "public", "/api/v1/cycles/"),
    ("targets", "public", "/api/v1/targets/"),
    ("goals", "public", "/api/v1/goals/"),
    ("declarations", "public", "/api/v1/declarations/"),
    ("reports", "secretariat", "/api/v1/reports/"),
]
PAGES = [
    ("overview", "public", lambda: "/"),
    ("contact home", "contact", lambda: "/reporting/"),
    ("submission", "contact", lambda: f"/submissions/{latest_french_submission()}/"),
    ("review queue", "secretariat", lambda: "/review/"),
    ("completeness", "secretariat", lambda: "/review/completeness/"),
    ("review", "secretariat", lambda: f"/review/submissions/{latest_french_submission()}/"),
    ("reports", "secretariat", lambda: "/reports/"),
]


def latest_french_submission() -> int:
    submission = Submission.objects.filter(member_state__iso_code="FR").order_by("-cycle__due_on").first()
    assert submission is not None
    return submission.pk


def query_counts(clients: dict[str, Any]) -> dict[str, int]:
    counts = {}
    urls: list[tuple[str, str, Callable[[], str]]] = [(n, w, lambda u=u: u) for n, w, u in API] + PAGES
    for name, who, url in urls:
        client = clients[who]
        address = url()
        assert client.get(address).status_code == 200, f"{name}: {address}"  # sessions and the like settle
        with CaptureQueriesContext(connection) as captured:
            response = client.get(address)
        assert response.status_code == 200, f"{name}: {address}"
        counts[name] = len(captured)
    return counts


def clients_for(reviewer: User) -> dict[str, Any]:
    contact = User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}", member_state__iso_code="FR").first()
    assert contact is not None
    browser_contact, browser_secretariat = VerifiedClient(), VerifiedClient()
    browser_contact.force_login(contact)
    browser_secretariat.force_login(reviewer)
    # The pages take the browser sessions; the API, keys.
    return {
        "public": ApiClient(),
        "contact": _Both(browser_contact, ApiClient(key_for(contact))),
        "secretariat": _Both(browser_secretariat, ApiClient(key_for(reviewer))),
    }


class _Both:
    """A person's browser for the pages and their API key for /api/."""

    def __init__(self, browser: Client, api: ApiClient) -> None:
        self.browser, self.api = browser, api

    def get(self, path: str) -> Any:
        return (self.api if path.startswith("/api/") else self.browser).get(path)


def generate_and_analyze(*, scale: int) -> None:
    """As `manage.py generate_bench_data` does: the planner's statistics of the new rows, without
    which PostgreSQL plans for empty tables (and a page takes minutes instead of milliseconds)."""
    generate(scale=scale)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@pytest.mark.timeout(900)
def test_every_list_and_page_runs_the_same_queries_at_scale_4_as_at_scale_1(reviewer: User, settings) -> None:
    settings.ANSWER_CACHE = False  # count the queries of computing the answers
    generate_and_analyze(scale=1)
    assert MemberState.objects.count() >= 54
    at_1 = query_counts(clients_for(reviewer))
    generate_and_analyze(scale=4)
    assert MemberState.objects.filter(name__regex=COPY_NAME).count() == 3 * 54
    at_4 = query_counts(clients_for(reviewer))
    assert at_4 == at_1, {name: (at_1[name], at_4[name]) for name in at_1 if at_1[name] != at_4[name]}
    assert max(at_1.values()) <= 25, at_1
