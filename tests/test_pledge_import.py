"""Pledges in bulk: the secretariat imports commitments for one or many member states from a
spreadsheet in the admin, sees per row what will be created and per cell any error, and creates
them only when it confirms; bad files are refused with a message, never a 500."""

import html
import io
import re
import zipfile
from datetime import date
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from accounts.models import User
from commitments.models import Commitment, HistoryEntry, MemberState
from commitments.pledge_import import check_rows, read_upload
from commitments.services import PledgesChanged, pledges_import
from tests.factories import CommitmentFactory
from tests.reporting import files

IMPORT = "/admin/commitments/commitment/import/"
TEMPLATE = "/admin/commitments/commitment/import/template/"
CHANGELIST = "/admin/commitments/commitment/"

HEADER = [
    "Member state (ISO code)",
    "Policy target (code)",
    "Operational goal (code)",
    "Potential action (code)",
    "Title",
    "Description",
    "Planned start",
    "Planned end",
    "Status",
]


def _french(label: Any) -> str:
    with translation.override("fr"):
        return str(label)


def _rows() -> list[list[Any]]:
    """Three valid rows for France and Germany, then two with errors."""
    return [
        ["FR", "victims", "icse-identified-victims", "", "Connect the unit to ICSE", "Access for 12 officers",
         date(2025, 1, 1), "2025-12-31", "On track"],
        ["fr", "awareness", "awareness-campaigns", "", "Run a school awareness campaign", "", None, None, ""],
        ["DE", "prosecution", "joint-law-enforcement", "law-enforcement-exchange", "Join a joint investigation team",
         "", "2025-03-01", date(2026, 3, 1), _french(Commitment.Status.DELAYED.label)],
        ["XX", "victims", "", "", "A pledge of nobody", "", None, None, "Maybe"],
        ["FR", "victims", "awareness-campaigns", "", "A goal of another target", "", "2025-06-01", "2025-01-01",
         "on_track"],
    ]  # fmt: skip


def _workbook(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client: Client, data: bytes, name: str = "pledges.xlsx") -> tuple[int, str]:
    response = client.post(IMPORT, {"file": SimpleUploadedFile(name, data)})
    return response.status_code, html.unescape(response.content.decode())


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _outcome(page: str, line: int) -> str:
    row = re.search(rf'<tr id="row-{line}" class="outcome-(\w+)">(.*?)</tr>', page, re.S)
    assert row is not None, f"row {line} is not in the preview"
    return row.group(1) + ": " + _text(row.group(2)).strip()


def _confirm_form(page: str) -> dict[str, str]:
    token = re.search(r'name="token" value="([^"]+)"', page)
    sha256 = re.search(r'name="sha256" value="([0-9a-f]{64})"', page)
    assert token is not None, "the preview has no confirm button"
    assert sha256 is not None
    return {"token": token.group(1), "sha256": sha256.group(1)}


def _imported() -> int:
    return HistoryEntry.objects.filter(action="imported", subject_type="commitment").count()


# --- The template -------------------------------------------------------------------------------


def test_the_template_downloads_opens_and_lists_the_codes(client: Client, secretariat_admin: User) -> None:
    client.force_login(secretariat_admin)
    assert 'href="/admin/commitments/commitment/import/"' in client.get(CHANGELIST).content.decode()
    assert TEMPLATE in client.get(IMPORT).content.decode()
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    pledges, instructions = book.worksheets
    assert [cell.value for cell in pledges[1]] == HEADER
    assert pledges.max_row == 1  # nothing but the titles to fill under
    listed = {str(cell.value) for row in instructions.iter_rows() for cell in row if cell.value is not None}
    assert {"FR", "DE", "victims", "icse-identified-victims", "law-enforcement-exchange", "On track"} <= listed
    assert "XX" not in listed
    validated = {str(check.sqref).split(":")[0] for check in pledges.data_validations.dataValidation}
    assert {"A2", "B2", "C2", "D2", "G2", "H2", "I2"} <= validated


def test_the_template_filled_in_imports(client: Client, secretariat_admin: User) -> None:
    client.force_login(secretariat_admin)
    book = load_workbook(io.BytesIO(client.get(TEMPLATE).content))
    book.worksheets[0].append(["NO", "availability", "notice-and-takedown-speed", "", "Faster takedowns"])
    buffer = io.BytesIO()
    book.save(buffer)
    status, page = _upload(client, buffer.getvalue())
    assert status == 200
    assert _outcome(page, 2).startswith("create: 2 NO (Norway) Faster takedowns Will be created")


# --- Preview, confirm, again ----------------------------------------------------------------------


def test_the_preview_shows_each_cells_error_and_the_rows_to_create(client: Client, secretariat_admin: User) -> None:
    client.force_login(secretariat_admin)
    before = Commitment.objects.count()
    status, page = _upload(client, _workbook(_rows()))
    assert status == 200
    assert "Create 3 pledges" in page
    for line in (2, 3, 4):
        assert _outcome(page, line).startswith("create:")
    unknown = _outcome(page, 5)
    assert unknown.startswith("error:")
    assert "Member state (ISO code) : “XX” is not the ISO code of a member state" in unknown
    assert "Status : “Maybe” is not a status: choose one of Not started, On track" in unknown
    crossed = _outcome(page, 6)
    assert crossed.startswith("error:")
    assert "Operational goal (code) : This operational goal belongs to another policy target." in crossed
    assert "The planned end cannot be before the planned start." in crossed
    assert Commitment.objects.count() == before  # a preview creates nothing


def test_confirming_creates_exactly_the_valid_rows_with_their_history(client: Client, secretariat_admin: User) -> None:
    client.force_login(secretariat_admin)
    before = Commitment.objects.count()
    _status, page = _upload(client, _workbook(_rows()))
    done = client.post(IMPORT, _confirm_form(page), follow=True)
    assert done.status_code == 200
    assert "3 pledges created from pledges.xlsx." in html.unescape(done.content.decode())
    assert Commitment.objects.count() == before + 3
    made = {c.title: c for c in Commitment.objects.filter(created_by=secretariat_admin)}
    assert set(made) == {
        "Connect the unit to ICSE",
        "Run a school awareness campaign",
        "Join a joint investigation team",
    }
    icse = made["Connect the unit to ICSE"]
    assert icse.member_state.iso_code == "FR"
    assert (icse.goal and icse.goal.code, icse.status) == ("icse-identified-victims", "on_track")
    assert (icse.planned_start, icse.planned_end) == (date(2025, 1, 1), date(2025, 12, 31))
    joint = made["Join a joint investigation team"]
    assert (joint.member_state.iso_code, joint.action and joint.action.code) == ("DE", "law-enforcement-exchange")
    assert joint.status == Commitment.Status.DELAYED  # from its French label
    assert made["Run a school awareness campaign"].status == Commitment.Status.NOT_STARTED
    entries = HistoryEntry.objects.filter(action="imported", subject_type="commitment")
    assert sorted(e.subject_id for e in entries) == sorted(c.pk for c in made.values())
    for entry in entries:
        assert entry.actor == secretariat_admin
        assert entry.changes["file"] == [None, "pledges.xlsx"]
        assert entry.member_state is not None
        assert entry.member_state.iso_code == entry.subject_label[:2]
    # The same confirmation sent twice (a double click) creates nothing more.
    again = client.post(IMPORT, _confirm_form(page), follow=True)
    assert "no longer waiting" in html.unescape(again.content.decode())
    assert Commitment.objects.count() == before + 3


def test_importing_the_same_file_again_creates_nothing(client: Client, secretariat_admin: User) -> None:
    client.force_login(secretariat_admin)
    data = _workbook(_rows())
    _status, page = _upload(client, data)
    client.post(IMPORT, _confirm_form(page))
    after_first = Commitment.objects.count()
    _status, page = _upload(client, data)
    for line in (2, 3, 4):
        assert "the member state has this pledge already" in _outcome(page, line)
    assert _outcome(page, 5).startswith("error:")
    assert 'name="token"' not in page
    assert "No row of this file can be created." in page
    assert Commitment.objects.count() == after_first


def test_a_row_repeating_an_earlier_row_of_the_file_is_created_once(secretariat_admin: User) -> None:
    row = ["FR", "victims", "", "", "Train 40 investigators", "", None, None, ""]
    preview = check_rows(_read([row, row]))
    assert [r.outcome for r in preview.rows] == ["create", "duplicate"]
    assert preview.rows[1].duplicate_of == 2


def test_a_change_since_the_preview_applies_nothing(client: Client, secretariat_admin: User) -> None:
    client.force_login(secretariat_admin)
    before = Commitment.objects.count()
    _status, page = _upload(client, _workbook(_rows()))
    # Meanwhile, a contact pledges one of the rows in the browser.
    germany = MemberState.objects.get(iso_code="DE")
    CommitmentFactory.create(member_state=germany, title="Join a joint investigation team")
    response = client.post(IMPORT, _confirm_form(page))
    page = html.unescape(response.content.decode())
    assert "Something changed since the preview: nothing was created." in page
    assert _outcome(page, 4).startswith("duplicate:")
    assert Commitment.objects.count() == before + 1  # only the contact's
    # The new preview can be confirmed for the rows still to create.
    assert "Create 2 pledges" in page
    client.post(IMPORT, _confirm_form(page))
    assert Commitment.objects.count() == before + 3


def test_a_formula_is_imported_as_its_text_never_run(client: Client, secretariat_admin: User) -> None:
    client.force_login(secretariat_admin)
    data = _workbook([["FR", "victims", "", "", "=1+1", '=HYPERLINK("http://example.org","x")', None, None, ""]])
    _status, page = _upload(client, data)
    assert _outcome(page, 2).startswith("create: 2 FR (France) =1+1 Will be created")
    client.post(IMPORT, _confirm_form(page))
    made = Commitment.objects.get(created_by=secretariat_admin)
    assert made.title == "=1+1"
    assert made.description == '=HYPERLINK("http://example.org","x")'


# --- Bad files ------------------------------------------------------------------------------------


def _macro_enabled() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_workbook(_rows()[:1]))) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + bytes(512))
    return buffer.getvalue()


def _many_rows(count: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for index in range(count):
        sheet.append(["FR", "victims", None, None, f"Pledge {index}"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


NOT_A_WORKBOOK = "This file is not an Excel workbook (.xlsx)"
CSV = "This file is text (a CSV file, perhaps), not a workbook"


def _csv(encoding: str) -> bytes:
    """A CSV of the template's columns, its first 512 bytes ending inside an accented letter in UTF-8."""
    head = ",".join(HEADER) + "\nFR,victims,,,"
    pad = 510 - len(head.encode())  # "C" is byte 511 (counting from 1), "ô" starts at byte 512
    return (head + "x" * pad + "Côte d'Ivoire cooperation,,,,\n").encode(encoding)


BAD_FILES = [
    pytest.param("pledges.xlsx", bytes(range(256)) * 8, NOT_A_WORKBOOK, id="random-bytes"),
    pytest.param("pledges.pdf", files.PDF, NOT_A_WORKBOOK, id="pdf"),
    pytest.param("pledges.xlsx", _macro_enabled, "Files with macros are refused", id="macros"),
    pytest.param(
        "pledges.xlsx", lambda: files.bomb(files.XLSX_PARTS, "xl/worksheets/sheet1.xml"), "zip bomb", id="zip-bomb"
    ),
    pytest.param("pledges.xlsx", lambda: _many_rows(10_000), "The sheet has more than 2000 rows", id="10000-rows"),
    pytest.param("pledges.xlsx", lambda: _csv("utf-8"), CSV, id="renamed-csv"),
    pytest.param("pledges.xlsx", lambda: _csv("cp1252"), CSV, id="renamed-csv-windows"),
    pytest.param(
        "pledges.xlsx", lambda: _workbook([["FR", "x"]], header=["Country", "Pledge"]), "template's columns", id="other"
    ),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD_FILES)
def test_a_bad_file_is_refused_with_a_message_and_creates_nothing(
    client: Client, secretariat_admin: User, settings: LazySettings, name: str, make: Any, message: str
) -> None:
    settings.SPREADSHEET_MAX_ROWS = 2000
    client.force_login(secretariat_admin)
    before = Commitment.objects.count()
    data = make() if callable(make) else make
    status, page = _upload(client, data, name)
    assert status == 200
    assert message in page
    assert 'aria-invalid="true"' in page
    assert 'name="token"' not in page
    assert Commitment.objects.count() == before
    assert _imported() == 0


# --- Who may import ------------------------------------------------------------------------------


def test_a_contact_cannot_reach_the_import(client: Client, contact: User) -> None:
    client.force_login(contact)
    for url in (IMPORT, TEMPLATE):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or "/login/" in response["Location"]
    response = client.post(IMPORT, {"file": SimpleUploadedFile("pledges.xlsx", _workbook(_rows()))})
    assert response.status_code in (302, 403)


def test_a_reviewer_cannot_reach_the_import(client: Client, reviewer: User) -> None:
    reviewer.is_staff = True
    reviewer.save(update_fields=["is_staff"])
    client.force_login(reviewer)
    assert client.get(IMPORT).status_code == 403
    assert 'href="/admin/commitments/commitment/import/"' not in client.get(CHANGELIST).content.decode()


def _read(rows: list[list[Any]]) -> list[tuple[int, dict[str, Any], dict[str, str]]]:
    return read_upload(SimpleUploadedFile("pledges.xlsx", _workbook(rows)))


def test_the_service_refuses_anyone_but_a_secretariat_administrator(contact: User, reviewer: User) -> None:
    preview = check_rows(_read(_rows()[:3]))
    kept = preview.kept_values()
    assert len(kept) == 3
    before = Commitment.objects.count()
    for actor in (contact, reviewer):
        with pytest.raises(PermissionDenied):
            pledges_import(rows=kept, actor=actor, file_name="pledges.xlsx")
    assert Commitment.objects.count() == before


def test_the_service_creates_all_or_none(secretariat_admin: User) -> None:
    kept = check_rows(_read(_rows()[:3])).kept_values()
    kept[1] = {**kept[1], "goal": "icse-identified-victims"}  # changed since: a goal of another target
    before = Commitment.objects.count()
    with pytest.raises(PledgesChanged) as refused:
        pledges_import(rows=kept, actor=secretariat_admin, file_name="pledges.xlsx")
    assert [row.outcome for row in refused.value.preview.rows] == ["create", "error", "create"]
    assert Commitment.objects.count() == before
    assert _imported() == 0


def test_an_array_formula_is_read_as_its_text(alliance: None) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["FR", "victims", None, None, None])
    sheet["E2"] = ArrayFormula("E2", "=SUM(1,1)")
    buffer = io.BytesIO()
    book.save(buffer)
    ((_line, values, _errors),) = read_upload(SimpleUploadedFile("pledges.xlsx", buffer.getvalue()))
    assert values["title"] == "=SUM(1,1)"
