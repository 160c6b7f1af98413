"""End to end, in a real browser: France reports, the secretariat returns one update, France revises
and resubmits, the secretariat accepts, and the report is locked.

Everything goes through the pages as people use them: the login form, links, buttons, typing into
labelled fields, the autosave of the update forms, a file upload. A screenshot of each step is
kept in var/screenshots/.
"""

import os
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, Response, expect

from accounts.models import User
from commitments.models import ProgressUpdate, Submission
from tests.browser.audit import screenshot_taker
from tests.browser.conftest import slow_down
from tests.browser.people import sign_in, sign_out

CYCLE = "Progress report (test)"
ICSE = "Connect the victim identification unit to ICSE"
AWARENESS = "Run a school awareness campaign"

ICSE_NARRATIVE = "The identification unit is connected to ICSE and 14 officers are trained."
ICSE_SOURCE = "National police annual statistics"
ICSE_MILESTONE = "First ICSE match confirmed"
AWARENESS_NARRATIVE = "Lesson materials for 200 schools are drafted and the launch moved to spring."
AWARENESS_REVISED = AWARENESS_NARRATIVE + " So far 120 schools have taken part."
REVIEW_COMMENT = "Please say how many schools have taken part so far."

SCREENSHOTS = [
    "01-contact-home.png",
    "02-updates-filled.png",
    "03-draft-reloaded.png",
    "04-evidence-attached.png",
    "05-submitted.png",
    "06a-review-queue.png",
    "06b-update-returned.png",
    "07-resubmitted.png",
    "08a-review-diff.png",
    "08b-report-accepted.png",
    "09-locked-for-contact.png",
]


# --- Helpers -------------------------------------------------------------------------------------


def card(page: Page, title: str) -> Locator:
    """The card of one commitment (an <article> named by its title)."""
    return page.get_by_role("article", name=title)


def autosave_of(page: Page, text: str) -> AbstractContextManager[object]:
    """Wait, around typing `text`, for the autosave request that carries it to be answered.

    The autosave posts the whole form, so the answer to the request that carries the last thing
    typed means everything typed is on the server. (The status text alone cannot tell: an earlier
    save that returns after the last keystroke also shows "Saved at …".)
    """

    def carries_text(response: Response) -> bool:
        request = response.request
        return (
            request.method == "POST"
            and request.headers.get("x-requested-with") == "fetch"
            and text in (request.post_data or "")
        )

    return page.expect_response(carries_text, timeout=10_000)


def open_report_from_home(page: Page) -> None:
    page.get_by_role("link", name=f"Open {CYCLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"France: {CYCLE}")


def open_france_from_queue(page: Page) -> None:
    """From the review queue a reviewer lands on, open France's submission."""
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review queue: {CYCLE}")
    queue = page.get_by_role("region", name=re.compile(r"^Submissions"))
    france = queue.get_by_role("row").filter(has=page.get_by_role("link", name="Review France"))
    expect(france, "the review queue, opened without filters, should list France's submitted report").to_have_count(1)
    expect(france).to_contain_text("Submitted")
    expect(france).to_contain_text("2 of 2")
    france.get_by_role("link", name="Review France").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review: France, {CYCLE}")


def status_badge(page: Page) -> Locator:
    """The submission's status badge, under the page's heading."""
    return page.locator("main > p.meta .badge").first


def expect_message(page: Page, text: str) -> None:
    expect(page.get_by_role("status")).to_contain_text(text)


@pytest.fixture
def shoot(screenshots: Path) -> Callable[[Page, str], None]:
    return screenshot_taker(screenshots, SCREENSHOTS)


def pdf_file(folder: Path) -> Path:
    path = folder / "evidence.pdf"
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )
    return path


# --- The flow ------------------------------------------------------------------------------------

# `make browser-flow` runs the flow this many times in a row (BROWSER_FLOW_RUNS=20); once in `make test`.
FLOW_RUNS = int(os.environ.get("BROWSER_FLOW_RUNS", "1"))


@pytest.mark.parametrize("run", range(FLOW_RUNS))
def test_report_is_written_returned_revised_and_accepted(
    run: int,
    page: Page,
    contact: User,
    reviewer: User,
    draft: Submission,
    shoot: Callable[[Page, str], None],
    screenshots: Path,
    tmp_path: Path,
) -> None:
    # Chromium's CPU runs 4 times slower than the machine's, which may itself be busy: the flow
    # must not depend on the order in which the page's requests happen to be answered.
    slow_down(page, cpu=4)
    # 1. The French contact signs in, lands on "My reporting" and opens the open cycle's report.
    sign_in(page, contact)
    expect(page).to_have_url(re.compile(r"/reporting/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reporting for France")
    row = page.get_by_role("row", name=re.compile(re.escape(CYCLE)))
    expect(row).to_contain_text("Draft")
    expect(row).to_contain_text("2 of 2 updates")
    shoot(page, "01-contact-home.png")
    open_report_from_home(page)
    expect(page.get_by_text("Updates written: 0 of 2")).to_be_visible()
    expect(page.locator("form[data-autosave-ready='true']")).to_have_count(2)  # editor.js is running

    # 2. Fill both updates: the ICSE one is saved with its Save button, the other by the autosave.
    icse = card(page, ICSE)
    icse.get_by_label("Status").select_option(label="On track")
    icse.get_by_label("Completion (%)").fill("60")
    icse.get_by_label("Narrative").fill(ICSE_NARRATIVE)
    icse.get_by_label("Victims identified in the ICSE database in the period").fill("37")
    icse.get_by_label("Source of the figures").fill(ICSE_SOURCE)
    icse.get_by_label("Date", exact=True).fill("2026-03-31")
    icse.get_by_label("Milestone", exact=True).fill(ICSE_MILESTONE)
    icse.get_by_role("button", name="Save").click()
    expect(icse.locator(".save-status")).to_contain_text("Saved at")
    expect(icse.locator(".conflict")).to_have_count(0)
    expect(icse.get_by_text("No update yet")).to_have_count(0)

    awareness = card(page, AWARENESS)
    awareness.get_by_label("Status").select_option(label="Delayed")
    awareness.get_by_label("Completion (%)").fill("30")
    with autosave_of(page, AWARENESS_NARRATIVE):
        awareness.get_by_label("Narrative").fill(AWARENESS_NARRATIVE)
    expect(awareness.locator(".save-status")).to_contain_text("Saved at", timeout=10_000)
    shoot(page, "02-updates-filled.png")

    # 3. Reload: the draft kept everything typed.
    page.reload()
    expect(page.get_by_text("Updates written: 2 of 2")).to_be_visible()
    icse = card(page, ICSE)
    expect(icse.get_by_label("Status")).to_have_value("on_track")
    expect(icse.get_by_label("Completion (%)")).to_have_value("60")
    expect(icse.get_by_label("Narrative")).to_have_value(ICSE_NARRATIVE)
    expect(icse.get_by_label("Victims identified in the ICSE database in the period")).to_have_value("37")
    expect(icse.get_by_label("Source of the figures")).to_have_value(ICSE_SOURCE)
    expect(icse.get_by_label("Date", exact=True).first).to_have_value("2026-03-31")
    expect(icse.get_by_label("Milestone", exact=True).first).to_have_value(ICSE_MILESTONE)
    awareness = card(page, AWARENESS)
    expect(awareness.get_by_label("Status")).to_have_value("delayed")
    expect(awareness.get_by_label("Completion (%)")).to_have_value("30")
    expect(awareness.get_by_label("Narrative")).to_have_value(AWARENESS_NARRATIVE)
    expect(awareness.locator(".save-status")).to_contain_text("Last saved")
    shoot(page, "03-draft-reloaded.png")

    # 4. Attach a PDF to the ICSE update.
    card(page, ICSE).get_by_label("Evidence file").set_input_files(pdf_file(tmp_path))
    card(page, ICSE).get_by_role("button", name="Attach file").click()
    expect_message(page, "Attached “evidence.pdf”.")
    expect(card(page, ICSE).get_by_role("link", name="evidence.pdf")).to_be_visible()
    expect(card(page, ICSE).get_by_role("button", name="Remove evidence.pdf")).to_be_visible()
    shoot(page, "04-evidence-attached.png")

    # 5. Submit.
    page.get_by_role("button", name="Submit the report").click()
    expect_message(page, "Submitted. The secretariat has been told")
    expect(page.get_by_role("note")).to_have_text("Submitted; waiting for the secretariat's review.")
    expect(status_badge(page)).to_have_text("Submitted")
    expect(page.locator("form[data-autosave]")).to_have_count(0)
    expect(card(page, ICSE)).to_contain_text(ICSE_NARRATIVE)
    shoot(page, "05-submitted.png")

    # 6. The reviewer returns the awareness update with a comment.
    sign_out(page)
    sign_in(page, reviewer)
    expect(page).to_have_url(re.compile(r"/review/$"))
    shoot(page, "06a-review-queue.png")
    open_france_from_queue(page)
    expect(card(page, ICSE)).to_contain_text("evidence.pdf")
    returned = card(page, AWARENESS)
    returned.get_by_label(f"Return “{AWARENESS}” for changes").check()
    returned.get_by_label("What should change").fill(REVIEW_COMMENT)
    page.get_by_role("button", name="Return the chosen updates").click()
    expect_message(page, "Returned 1 update(s) to France with your comments.")
    expect(status_badge(page)).to_have_text("Returned for changes")
    expect(card(page, AWARENESS)).to_contain_text(REVIEW_COMMENT)
    shoot(page, "06b-update-returned.png")

    # 7. The contact reads the comment, revises that update and submits again.
    sign_out(page)
    sign_in(page, contact)
    row = page.get_by_role("row", name=re.compile(re.escape(CYCLE)))
    expect(row).to_contain_text("Returned for changes")
    expect(row).to_contain_text("1 update to revise")
    open_report_from_home(page)
    revise = card(page, AWARENESS)
    expect(revise.get_by_text("Returned for changes")).to_be_visible()
    expect(revise.locator(".comments")).to_contain_text(REVIEW_COMMENT)
    expect(revise.locator(".comments")).to_contain_text(reviewer.email)
    expect(card(page, ICSE).locator("form[data-autosave]")).to_have_count(0)  # not returned: stays read-only
    expect(revise.locator("form[data-autosave-ready='true']")).to_have_count(1)
    revise.get_by_label("Narrative").fill(AWARENESS_REVISED)
    revise.get_by_role("button", name="Save").click()
    expect(revise.locator(".save-status")).to_contain_text("Saved at")
    page.reload()
    expect(card(page, AWARENESS).get_by_label("Narrative")).to_have_value(AWARENESS_REVISED)
    page.get_by_role("button", name="Submit the report").click()
    expect_message(page, "Submitted. The secretariat has been told")
    expect(page.locator("main > p.meta")).to_contain_text("submitted 2 times")
    expect(page.locator("form[data-autosave]")).to_have_count(0)
    shoot(page, "07-resubmitted.png")

    # 8. The reviewer sees what changed since the returned round, and accepts.
    sign_out(page)
    sign_in(page, reviewer)
    open_france_from_queue(page)
    expect(page.get_by_text("Changes are shown against round 1, the version you returned.")).to_be_visible()
    changed = card(page, AWARENESS).locator(".diff").first
    expect(changed.get_by_role("heading")).to_have_text("Changed since round 1")
    expect(changed.locator("ins")).to_have_text("So far 120 schools have taken part.")
    expect(card(page, ICSE).locator(".diff").first.get_by_role("heading")).to_have_text("Unchanged since round 1")
    shoot(page, "08a-review-diff.png")
    page.get_by_label("I have reviewed every update; accepting locks the report").check()
    page.get_by_role("button", name="Accept the report").click()
    expect_message(page, "Accepted France's report. It is now locked.")
    expect(status_badge(page)).to_have_text("Accepted")
    expect(page.get_by_role("button", name="Accept the report")).to_have_count(0)
    shoot(page, "08b-report-accepted.png")

    # 9. Locked: the contact can no longer change anything.
    sign_out(page)
    sign_in(page, contact)
    row = page.get_by_role("row", name=re.compile(re.escape(CYCLE)))
    expect(row).to_contain_text("Accepted")
    expect(row).to_contain_text("Nothing")
    open_report_from_home(page)
    expect(status_badge(page)).to_have_text("Accepted")
    expect(page.get_by_role("note")).to_contain_text("The report is locked.")
    expect(page.locator("form[data-autosave]")).to_have_count(0)
    expect(page.get_by_role("button", name="Submit the report")).to_have_count(0)
    expect(page.get_by_role("button", name="Attach file")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    expect(card(page, AWARENESS)).to_contain_text(AWARENESS_REVISED)
    shoot(page, "09-locked-for-contact.png")
    draft.refresh_from_db()
    assert draft.status == Submission.Status.ACCEPTED
    assert draft.round == 2

    missing = [name for name in SCREENSHOTS if not (screenshots / name).is_file()]
    assert not missing, f"screenshots not written: {missing}"
    assert all((screenshots / name).stat().st_size > 0 for name in SCREENSHOTS)


# --- Save right after typing ----------------------------------------------------------------------


def test_clicking_save_right_after_typing_saves_without_a_false_conflict(
    page: Page, contact: User, draft: Submission
) -> None:
    """Type a narrative and click Save at once, as people do: leaving the field sets off an
    autosave, and the Save button's save must follow it rather than race it."""
    sign_in(page, contact)
    open_report_from_home(page)
    awareness = card(page, AWARENESS)
    expect(awareness.locator("form[data-autosave-ready='true']")).to_have_count(1)
    for attempt in range(3):
        text = f"{AWARENESS_NARRATIVE} Attempt {attempt}."
        awareness.get_by_label("Narrative").fill(text)
        awareness.get_by_role("button", name="Save").click()
        expect(awareness.locator(".save-status")).to_contain_text("Saved at")
        expect(awareness.locator(".conflict-live")).to_be_hidden()
        update = ProgressUpdate.objects.get(submission=draft, commitment__title=AWARENESS)
        assert update.narrative == text
    page.reload()
    expect(card(page, AWARENESS).get_by_label("Narrative")).to_have_value(f"{AWARENESS_NARRATIVE} Attempt 2.")
