"""Reports fit to print: words instead of codes, dates and numbers as people write them, a tagged
PDF with a title and contents, a typed XLSX, and nothing a person typed ever read as a formula by a
spreadsheet (OWASP's CSV injection), in the compiled reports and in the API's members.csv."""

import csv
import io
import re
import subprocess
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from commitments import services
from commitments.models import (
    Commitment,
    Confidentiality,
    MemberState,
    OperationalGoal,
    PolicyTarget,
    ReportingState,
    SourceDocument,
    Submission,
)
from commitments.reference.load import load_reference_data
from commitments.services import MilestoneData
from reports.goals import CheckResult, Trend
from reports.labels import Completeness, ContentSource, PublicState, UpdateStatus
from reports.models import CompiledReport
from reports.services import report_compile, report_request
from tests.api.conftest import ApiClient
from tests.factories import CommitmentFactory, ReportingCycleFactory, UserFactory

# The compiled files are built once for the module (`compiled`); the mark tells pytest-django to set
# up the test database for it even when only these tests run.
pytestmark = pytest.mark.django_db

# What people type that a spreadsheet would run: a formula, and the other characters OWASP lists.
TYPED = (
    '=HYPERLINK("http://example.invalid","x")',
    "+1+2 more cases",
    "-3+4 fewer cases",
    "@SUM(1+1)",
    "\t=1+1 after a tab",
    "\r=1+1 after a carriage return",
)
MILESTONE_DAY = date(2027, 4, 1)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Every status and check code the report data holds. Codes of two words or more (`not_met`,
# `icse-identified-victims`) are never prose, and must appear nowhere; one-word codes (`met`,
# `accepted`, `members`) are also ordinary words, and must not appear where codes used to be
# printed: as a value after a colon or a dash ("Report: accepted", "— completed, 50%"), or as a
# count in a list ("By status: on_track 2, delayed 0").
CODES = sorted(
    {
        *Commitment.Status.values,
        *UpdateStatus.values,  # a commitment with no update in the cycle
        *ReportingState.values,
        *PublicState.values,  # where a report stands, in the public edition
        *Submission.Status.values,
        *Completeness.values,
        *ContentSource.values,  # where a member's content comes from
        *Confidentiality.values,
        *CheckResult.values,
        *Trend.values,
    }
)


def codes_in(text: str, extra: tuple[str, ...] = ()) -> list[str]:
    # The last section quotes the reference data's readings of the goals, prose that may put any
    # word after a colon ("'Increase the speed of notice and takedown': members report"): one-word
    # codes are looked for in the report before it.
    report = text.rsplit("How this report is made", 1)[0]
    found = []
    for code in [*CODES, *extra]:
        word = re.escape(code)
        if "_" in code or "-" in code:
            found += re.findall(rf"(?<![\w-]){word}(?![\w-])", text)
        else:
            found += re.findall(rf"(?:[:—]\s*{word}\b|[:;,]\s*{word}\s+\d)", report)
    return found


@dataclass
class Compiled:
    cycle_name: str
    due_on: date
    files: dict[str, dict[str, bytes]]  # edition -> format -> content
    reference_codes: tuple[str, ...]  # the policy targets' and operational goals' codes


@pytest.fixture(scope="module")
def compiled(django_db_setup: None, django_db_blocker: Any) -> Compiled:
    """France's accepted report, public throughout, with six narratives that spreadsheets would run,
    ICSE and takedown figures and a milestone; both editions compiled by the service, in-process.

    Built once for the module (compiling is the slow part) in a transaction rolled back at the end;
    the tests read the files' bytes only."""
    with django_db_blocker.unblock(), transaction.atomic():
        if not SourceDocument.objects.exists():
            load_reference_data()
        today = timezone.localdate()
        cycle = ReportingCycleFactory.create(
            name="Progress report (fit to print)",
            period_start=today - timedelta(days=300),
            period_end=today + timedelta(days=60),
            opens_on=today - timedelta(days=30),
            due_on=today + timedelta(days=60),
        )
        france = MemberState.objects.get(iso_code="FR")
        contact = UserFactory.create(email="contact@print.example.org", member_state=france)
        reviewer = UserFactory.create(
            email="reviewer@print.example.org", role=User.Role.SECRETARIAT_REVIEWER, member_state=None
        )
        icse = OperationalGoal.objects.get(code="icse-identified-victims")
        takedown = OperationalGoal.objects.get(code="notice-and-takedown-speed")
        awareness = PolicyTarget.objects.get(code="awareness")
        pledges = [
            CommitmentFactory.create(member_state=france, target=icse.target, goal=icse, title="Connect to ICSE"),
            CommitmentFactory.create(
                member_state=france, target=takedown.target, goal=takedown, title="Faster takedown"
            ),
            *(
                CommitmentFactory.create(member_state=france, target=awareness, title=f"Campaign {number}")
                for number in range(len(TYPED) - 2)
            ),
        ]
        draft = services.submission_start(member_state=france, cycle=cycle, actor=contact)
        for commitment, narrative in zip(pledges, TYPED, strict=True):
            values: dict[str, Any] = {
                "status": "on_track",
                "completion_percent": 60,
                "narrative": narrative,
                "confidentiality": "public",
            }
            if commitment.goal == takedown:
                values |= {"takedown_median_hours": Decimal("47.0")}
            elif commitment.goal == icse:
                values |= {"icse_victims_identified": 1234, "figures_source": "INTERPOL"}
            services.progress_update_save(
                submission=draft,
                commitment=commitment,
                actor=contact,
                values=values,
                milestones=[MilestoneData(MILESTONE_DAY, "Unit connected", done=True)] if commitment.goal else None,
                expected_version=None,
            )
        submitted = services.submission_submit(submission=draft, actor=contact)
        services.submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)
        files = {}
        for edition in CompiledReport.Edition.values:
            report = report_compile(report=report_request(cycle=cycle, edition=edition, actor=reviewer))
            assert report.status == "done", report.error
            files[edition] = {entry.format: entry.file.read() for entry in report.files.all()}
        codes = (
            *PolicyTarget.objects.values_list("code", flat=True),
            *OperationalGoal.objects.values_list("code", flat=True),
        )
        transaction.set_rollback(True)
    return Compiled(cycle.name, cycle.due_on, files, codes)


def pdf_text(content: bytes, folder: Path) -> str:
    path = folder / "report.pdf"
    path.write_bytes(content)
    output = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(output.split())


def pdf_info(content: bytes, folder: Path, *options: str) -> str:
    path = folder / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdfinfo", *options, str(path)], capture_output=True, text=True, check=True).stdout


def pdf_languages(content: bytes) -> list[str]:
    """The document's language (the catalog's /Lang), read from the PDF's compressed object streams."""
    found = []
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.DOTALL):
        try:
            found += re.findall(rb"/Lang\s*\(([^)]*)\)", zlib.decompress(stream.group(1)))
        except zlib.error:
            continue  # not a Flate stream (an image, a font)
    return [language.decode() for language in found]


def html_text(content: bytes) -> str:
    body = content.decode().split("<body", 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", body).replace("&#x27;", "'").replace("&quot;", '"').split())


# --- Spreadsheet injection ---------------------------------------------------------------------


@pytest.mark.parametrize("typed", [*TYPED, "=1+1", "-", "@", "\t", "\r"])
def test_text_a_spreadsheet_would_run_is_prefixed_with_a_quote(typed: str) -> None:
    from alliance.spreadsheets import safe_cell

    assert safe_cell(typed) == "'" + typed


@pytest.mark.parametrize("value", [-3, -2.5, Decimal("-1.5"), 0, True, False, None, "", "Work is under way", "a=b"])
def test_numbers_and_ordinary_text_are_left_as_they_are(value: object) -> None:
    from alliance.spreadsheets import safe_cell

    assert safe_cell(value) is value


def test_a_typed_formula_is_text_in_every_xlsx_and_csv(compiled: Compiled) -> None:
    from openpyxl import load_workbook

    for edition, files in compiled.files.items():
        rows = list(csv.DictReader(io.StringIO(files["csv"].decode(), newline="")))
        assert sorted(row["narrative"] for row in rows) == sorted("'" + typed for typed in TYPED), edition
        book = load_workbook(io.BytesIO(files["xlsx"]))
        cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
        assert [cell.coordinate for cell in cells if cell.data_type == "f"] == [], edition
        # An XML parser reads a carriage return as a line feed; the quote before it is what counts.
        texts = {cell.value.replace("\r", "\n") for cell in cells if isinstance(cell.value, str)}
        for typed in TYPED:
            assert ("'" + typed).replace("\r", "\n") in texts, (edition, typed)
            assert typed.replace("\r", "\n") not in texts, (edition, typed)


def test_members_csv_neutralises_the_text_it_holds(alliance: None) -> None:
    # Names and cycle names are typed in the admin; the table must not turn them into formulas.
    MemberState.objects.filter(iso_code="FR").update(name=TYPED[0])
    answer = ApiClient().get("/api/v1/members.csv")
    assert answer.status_code == 200
    rows = {row["iso_code"]: row for row in csv.DictReader(io.StringIO(answer.content.decode()))}
    assert rows["FR"]["name"] == "'" + TYPED[0]
    assert rows["DE"]["name"] == "Germany"
    assert rows["DE"]["commitments"] == "0"  # counts stay numbers


# --- The PDF and the HTML ----------------------------------------------------------------------


def test_the_pdf_and_html_show_words_and_dates_not_codes(compiled: Compiled, tmp_path: Path) -> None:
    for edition, files in compiled.files.items():
        for fmt, text in (("pdf", pdf_text(files["pdf"], tmp_path)), ("html", html_text(files["html"]))):
            where = f"{edition} {fmt}"
            assert codes_in(text, compiled.reference_codes) == [], where
            assert ISO_DATE.findall(text) == [], where
            assert date_format(compiled.due_on, "j F Y") in text, where
            assert "1 April 2027" in text, where  # the milestone
            assert "On track" in text, where
            assert "Accepted" in text, where
            # Sentences are built from what there is: no empty piece between two separators (after
            # the contents page, whose dotted leaders are no sentence).
            body = text[text.index("Alliance overview", text.index("Alliance overview") + 1) :]
            assert re.findall(r"[:;,]\s*[;,.]|\(\s*\)|\s[;,.]", body) == [], where
            assert "median takedown time 47 hours" in text.lower(), where
            assert "1,234 victims identified" in text, where


def test_the_pdf_is_tagged_with_a_title_a_language_and_contents(compiled: Compiled, tmp_path: Path) -> None:
    for edition, files in compiled.files.items():
        info = pdf_info(files["pdf"], tmp_path)
        assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE), edition
        title = re.search(r"^Title:\s+(.+)$", info, re.MULTILINE)
        assert title is not None, edition
        assert compiled.cycle_name in title.group(1)
        assert 'pdfuaid:part="1"' in pdf_info(files["pdf"], tmp_path, "-meta"), edition
        assert pdf_languages(files["pdf"]) == ["en-gb"], edition
        structure = pdf_info(files["pdf"], tmp_path, "-struct")
        assert "H1" in structure, edition
        assert "Table" in structure, edition
        text = pdf_text(files["pdf"], tmp_path)
        assert "Contents" in text
        # The bookmarks a reader's side panel shows, and the contents page's links to the sections.
        outline = subprocess.run(
            ["pdftohtml", "-xml", "-i", "-stdout", str(tmp_path / "report.pdf")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "<outline>" in outline, edition
        assert "Alliance overview</item>" in outline, edition
        assert "Member states</item>" in outline, edition
        assert pdf_info(files["pdf"], tmp_path, "-dests").count("\n") > 4, edition
    html = compiled.files["public"]["html"].decode()
    assert '<html lang="en' in html
    assert '<a href="#member-states">' in html


# --- The XLSX ----------------------------------------------------------------------------------


def test_the_xlsx_is_typed_with_readable_headers_widths_a_frozen_header_and_filters(compiled: Compiled) -> None:
    from openpyxl import load_workbook

    for edition, files in compiled.files.items():
        book = load_workbook(io.BytesIO(files["xlsx"]))
        for sheet in book:
            header = [cell.value for cell in sheet[1]]
            assert all(isinstance(name, str) and name[0].isupper() and "_" not in name for name in header), header
            assert sheet.freeze_panes == "A2", sheet.title
            assert sheet.auto_filter.ref == sheet.dimensions, sheet.title
            assert all(sheet.column_dimensions[cell.column_letter].customWidth for cell in sheet[1]), sheet.title
        commitments = book["Commitments"]
        header = [cell.value for cell in commitments[1]]
        rows = [dict(zip(header, row, strict=True)) for row in commitments.iter_rows(min_row=2)]
        assert len(rows) == len(TYPED), edition
        for row in rows:
            assert row["Member state"].value == "France"
            assert row["Report"].value == "Accepted"
            assert row["Late"].value == "No"
            assert row["Status"].value == "On track"
            assert row["Confidentiality"].value == "Public"
            assert isinstance(row["Commitment number"].value, int)
            assert row["Completion"].value == pytest.approx(0.6)
            assert "%" in row["Completion"].number_format
        assert [r["Victims identified (ICSE)"].value for r in rows if r["Victims identified (ICSE)"].value] == [1234]
        takedown = [r["Median takedown time (hours)"].value for r in rows if r["Median takedown time (hours)"].value]
        assert takedown == [47]
        assert {r["Policy target"].value for r in rows} >= {"Policy target 3: Raise awareness of online risks"}

        overview = {row[0].value: row[1] for row in book["Overview"].iter_rows(min_row=2)}
        assert isinstance(overview["Due on"].value, datetime)
        assert overview["Due on"].value.date() == compiled.due_on
        assert "yy" in overview["Due on"].number_format.lower()
        assert overview["Member states"].value == 54
        assert overview["Final report"].value == "No"
        assert overview["Average completion of reported commitments"].value == pytest.approx(0.6)

        checks = book["Goal checks"]
        header = [cell.value for cell in checks[1]]
        rows = [dict(zip(header, row, strict=True)) for row in checks.iter_rows(min_row=2, values_only=True)]
        assert len(rows) == 54
        france = next(row for row in rows if row["ISO code"] == "FR")
        assert france["Victims identified (ICSE), this year"] == 1234
        assert france["ICSE goal"] == CheckResult.NO_PREVIOUS.label
        assert {row["ICSE goal"] for row in rows} <= set(CheckResult.labels)
        assert {row["Notice and takedown times"] for row in rows} <= set(Trend.labels)
