"""Compiling reports: the service, the API that starts it, and a real worker doing it."""

import hashlib
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import User
from commitments import services
from commitments.models import ProgressUpdate, ReportingCycle, Submission
from reports.models import CompiledReport
from reports.services import report_compile, report_request
from tests.api.conftest import ApiClient, key_for
from tests.conftest import fill_all
from tests.factories import CommitmentFactory
from tests.worker import CeleryWorker


def test_a_compile_stores_every_format_with_its_hash(reviewer: User, submitted: Submission) -> None:
    report = report_request(cycle=submitted.cycle, edition="secretariat", actor=reviewer)
    done = report_compile(report=report)
    assert done.status == "done"
    assert done.progress == 100
    assert done.data_version
    assert set(done.timings) == {"data", "html", "json", "csv", "xlsx", "pdf", "store", "total"}
    assert done.timings["total"] >= done.timings["pdf"] > 0
    files = {f.format: f for f in done.files.all()}
    assert set(files) == {"html", "pdf", "xlsx", "json", "csv"}
    for entry in files.values():
        content = entry.file.read()
        assert hashlib.sha256(content).hexdigest() == entry.sha256
        assert len(content) == entry.size
    assert json.loads(files["json"].file.open().read())["cycle"]["id"] == submitted.cycle_id
    # Compiling again is a no-op for a report that is done.
    assert report_compile(report=done).finished_at == done.finished_at


def test_a_second_request_on_unchanged_data_is_answered_with_the_first_report(
    reviewer: User, contact: User, submitted: Submission
) -> None:
    first = report_compile(report=report_request(cycle=submitted.cycle, edition="secretariat", actor=reviewer))
    second = report_compile(report=report_request(cycle=submitted.cycle, edition="secretariat", actor=reviewer))
    assert second.pk != first.pk
    assert second.same_as == first
    assert second.built == first
    assert not second.files.exists()  # nothing built twice
    assert CompiledReport.objects.filter(data_version=first.data_version).count() == 1
    # The other edition, or changed data, is another report.
    public = report_compile(report=report_request(cycle=submitted.cycle, edition="public", actor=reviewer))
    assert public.same_as is None
    assert public.data_version != first.data_version
    # A change the report shows: the submitted report is accepted.
    services.submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)
    changed = report_compile(report=report_request(cycle=submitted.cycle, edition="secretariat", actor=reviewer))
    assert changed.same_as is None
    assert changed.data_version != first.data_version
    assert changed.files.count() == 5


def test_a_request_while_one_is_queued_is_answered_with_the_queued_one(reviewer: User, cycle: ReportingCycle) -> None:
    queued = report_request(cycle=cycle, edition="secretariat", actor=reviewer)
    assert report_request(cycle=cycle, edition="secretariat", actor=reviewer) == queued
    assert report_request(cycle=cycle, edition="public", actor=reviewer) != queued


def test_two_compiles_of_unchanged_data_give_identical_csv_and_json(reviewer: User, submitted: Submission) -> None:
    """Determinism: the report is built again from scratch (the first one deleted) and the bytes
    of the CSV and the JSON are the same; PDF and XLSX carry their creation time."""
    first = report_compile(report=report_request(cycle=submitted.cycle, edition="secretariat", actor=reviewer))
    hashes = {f.format: f.sha256 for f in first.files.filter(format__in=["json", "csv"])}
    first.delete()
    again = report_compile(report=report_request(cycle=submitted.cycle, edition="secretariat", actor=reviewer))
    assert again.pk != first.pk
    assert again.same_as is None
    assert {f.format: f.sha256 for f in again.files.filter(format__in=["json", "csv"])} == hashes
    assert len(hashes) == 2


def test_the_pdf_and_the_spreadsheet_open_with_the_expected_content(
    reviewer: User, submitted: Submission, tmp_path
) -> None:
    from openpyxl import load_workbook

    done = report_compile(report=report_request(cycle=submitted.cycle, edition="secretariat", actor=reviewer))
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(done.files.get(format="pdf").file.read())
    output = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = " ".join(output.split())
    assert submitted.cycle.name in text
    assert "France (FR)" in text
    assert "Connect the victim identification unit to ICSE" in text
    assert "Commitments by policy target" in text  # the charts are in the PDF
    assert "Draft — the cycle is open until" in text
    for number in range(1, 5):
        assert f"Policy target {number}:" in text
    assert "ICSE database" in text
    assert "Change since" in text
    assert "Page 1 of" in text
    html = done.files.get(format="html").file.read().decode()
    assert html.count("<svg") == 3
    assert 'aria-label="Submissions"' in html
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= 2  # type: ignore[union-attr]

    book = load_workbook(io.BytesIO(done.files.get(format="xlsx").file.read()))
    assert book.sheetnames == ["Overview", "Commitments", "Goal checks"]
    commitments = list(book["Commitments"].iter_rows(values_only=True))
    assert commitments[0][:2] == ("Member state", "ISO code")
    assert [row[1] for row in commitments[1:]] == ["FR", "FR"]
    assert len(list(book["Goal checks"].iter_rows())) == 1 + 54


def test_only_the_secretariat_starts_a_compile(
    contact: User, reviewer: User, cycle: ReportingCycle, django_capture_on_commit_callbacks
) -> None:
    url = "/api/v1/reports/"
    body = json.dumps({"cycle": cycle.pk, "edition": "public"})
    refused = ApiClient(key_for(contact)).post(url, body, content_type="application/json")
    assert refused.status_code == 403
    assert ApiClient().post(url, body, content_type="application/json").status_code == 401
    reviewer_api = ApiClient(key_for(reviewer))
    unknown = reviewer_api.post(
        url, json.dumps({"cycle": 999999, "edition": "public"}), content_type="application/json"
    )
    assert unknown.status_code == 400
    assert "cycle" in unknown.json()["errors"]
    bad_edition = reviewer_api.post(
        url, json.dumps({"cycle": cycle.pk, "edition": "x"}), content_type="application/json"
    )
    assert "edition" in bad_edition.json()["errors"]
    assert not CompiledReport.objects.exists()
    with django_capture_on_commit_callbacks() as queued:
        accepted = reviewer_api.post(url, body, content_type="application/json")
    assert accepted.status_code == 202
    assert accepted.json()["status"] == "queued"
    assert accepted["Location"].endswith(f"/api/v1/reports/{accepted.json()['id']}/")
    assert len(queued) == 1  # the compile is queued once the request's transaction commits


def test_downloads_follow_the_edition(
    reviewer: User, contact: User, submitted: Submission, django_capture_on_commit_callbacks
) -> None:
    secret = report_compile(report=report_request(cycle=submitted.cycle, edition="secretariat", actor=reviewer))
    public = report_compile(report=report_request(cycle=submitted.cycle, edition="public", actor=reviewer))
    anonymous = ApiClient()
    assert anonymous.get("/api/v1/reports/").json()["results"] == []  # nothing published yet
    # Published as the publish step does it (its rules are tested in test_publication.py).
    CompiledReport.objects.filter(pk=public.pk).update(published_at=timezone.now())
    listed = anonymous.get("/api/v1/reports/").json()
    assert [r["id"] for r in listed["results"]] == [public.pk]
    link = next(f["url"] for f in listed["results"][0]["files"] if f["format"] == "csv")
    download = anonymous.get(link.replace("http://testserver", ""))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == public.files.get(format="csv").sha256  # type: ignore[attr-defined]
    assert anonymous.get(f"/api/v1/reports/{secret.pk}/files/csv/").status_code == 404
    assert ApiClient(key_for(reviewer)).get(f"/api/v1/reports/{secret.pk}/files/json/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_compiles_a_requested_report(
    celery_worker_factory, reviewer: User, contact: User, draft: Submission
) -> None:
    fill_all(draft, contact)
    worker: CeleryWorker = celery_worker_factory()
    client = ApiClient(key_for(reviewer))
    started = client.post(
        "/api/v1/reports/",
        json.dumps({"cycle": draft.cycle_id, "edition": "secretariat"}),
        content_type="application/json",
    )
    assert started.status_code == 202
    url = started["Location"].replace("http://testserver", "")

    def done() -> dict | None:  # type: ignore[type-arg]
        body = client.get(url).json()
        return body if body["status"] in ("done", "failed") else None

    body = worker.wait_for(done, "the compile to finish", timeout=60)
    assert body["status"] == "done", body
    assert body["progress"] == 100
    assert {f["format"] for f in body["files"]} == {"html", "pdf", "xlsx", "json", "csv"}
    csv_link = next(f for f in body["files"] if f["format"] == "csv")
    content = b"".join(client.get(csv_link["url"].replace("http://testserver", "")).streaming_content)  # type: ignore[attr-defined]
    assert hashlib.sha256(content).hexdigest() == csv_link["sha256"]
    assert b"FR" in content


def text_of(fmt: str, content: bytes, folder: Path) -> str:
    """The readable text of a report file, as a reader of that format would see it."""
    if fmt == "pdf":
        path = folder / "report.pdf"
        path.write_bytes(content)
        output = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        return " ".join(output.split())
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content))
        return " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    return content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_a_public_edition_without_restricted_text(
    celery_worker_factory, reviewer: User, contact: User, draft: Submission, french_commitments, tmp_path: Path
) -> None:
    france = french_commitments[0].member_state
    CommitmentFactory.create(member_state=france, target=french_commitments[0].target, title="Protect helplines")
    fill_all(draft, contact)
    narratives = {"public": "public narrative 3c4d", "members": "members-only 9a8b", "secretariat": "secret 1f2e"}
    for update, level in zip(draft.updates.order_by("pk"), narratives, strict=True):
        ProgressUpdate.objects.filter(pk=update.pk).update(confidentiality=level, narrative=narratives[level])
    submitted = services.submission_submit(submission=draft, actor=contact)
    services.submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)
    worker: CeleryWorker = celery_worker_factory()
    reports = {
        edition: report_request(cycle=draft.cycle, edition=edition, actor=reviewer)
        for edition in CompiledReport.Edition.values
    }

    def built() -> bool:
        return (
            not CompiledReport.objects.filter(pk__in=[r.pk for r in reports.values()]).exclude(status="done").exists()
        )

    worker.wait_for(built, "both editions to be compiled", timeout=90)
    for edition, report in reports.items():
        files = {entry.format: entry.file.read() for entry in report.files.all()}
        assert set(files) == {"html", "pdf", "xlsx", "json", "csv"}
        for fmt, content in files.items():
            text = text_of(fmt, content, tmp_path)
            if edition == "public":
                assert narratives["public"] in text, fmt
                assert narratives["members"] not in text, f"members-only text in the public {fmt}"
                assert narratives["secretariat"] not in text, f"secretariat-only text in the public {fmt}"
            else:
                assert all(narrative in text for narrative in narratives.values()), fmt
                assert "Protect helplines" in text, fmt
