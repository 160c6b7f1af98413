"""The public site without signing in: what each page says, what the public may not see, the feed and
the open data, and what the pages cost in queries."""

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from commitments import dataversion
from commitments.models import Submission
from reports.models import CompiledReport
from reports.services import report_compile, report_request
from tests.public.conftest import accept, compile_public, publish

ATOM = "{http://www.w3.org/2005/Atom}"
# Queries of a page built afresh (after a write bumped the data version), however many members,
# pledges and published cycles: the publication stamp, the published reports and their files, and
# what the page reads of the Alliance's records.
PAGES = {
    "dashboard": ("/alliance/", 7),
    "map": ("/alliance/map/", 4),
    "member": ("/alliance/members/FR/", 4),
    "reports": ("/alliance/reports/", 3),
    "report": ("/alliance/reports/{pk}/", 3),
    "open data": ("/alliance/data/", 3),
    "feed": ("/alliance/feed.atom", 3),
}


def queries(client: Client, url: str) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response.content


def test_the_dashboard_counts_the_members_over_time_from_the_membership_records(alliance: None, client: Client) -> None:
    html = client.get("/alliance/").content.decode()
    assert "48 member states on 5 December 2012; 54 on 30 September 2014." in html
    assert "Launch ministerial conference of the Global Alliance, Brussels" in html
    assert "Second ministerial conference of the Global Alliance, Washington" in html
    assert "By this date at the latest" in html  # how the 2014 joiners' date is known
    assert "Armenia, Bosnia and Herzegovina, Costa Rica, Israel, Kosovo, Mexico" in html
    assert "U.S. Department of Justice" in html  # each step names its sources
    assert "As recorded on 30 September 2014" in html
    assert "No progress report has been published yet" in html


def test_the_dashboard_shows_the_latest_published_cycle_by_target_and_goal(
    client: Client, published: CompiledReport
) -> None:
    html = client.get("/alliance/").content.decode()
    assert "1 of the 54 member states reported for Progress report (test)" in html
    assert "1 report is accepted;" in html
    assert 'Target 1: <span lang="en">Identify and assist victims</span>' in html  # the official English wording
    assert "by at least 10 percent yearly" in html  # the operational goals, with their progress
    assert "average completion 60%" in html
    assert f'href="/alliance/reports/{published.pk}/"' in html
    assert f'href="/alliance/data/{published.cycle_id}.csv"' in html
    # Every chart comes with its words and figures.
    assert html.count('<figure class="chart">') == 3
    assert html.count("<table>") >= 3


def test_the_dashboard_words_the_goal_checks_of_the_latest_cycle(
    client: Client, publish_earlier: Callable[[], CompiledReport], draft: Submission, contact: User, reviewer: User
) -> None:
    publish_earlier()  # France: 100 victims identified the year before
    accept(draft, contact=contact, reviewer=reviewer, icse=125)
    publish(compile_public(draft.cycle, reviewer))
    html = client.get("/alliance/").content.decode()
    assert (
        "Alliance: met (+25% identified victims compared with Progress report (year before), "
        "over the 1 member that reported the figure in both years)."
    ) in html
    assert "Members: Met: 1; No figure reported: 53." in html
    member = client.get("/alliance/members/FR/").content.decode()
    assert "Victims identified (ICSE): 125" in member
    assert "Source of the figures: National police statistics" in member


def test_only_published_reports_are_public(
    client: Client, accepted: Submission, reviewer: User, contact: User, fast_pdf: None
) -> None:
    draft = compile_public(accepted.cycle, reviewer)
    secretariat = report_compile(report=report_request(cycle=accepted.cycle, edition="secretariat", actor=reviewer))
    for viewer in (None, contact):
        if viewer is not None:
            client.force_login(viewer)
        for report in (draft, secretariat):
            assert client.get(f"/alliance/reports/{report.pk}/").status_code == 404
            assert client.get(f"/alliance/reports/{report.pk}/files/pdf").status_code == 404
            assert client.get(f"/alliance/reports/{report.pk}/files/json").status_code == 404
        assert client.get(f"/alliance/data/{accepted.cycle_id}.csv").status_code == 404
        assert f"/alliance/reports/{draft.pk}/" not in client.get("/alliance/reports/").content.decode()
        assert b"<entry>" not in client.get("/alliance/feed.atom").content
    # Published, then withdrawn: public, then 404 again.
    publish(draft)
    assert client.get(f"/alliance/reports/{draft.pk}/").status_code == 200
    CompiledReport.objects.filter(pk=draft.pk).update(withdrawn_at=timezone.now())
    assert client.get(f"/alliance/reports/{draft.pk}/").status_code == 404
    assert client.get(f"/alliance/data/{accepted.cycle_id}.json").status_code == 404


def test_a_published_report_offers_its_files_with_their_sha256(client: Client, published: CompiledReport) -> None:
    html = client.get(f"/alliance/reports/{published.pk}/").content.decode()
    files = {entry.format: entry for entry in published.files.all()}
    assert set(files) == {"pdf", "html", "xlsx", "csv", "json"}
    for fmt, entry in files.items():
        assert f'href="/alliance/reports/{published.pk}/files/{fmt}"' in html
        assert entry.sha256 in html
        download = client.get(f"/alliance/reports/{published.pk}/files/{fmt}")
        assert download.status_code == 200
        assert hashlib.sha256(download.getvalue()).hexdigest() == entry.sha256
    pdf = client.get(f"/alliance/reports/{published.pk}/files/pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment")
    assert client.get(f"/alliance/reports/{published.pk}/files/html")["Content-Disposition"].startswith("inline")
    assert client.get(f"/alliance/reports/{published.pk}/files/docx").status_code == 404


def test_the_member_page_shows_each_pledge_over_the_published_cycles_with_charts_and_tables(
    client: Client, publish_earlier: Callable[[], CompiledReport], accepted: Submission, reviewer: User
) -> None:
    earlier = publish_earlier()
    publish(compile_public(accepted.cycle, reviewer))
    html = client.get("/alliance/members/fr/").content.decode()
    assert "France: published progress" in html
    pledge = html[html.index("Connect the victim identification unit to ICSE") :]
    # Oldest cycle first, each with its completion, in the chart and in its table.
    assert pledge.index("Progress report (year before)") < pledge.index("Progress report (test)")
    rows = re.findall(r"<tr>\s*<th scope=\"row\">([^<]+)</th>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>", pledge)
    assert rows[:2] == [
        ("Progress report (year before)", "On track", "20%"),
        ("Progress report (test)", "On track", "60%"),
    ]
    assert html.count('<figure class="chart">') == 3  # the average by cycle, and one per pledge
    assert 'aria-label="Completion by cycle (%): Connect the victim identification unit to ICSE"' in html
    assert f'href="/alliance/reports/{earlier.pk}/"' in html
    assert 'href="/members/FR/"' in html  # the membership record


def test_a_member_page_without_published_progress_says_so(alliance: None, client: Client) -> None:
    html = client.get("/alliance/members/XK/").content.decode()
    assert "Kosovo: published progress" in html
    assert "No published progress report covers Kosovo yet." in html
    assert client.get("/alliance/members/ZZ/").status_code == 404


def test_the_member_pages_link_to_each_other(alliance: None, client: Client) -> None:
    assert 'href="/alliance/members/FR/"' in client.get("/members/FR/").content.decode()
    header = client.get("/").content.decode()
    assert 'href="/alliance/"' in header  # every page's header
    assert 'href="/alliance/data/#licence"' in header  # and its footer


def test_the_feed_is_valid_atom_with_an_entry_per_publication(
    client: Client, publish_earlier: Callable[[], CompiledReport], accepted: Submission, reviewer: User
) -> None:
    earlier = publish_earlier()
    latest = publish(compile_public(accepted.cycle, reviewer))
    response = client.get("/alliance/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own answer
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
        "Progress report published: Progress report (test)",
        "Progress report published: Progress report (year before)",
    ]
    links = [entry.find(f"{ATOM}link") for entry in entries]
    assert [link.get("href") if link is not None else None for link in links] == [
        f"http://testserver/alliance/reports/{latest.pk}/",
        f"http://testserver/alliance/reports/{earlier.pk}/",
    ]
    for entry in entries:
        assert entry.findtext(f"{ATOM}id")
        assert entry.findtext(f"{ATOM}updated")
        assert "SHA-256" in (entry.findtext(f"{ATOM}summary") or "")


def test_open_data_is_the_published_csv_and_json_under_the_licence_named(
    client: Client, published: CompiledReport
) -> None:
    page = client.get("/alliance/data/").content.decode()
    assert "Creative Commons Attribution 4.0 International (CC BY 4.0)" in page
    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license"' in page
    files = {entry.format: entry for entry in published.files.all()}
    for fmt in ("csv", "json"):
        url = f"/alliance/data/{published.cycle_id}.{fmt}"
        assert f'href="{url}"' in page
        assert files[fmt].sha256 in page
        response = client.get(url)
        assert response.status_code == 200
        assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
        assert response["Content-Disposition"].startswith("attachment")
        content = response.getvalue()
        assert hashlib.sha256(content).hexdigest() == files[fmt].sha256
    data = json.loads(client.get(f"/alliance/data/{published.cycle_id}.json").getvalue())
    assert data["edition"] == "public"
    assert [m["iso_code"] for m in data["members"] if m["submission"] == "accepted"] == ["FR"]
    csv = client.get(f"/alliance/data/{published.cycle_id}.csv").getvalue().decode()
    assert csv.splitlines()[0].startswith("member,member_name,submission")
    assert client.get(f"/alliance/data/{published.cycle_id}.xlsx").status_code == 404


@pytest.mark.parametrize("page", list(PAGES))
def test_each_public_page_runs_a_few_queries_and_is_then_served_from_the_cache(
    client: Client, published: CompiledReport, page: str, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    path, most = PAGES[page]
    url = path.format(pk=published.pk)
    dataversion.bump_now()  # what any write does: the page is built again
    with django_assert_max_num_queries(most):
        first = client.get(url)
    assert first.status_code == 200
    # Again: from the cache, after the one query that tells whether anything was published since.
    with django_assert_max_num_queries(1):
        again = client.get(url)
    assert again.content == first.content


def test_the_pages_cost_the_same_queries_whatever_the_number_of_published_cycles(
    client: Client, publish_earlier: Callable[[], CompiledReport], accepted: Submission, reviewer: User
) -> None:
    publish(compile_public(accepted.cycle, reviewer))
    paths = [path for path, _ in PAGES.values() if "{pk}" not in path]
    dataversion.bump_now()
    one = {path: queries(client, path)[0] for path in paths}
    publish_earlier()
    dataversion.bump_now()
    two = {path: queries(client, path)[0] for path in paths}
    assert two == one


def test_a_new_publication_shows_at_once(
    client: Client, publish_earlier: Callable[[], CompiledReport], accepted: Submission, reviewer: User
) -> None:
    publish_earlier()
    assert "Progress report (year before)" in client.get("/alliance/").content.decode()
    client.get("/alliance/")  # cached now
    latest = publish(compile_public(accepted.cycle, reviewer))  # no signal, no data version bump
    html = client.get("/alliance/").content.decode()
    assert "reported for Progress report (test)" in html
    assert f"/alliance/reports/{latest.pk}/" in client.get("/alliance/reports/").content.decode()
    # And a withdrawal takes it off again.
    CompiledReport.objects.filter(pk=latest.pk).update(withdrawn_at=timezone.now())
    assert "reported for Progress report (year before)" in client.get("/alliance/").content.decode()


@pytest.mark.parametrize("page", [name for name in PAGES if name != "feed"])
def test_anonymous_visitors_get_the_page_rendered_once_and_signed_in_ones_their_own(
    client: Client, published: CompiledReport, contact: User, page: str
) -> None:
    """Every anonymous visitor sees the same page: after the first, it is served as it was rendered
    (no template rendered again). A signed-in visitor's header names them: their page is rendered
    for them, and nothing of it reaches the next anonymous visitor."""
    url = PAGES[page][0].format(pk=published.pk)
    first = client.get(url)
    assert first.templates  # rendered
    again = client.get(url)
    assert again.status_code == 200
    assert not again.templates  # served as rendered
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]

    signed_in = Client()
    signed_in.force_login(contact)
    own = signed_in.get(url)
    assert own.templates
    assert contact.email in own.content.decode()
    assert "Sign out" in own.content.decode()
    anonymous = client.get(url).content.decode()
    assert contact.email not in anonymous
    assert "Sign out" not in anonymous


def test_an_anonymous_visitor_with_a_message_waiting_sees_it_once(client: Client, published: CompiledReport) -> None:
    client.get("/alliance/")  # the shared page is cached
    # Django's own encoding of a waiting message, as the sign-out leaves it.
    waiting = CookieStorage(HttpRequest())._encode([Message(constants.SUCCESS, "You have signed out.")])  # type: ignore[attr-defined]
    client.cookies[CookieStorage.cookie_name] = waiting
    with_message = client.get("/alliance/")
    assert "You have signed out." in with_message.content.decode()
    assert with_message.templates  # rendered for this visitor
    assert "You have signed out." not in client.get("/alliance/").content.decode()  # once
