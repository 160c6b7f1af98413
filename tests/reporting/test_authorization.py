"""Walk every URL of the reporting pages as outsiders: no foreign data is read or changed.

The URLs come from the URL resolver, so a new page is walked without being listed here.
"""

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from accounts.models import User
from commitments import services
from commitments.models import (
    Commitment,
    Evidence,
    HistoryEntry,
    ProgressUpdate,
    ReviewComment,
    SpreadsheetImport,
    Submission,
)
from commitments.uploads import PDF
from tests.conftest import fill_all
from tests.reporting import files

SECRET_NARRATIVE = "French confidential narrative 7f3a"
# Pages anyone may open (a member's page lists only what the reader may see of its reports).
PUBLIC_PAGES = {"overview", "member"}
# Pages every signed-in person has (their own data only).
OWN_PAGES = {"home", "review_queue"}
REVIEW_ACTIONS = {"review_comment", "review_return", "review_accept", "review_extension"}


@pytest.fixture
def french_report(contact: User, reviewer: User, draft: Submission, french_commitments) -> dict[str, Any]:
    """France's report, returned by the reviewer: updates, a file, a comment."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    fill_all(draft, contact, narrative=SECRET_NARRATIVE)
    evidence = services.evidence_attach(
        submission=draft,
        commitment=french_commitments[0],
        actor=contact,
        upload=SimpleUploadedFile("report.pdf", files.PDF),
        detected=PDF,
    )
    submitted = services.submission_submit(submission=draft, actor=contact)
    update = ProgressUpdate.objects.get(submission=submitted, commitment=french_commitments[0])
    services.submission_return(
        submission=submitted, actor=reviewer, seen_version=submitted.version, comments={update.pk: "Add figures."}
    )
    # A spreadsheet the contact uploaded, awaiting confirmation (its preview is France's too).
    pending = SpreadsheetImport.objects.create(
        submission=submitted, file_name="report.xlsx", file_sha256="0" * 64, rows=[], created_by=contact
    )
    return {
        "import_pk": pending.pk,
        "pk": submitted.pk,
        "iso_code": "FR",
        "commitment_id": french_commitments[0].pk,
        "update_id": update.pk,
        "cycle_id": submitted.cycle_id,
        "evidence": evidence.pk,
    }


def reporting_urls() -> list[URLPattern]:
    _, resolver = get_resolver().namespace_dict["commitments"]
    return [p for p in resolver.url_patterns if isinstance(p, URLPattern)]


def url_for(pattern: URLPattern, objects: dict[str, Any]) -> str:
    names = pattern.pattern.converters.keys()
    kwargs = {name: objects[name] for name in names}
    if pattern.name and pattern.name.startswith("evidence_"):
        kwargs["pk"] = objects["evidence"]
    return reverse(f"commitments:{pattern.name}", kwargs=kwargs)


def french_rows() -> list[Any]:
    france = {"member_state__iso_code": "FR"}
    return [
        list(Submission.objects.filter(**france).order_by("pk").values()),
        list(ProgressUpdate.objects.filter(submission__member_state__iso_code="FR").order_by("pk").values()),
        list(Commitment.objects.filter(**france).order_by("pk").values()),
        list(Evidence.objects.order_by("pk").values()),
        list(SpreadsheetImport.objects.order_by("pk").values()),
        list(ReviewComment.objects.order_by("pk").values()),
        list(HistoryEntry.objects.filter(member_state__iso_code="FR").order_by("pk").values()),
    ]


def post_data(objects: dict[str, Any]) -> dict[str, Any]:
    prefix = f"c{objects['commitment_id']}"
    return {
        f"{prefix}-version": 2,
        f"{prefix}-status": "completed",
        f"{prefix}-completion_percent": 100,
        f"{prefix}-narrative": "Overwritten by an outsider",
        f"{prefix}-confidentiality": "public",
        f"{prefix}-ms-TOTAL_FORMS": 0,
        f"{prefix}-ms-INITIAL_FORMS": 0,
        "version": 99,
        "return": [objects["update_id"]],
        f"comment-{objects['update_id']}": "outsider",
        f"r{objects['update_id']}-body": "outsider comment",
        "due_on": "2099-01-01",
        "title": "Outsider pledge",
        "target": 1,
        "status": "not_started",
    }


def assert_refused(response: Any, anonymous: bool, where: str) -> None:
    if anonymous and response.status_code == 302:
        assert response["Location"].startswith(reverse("accounts:login")), where
        return
    assert response.status_code in (403, 404, 405), f"{where}: {response.status_code}"
    assert SECRET_NARRATIVE.encode() not in response.content, where


@pytest.mark.parametrize("who", ["foreign_contact", "anonymous"])
def test_outsiders_read_and_change_nothing_of_another_country(
    client: Client, who: str, french_report: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    before = french_rows()
    walked = 0
    for pattern in reporting_urls():
        url = url_for(pattern, french_report)
        for method in ("get", "post"):
            response = getattr(client, method)(url, post_data(french_report) if method == "post" else None)
            where = f"{who} {method.upper()} {url} ({pattern.name})"
            walked += 1
            if pattern.name in PUBLIC_PAGES or (who != "anonymous" and pattern.name in OWN_PAGES):
                assert SECRET_NARRATIVE.encode() not in response.content, where
                continue
            if who != "anonymous" and pattern.name == "cycle_start" and method == "post":
                # Starting one's own country's report is allowed; it touches no French row.
                assert response.status_code == 302, where
                continue
            assert_refused(response, who == "anonymous", where)
    assert walked == 2 * len(reporting_urls()) >= 30
    assert french_rows() == before


def test_a_reviewer_reads_but_cannot_write_a_countrys_report(
    client: Client, reviewer: User, french_report: dict[str, Any]
) -> None:
    client.force_login(reviewer)
    before = french_rows()
    for pattern in reporting_urls():
        if pattern.name in REVIEW_ACTIONS | PUBLIC_PAGES | OWN_PAGES:
            continue
        url = url_for(pattern, french_report)
        response = client.post(url, post_data(french_report))
        where = f"reviewer POST {url} ({pattern.name})"
        assert response.status_code in (403, 404, 405), f"{where}: {response.status_code}"
    assert french_rows() == before
    # Reading is allowed: the review page shows the report.
    page = client.get(reverse("commitments:review", args=[french_report["pk"]]))
    assert page.status_code == 200
    assert SECRET_NARRATIVE in page.content.decode()


def test_a_contact_cannot_use_the_review_actions(client: Client, contact: User, french_report: dict[str, Any]) -> None:
    client.force_login(contact)
    before = french_rows()
    for name in sorted(REVIEW_ACTIONS):
        pattern = next(p for p in reporting_urls() if p.name == name)
        response = client.post(url_for(pattern, french_report), post_data(french_report))
        assert response.status_code == 403, name
    assert client.get(reverse("commitments:review_queue")).status_code == 403
    assert french_rows() == before


def test_the_admin_is_closed_to_contacts_and_reviewers(client: Client, contact: User, reviewer: User) -> None:
    for person in (contact, reviewer):
        client.force_login(person)
        response = client.get("/admin/commitments/submission/")
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_each_refused_access_of_the_walk_leaves_one_security_log_line(
    client: Client, foreign_contact: User, french_report: dict[str, Any]
) -> None:
    import logging

    records: list[dict[str, Any]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(getattr(record, "security", {}))

    handler = Collect()
    logging.getLogger("alliance.security").addHandler(handler)
    try:
        refused = 0
        for who in ("foreign", "anonymous"):
            if who == "foreign":
                client.force_login(foreign_contact)
            else:
                client.logout()
            for pattern in reporting_urls():
                url = url_for(pattern, french_report)
                for method in ("get", "post"):
                    before = len(records)
                    response = getattr(client, method)(url, post_data(french_report) if method == "post" else None)
                    to_sign_in = response.status_code == 302 and response["Location"].startswith(
                        reverse("accounts:login")
                    )
                    lines = [r for r in records[before:] if r.get("event") == "access_refused"]
                    if response.status_code in (403, 404) or to_sign_in:
                        refused += 1
                        assert len(lines) == 1, f"{who} {method} {url}: {lines}"
                        line = lines[0]
                        assert line["path"] == url
                        assert line["method"] == method.upper()
                        assert line["user"] == (foreign_contact.email if who == "foreign" else None)
                        assert "time" in line
                        assert "csrfmiddlewaretoken" not in str(line)
                        assert "Overwritten by an outsider" not in str(line)
                    else:
                        assert not lines, f"{who} {method} {url}: {response.status_code} {lines}"
        assert refused >= 40
    finally:
        logging.getLogger("alliance.security").removeHandler(handler)
