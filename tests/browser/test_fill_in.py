"""A report filled offline, in a real browser: France's contact downloads the report as a
spreadsheet, fills it in as a person would in a spreadsheet program (openpyxl here), uploads it,
reads the preview and its errors, sets the file aside, corrects it, uploads it again and saves.

Screenshots of the steps are kept in var/screenshots/fill-in/.
"""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Locator, Page, expect

from accounts.models import User
from commitments.models import ProgressUpdate, SpreadsheetImport, Submission
from tests.browser.audit import audit, screenshot_taker
from tests.browser.conftest import slow_down
from tests.browser.people import sign_in
from tests.spreadsheets import columns, fill

pytestmark = pytest.mark.browser

CYCLE = "Progress report (test)"
ICSE = "Connect the victim identification unit to ICSE"
AWARENESS = "Run a school awareness campaign"

ICSE_NARRATIVE = "The identification unit is connected to ICSE and 14 officers are trained."
ICSE_SOURCE = "National police annual statistics"
VICTIMS = "Victims identified in the ICSE database in the period"

BAD_STATUS = "Choose a status from the list (“Finished” is not one)."
TOO_MUCH = "Completion cannot exceed 100 percent."

SCREENSHOTS = [
    "01-offline-section.png",
    "02-preview-with-errors.png",
    "03-preview.png",
    "04-saved.png",
]


# --- The spreadsheet, filled as a person would ----------------------------------------------------


# --- The pages ------------------------------------------------------------------------------------


def card(page: Page, title: str) -> Locator:
    """The card of one commitment on the editor (an <article> named by its title)."""
    return page.get_by_role("article", name=title)


def preview_row(page: Page, title: str) -> Locator:
    """The preview's row of one commitment."""
    return page.get_by_role("row").filter(has=page.get_by_role("cell", name=title, exact=True))


def offline_section(page: Page) -> Locator:
    return page.get_by_role("region", name="Fill in offline")


def upload(page: Page, file: Path) -> None:
    """From the editor, through the "upload it" link, to the preview of `file`."""
    offline_section(page).get_by_role("link", name="upload it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a filled spreadsheet")
    page.get_by_label("The filled spreadsheet (.xlsx)").set_input_files(file)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What the spreadsheet changes")
    expect(page).to_have_url(re.compile(r"/spreadsheet/\d+/$"))
    expect(page.locator("p.lead")).to_contain_text(f"“{file.name}”")
    expect(page.locator("p.lead")).to_contain_text("Nothing is saved until you confirm.")


def expect_editor(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(f"France: {CYCLE}")


@pytest.fixture
def shoot(screenshots: Path) -> Callable[[Page, str], None]:
    return screenshot_taker(screenshots / "fill-in", SCREENSHOTS)


# --- The flow -------------------------------------------------------------------------------------


def test_a_report_filled_offline_is_previewed_corrected_and_saved(
    page: Page,
    contact: User,
    draft: Submission,
    shoot: Callable[[Page, str], None],
    screenshots: Path,
    tmp_path: Path,
) -> None:
    slow_down(page, cpu=4)
    folder = screenshots / "fill-in"

    # 1. France's contact signs in and opens the report: the editor offers to fill it in offline.
    sign_in(page, contact)
    page.get_by_role("link", name=f"Open {CYCLE}").click()
    expect_editor(page)
    expect(page.get_by_text("Updates written: 0 of 2")).to_be_visible()
    section = offline_section(page)
    expect(section.get_by_role("heading", level=2)).to_have_text("Fill in offline")
    download_link = section.get_by_role("link", name="Download this report as a spreadsheet")
    expect(download_link).to_be_visible()
    expect(section.get_by_role("link", name="upload it")).to_be_visible()
    # The section alone in the picture, after the whole page's accessibility check.
    audit(page, "01-offline-section.png")
    section.screenshot(path=str(folder / "01-offline-section.png"))

    # 2. Download the spreadsheet.
    with page.expect_download() as downloading:
        download_link.click()
    download = downloading.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    downloaded = tmp_path / download.suggested_filename
    download.save_as(downloaded)
    expect_editor(page)  # a download, not a navigation

    # 3. Fill it in, with two mistakes on the awareness row.
    book = load_workbook(downloaded)
    sheet = book.worksheets[0]
    assert {"Status", "Completion (%)", "Narrative", VICTIMS, "Source of the figures"} <= set(columns(sheet))
    fill(
        sheet,
        ICSE,
        **{
            "Status": "On track",
            "Completion (%)": 60,
            "Narrative": ICSE_NARRATIVE,
            VICTIMS: 37,
            "Source of the figures": ICSE_SOURCE,
        },
    )
    fill(sheet, AWARENESS, **{"Status": "Finished", "Completion (%)": 120})
    with_errors = tmp_path / "report-with-errors.xlsx"
    book.save(with_errors)

    # 4. Upload it: the preview names each cell's error, and nothing is saved yet.
    upload(page, with_errors)
    expect(page.locator("ul.summary")).to_contain_text("1 row will be saved as a draft update.")
    expect(page.locator("ul.summary")).to_contain_text("1 row has errors: it will not be saved.")
    icse_row = preview_row(page, ICSE)
    expect(icse_row).to_contain_text("Will be saved")
    expect(icse_row).to_contain_text("On track")
    wrong = preview_row(page, AWARENESS)
    expect(wrong).to_contain_text("Errors: not saved")
    # Each error names its column.
    expect(wrong.locator(".error-message li")).to_have_text(
        [f"Status: {BAD_STATUS}", f"Completion (%): {TOO_MUCH}"], use_inner_text=True
    )
    expect(page.get_by_role("button", name="Save 1 update", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Set the file aside")).to_be_visible()
    shoot(page, "02-preview-with-errors.png")
    assert not ProgressUpdate.objects.filter(submission=draft).exists()
    first = SpreadsheetImport.objects.get(submission=draft)
    assert first.status == SpreadsheetImport.Status.PENDING

    # 5. Set that file aside rather than save half of it: nothing changes.
    page.get_by_role("button", name="Set the file aside").click()
    expect_editor(page)
    expect(page.get_by_role("status")).to_contain_text("The spreadsheet was set aside: nothing changed.")
    expect(page.get_by_text("Updates written: 0 of 2")).to_be_visible()
    assert not ProgressUpdate.objects.filter(submission=draft).exists()
    first.refresh_from_db()
    assert first.status == SpreadsheetImport.Status.DISCARDED

    # 6. Correct the awareness row in the same file and upload it again.
    fill(sheet, AWARENESS, **{"Status": "Delayed", "Completion (%)": 30})
    corrected = tmp_path / "report-corrected.xlsx"
    book.save(corrected)
    upload(page, corrected)
    expect(page.locator("ul.summary")).to_contain_text("2 rows will be saved as draft updates.")
    expect(page.get_by_role("cell", name="Will be saved", exact=True)).to_have_count(2)
    expect(page.get_by_text("Errors: not saved")).to_have_count(0)
    expect(page.locator(".error-message")).to_have_count(0)
    expect(preview_row(page, AWARENESS)).to_contain_text("Delayed")
    shoot(page, "03-preview.png")
    assert not ProgressUpdate.objects.filter(submission=draft).exists()

    # 7. Save: the editor says so and shows the values in its fields.
    page.get_by_role("button", name="Save 2 updates", exact=True).click()
    expect_editor(page)
    expect(page.get_by_role("status")).to_contain_text("Saved 2 updates from the spreadsheet, as drafts.")
    expect(page.get_by_text("Updates written: 2 of 2")).to_be_visible()
    icse = card(page, ICSE)
    expect(icse.get_by_label("Status")).to_have_value("on_track")
    expect(icse.get_by_label("Completion (%)")).to_have_value("60")
    expect(icse.get_by_label("Narrative")).to_have_value(ICSE_NARRATIVE)
    expect(icse.get_by_label(VICTIMS)).to_have_value("37")
    expect(icse.get_by_label("Source of the figures")).to_have_value(ICSE_SOURCE)
    awareness = card(page, AWARENESS)
    expect(awareness.get_by_label("Status")).to_have_value("delayed")
    expect(awareness.get_by_label("Completion (%)")).to_have_value("30")
    expect(page.locator("form[data-autosave-ready='true']")).to_have_count(2)  # still editable in the browser
    shoot(page, "04-saved.png")

    # 8. The database holds what was typed into the file.
    saved = ProgressUpdate.objects.get(submission=draft, commitment__title=ICSE)
    assert (saved.status, saved.completion_percent, saved.narrative) == ("on_track", 60, ICSE_NARRATIVE)
    assert (saved.icse_victims_identified, saved.figures_source) == (37, ICSE_SOURCE)
    saved = ProgressUpdate.objects.get(submission=draft, commitment__title=AWARENESS)
    assert (saved.status, saved.completion_percent) == ("delayed", 30)
    imports = SpreadsheetImport.objects.filter(submission=draft).order_by("pk")
    assert list(imports.values_list("file_name", "status")) == [
        (with_errors.name, SpreadsheetImport.Status.DISCARDED),
        (corrected.name, SpreadsheetImport.Status.APPLIED),
    ]

    missing = [name for name in SCREENSHOTS if not (folder / name).is_file()]
    assert not missing, f"screenshots not written: {missing}"
    assert all((folder / name).stat().st_size > 0 for name in SCREENSHOTS)
