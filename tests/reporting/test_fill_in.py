"""A report filled offline: the spreadsheet downloaded, filled as a person would in a spreadsheet
program (openpyxl), uploaded, previewed and confirmed; the editor's conflict rule; bad files."""

import io
import re
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import User
from commitments import services
from commitments.models import Commitment, HistoryEntry, MemberState, ProgressUpdate, SpreadsheetImport, Submission
from tests.factories import CommitmentFactory
from tests.reporting import files
from tests.spreadsheets import columns, fill, row_of

pytestmark = pytest.mark.django_db

ICSE = "Connect the victim identification unit to ICSE"
AWARENESS = "Run a school awareness campaign"


def download(client: Client, submission: Submission) -> Any:
    response = client.get(reverse("commitments:fill_in_download", args=[submission.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content))


def saved(book: Any, name: str = "report.xlsx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client: Client, submission: Submission, file: SimpleUploadedFile) -> Any:
    return client.post(reverse("commitments:fill_in_upload", args=[submission.pk]), {"file": file})


def preview_of(client: Client, response: Any) -> tuple[SpreadsheetImport, str]:
    assert response.status_code == 302, response.content.decode()[:2000]
    found = re.search(r"/spreadsheet/(\d+)/$", response["Location"])
    assert found is not None
    page = client.get(response["Location"])
    assert page.status_code == 200
    return SpreadsheetImport.objects.get(pk=int(found.group(1))), page.content.decode()


def confirm(client: Client, pending: SpreadsheetImport) -> Any:
    url = reverse("commitments:fill_in_preview", args=[pending.submission_id, pending.pk])
    return client.post(url, {"decision": "apply"}, follow=True)


def test_a_filled_spreadsheet_round_trips_into_the_draft_and_a_second_upload_changes_nothing(
    client: Client, contact: User, draft: Submission
) -> None:
    client.force_login(contact)
    book = download(client, draft)
    sheet = book.worksheets[0]
    assert book.sheetnames[:2] == ["Updates", "Instructions"]
    assert sheet.protection.sheet  # only the cells to fill can change
    # Figures only where the goal measures them: the awareness pledge's figure cells are locked.
    awareness_line = row_of(sheet, AWARENESS)
    victims = columns(sheet)["Victims identified in the ICSE database in the period"]
    assert sheet.cell(row=awareness_line, column=victims).protection.locked
    icse_line = row_of(sheet, ICSE)
    assert not sheet.cell(row=icse_line, column=columns(sheet)["Status"]).protection.locked
    assert any("On track" in str(check.formula1) for check in sheet.data_validations.dataValidation)

    fill(
        sheet,
        ICSE,
        **{
            "Status": "On track",
            "Completion (%)": 60,
            "Confidentiality": "Public",
            "Narrative": "The unit is connected to ICSE; 14 officers are trained.",
            "Victims identified in the ICSE database in the period": 37,
            "Source of the figures": "National police statistics",
        },
    )
    fill(sheet, AWARENESS, **{"Status": "Delayed", "Completion (%)": 30, "Narrative": "Launch moved to spring."})
    file = saved(book)
    pending, page = preview_of(client, upload(client, draft, file))
    assert page.count("Will be saved") == 2
    assert not ProgressUpdate.objects.filter(submission=draft).exists()  # nothing before the confirmation

    confirm(client, pending)
    icse = ProgressUpdate.objects.get(submission=draft, commitment__title=ICSE)
    assert (icse.status, icse.completion_percent, icse.confidentiality) == ("on_track", 60, "public")
    assert icse.narrative == "The unit is connected to ICSE; 14 officers are trained."
    assert (icse.icse_victims_identified, icse.figures_source) == (37, "National police statistics")
    awareness = ProgressUpdate.objects.get(submission=draft, commitment__title=AWARENESS)
    assert (awareness.status, awareness.completion_percent, awareness.narrative) == (
        "delayed",
        30,
        "Launch moved to spring.",
    )
    assert HistoryEntry.objects.filter(submission=draft, action="imported").count() == 1
    pending.refresh_from_db()
    assert pending.status == SpreadsheetImport.Status.APPLIED

    # The same file again: every row as the report is now, nothing to save.
    versions = dict(ProgressUpdate.objects.filter(submission=draft).values_list("pk", "version"))
    again, page = preview_of(client, upload(client, draft, saved(book)))
    assert "Will be saved" not in page
    assert page.count("No change") == 2
    assert "No row will be saved" in page
    assert "Save 0" not in page
    confirm(client, again)
    assert dict(ProgressUpdate.objects.filter(submission=draft).values_list("pk", "version")) == versions
    assert HistoryEntry.objects.filter(submission=draft, action="imported").count() == 2  # recorded, empty


def test_a_row_edited_in_the_browser_after_the_download_is_a_conflict_not_overwritten(
    client: Client, contact: User, draft: Submission, french_commitments: list[Commitment]
) -> None:
    client.force_login(contact)
    book = download(client, draft)
    # After the download, a colleague writes the ICSE update in the browser.
    services.progress_update_save(
        submission=draft,
        commitment=french_commitments[0],
        actor=contact,
        values={"status": "on_track", "completion_percent": 80, "narrative": "Typed in the browser."},
        expected_version=0,
    )
    sheet = book.worksheets[0]
    fill(sheet, ICSE, **{"Status": "Delayed", "Completion (%)": 10, "Narrative": "Typed in the file."})
    fill(sheet, AWARENESS, **{"Status": "On track", "Completion (%)": 20})
    pending, page = preview_of(client, upload(client, draft, saved(book)))
    assert "Conflict: not overwritten" in page
    assert "Edited in the tracker after this file was downloaded" in page
    confirm(client, pending)
    icse = ProgressUpdate.objects.get(submission=draft, commitment=french_commitments[0])
    assert (icse.narrative, icse.completion_percent) == ("Typed in the browser.", 80)
    # The other row, not edited in the tracker, is saved.
    assert ProgressUpdate.objects.get(submission=draft, commitment=french_commitments[1]).completion_percent == 20


def test_each_cell_error_is_named_and_no_row_with_one_is_saved(
    client: Client, contact: User, draft: Submission
) -> None:
    client.force_login(contact)
    germany = CommitmentFactory.create(member_state=MemberState.objects.get(iso_code="DE"), title="German pledge")
    book = download(client, draft)
    sheet = book.worksheets[0]
    fill(sheet, ICSE, **{"Status": "Finished", "Completion (%)": 120})
    fill(
        sheet,
        AWARENESS,
        **{"Status": "On track", "Completion (%)": 50, "Median hours from notice to takedown": 12},
    )
    sheet.append([999999, "", "", "Not a pledge"])
    sheet.append([germany.pk, "", "", "German pledge"])
    _pending, page = preview_of(client, upload(client, draft, saved(book)))
    assert "Choose a status from the list (“Finished” is not one)." in page
    assert "Completion cannot exceed 100 percent." in page
    assert "This commitment&#x27;s operational goal does not measure this figure; leave it empty." in page
    assert "This row has no commitment number the tracker knows." in page
    assert f"Commitment {germany.pk} belongs to another member state." in page
    assert "Will be saved" not in page
    assert "Save 1" not in page
    assert not ProgressUpdate.objects.filter(submission=draft).exists()


def test_a_formula_in_a_cell_is_imported_as_its_text_never_run(
    client: Client, contact: User, draft: Submission
) -> None:
    client.force_login(contact)
    book = download(client, draft)
    fill(book.worksheets[0], AWARENESS, **{"Status": "On track", "Narrative": '=HYPERLINK("http://evil.example","x")'})
    pending, _page = preview_of(client, upload(client, draft, saved(book)))
    confirm(client, pending)
    update = ProgressUpdate.objects.get(submission=draft, commitment__title=AWARENESS)
    assert update.narrative == '=HYPERLINK("http://evil.example","x")'
    # Downloaded again, the text is written so that a spreadsheet shows it as text.
    again = download(client, draft).worksheets[0]
    cell = again.cell(row=row_of(again, AWARENESS), column=columns(again)["Narrative"])
    assert cell.value == '\'=HYPERLINK("http://evil.example","x")'
    assert cell.data_type == "s"


def _ten_thousand_rows(client: Client, draft: Submission) -> bytes:
    book = download(client, draft)
    sheet = book.worksheets[0]
    for number in range(10_000):
        sheet.append([number, "", "", f"Row {number}"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_macros(client: Client, draft: Submission) -> bytes:
    plain = io.BytesIO(client.get(reverse("commitments:fill_in_download", args=[draft.pk])).content)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 512)
    return out.getvalue()


BAD_FILES = [
    pytest.param("report.xlsx", lambda c, d: files.PDF, "This file is not an Excel workbook (.xlsx)", id="pdf"),
    pytest.param("report.xlsx", lambda c, d: bytes(range(256)) * 4, "This file is not an Excel workbook", id="bytes"),
    pytest.param(
        "report.xlsx",
        lambda c, d: b"Commitment number;Status\n1;On track\n",
        "This file is text (a CSV file, perhaps), not a workbook",
        id="renamed-csv",
    ),
    pytest.param("report.xlsm", _with_macros, "Files with macros are refused", id="macros"),
    pytest.param(
        "report.xlsx",
        lambda c, d: files.bomb(files.XLSX_PARTS, "xl/worksheets/sheet1.xml"),
        "This file is refused",
        id="zip-bomb",
    ),
    pytest.param("report.xlsx", _ten_thousand_rows, "The sheet has more than 2000 rows", id="10000-rows"),
    pytest.param(
        "report.xlsx",
        lambda c, d: saved(Workbook()).read(),
        "This is not a file the tracker made",
        id="another-workbook",
    ),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD_FILES)
def test_a_bad_file_gets_a_clear_message_and_changes_nothing(
    client: Client, contact: User, draft: Submission, name: str, make: Any, message: str
) -> None:
    client.force_login(contact)
    response = upload(client, draft, SimpleUploadedFile(name, make(client, draft)))
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert not SpreadsheetImport.objects.exists()
    assert not ProgressUpdate.objects.filter(submission=draft).exists()


def test_a_confirmation_without_a_decision_is_a_400_and_changes_nothing(
    client: Client, contact: User, draft: Submission
) -> None:
    client.force_login(contact)
    book = download(client, draft)
    fill(book.worksheets[0], AWARENESS, **{"Status": "On track", "Completion (%)": 20})
    pending, _page = preview_of(client, upload(client, draft, saved(book)))
    url = reverse("commitments:fill_in_preview", args=[draft.pk, pending.pk])
    refused = client.post(url, {"decision": "maybe"})
    assert refused.status_code == 400
    assert "(decision)" in refused.content.decode()
    pending.refresh_from_db()
    assert pending.status == SpreadsheetImport.Status.PENDING
    assert not ProgressUpdate.objects.filter(submission=draft).exists()


def test_only_the_member_states_contacts_download_and_upload(client: Client, reviewer: User, draft: Submission) -> None:
    client.force_login(reviewer)
    assert client.get(reverse("commitments:fill_in_download", args=[draft.pk])).status_code in (403, 404)
    response = client.post(reverse("commitments:fill_in_upload", args=[draft.pk]), {})
    assert response.status_code in (403, 404)


def test_the_download_is_in_the_persons_language(client: Client, contact: User, draft: Submission) -> None:
    User.objects.filter(pk=contact.pk).update(language="fr")
    client.force_login(contact)
    book = download(client, draft)
    assert book.sheetnames[0] == "Points d'avancement"
    assert "Statut" in columns(book.worksheets[0])
    # A file in French reads back whatever the language of whoever uploads it.
    fill(book.worksheets[0], AWARENESS, **{"Statut": "En retard", "Taux de réalisation (%)": 15})
    User.objects.filter(pk=contact.pk).update(language="es")
    pending, _page = preview_of(client, upload(client, draft, saved(book)))
    confirm(client, pending)
    update = ProgressUpdate.objects.get(submission=draft, commitment__title=AWARENESS)
    assert (update.status, update.completion_percent) == ("delayed", 15)
    assert update.takedown_median_hours is None
