"""The editor never loses a word: a session that ends mid-edit, a reload within the autosave delay,
a Save pressed while an autosave is on its way, a reviewer's refused return.

Each test drives real Chromium against the live server, with the CPU throttled (and the network
slowed where the order of requests matters), and checks the database, not only the page.
"""

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from playwright.sync_api import Locator, Page, Request, Route, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from commitments.models import Milestone, ProgressUpdate, Submission
from tests.browser.audit import audit
from tests.browser.conftest import slow_down
from tests.browser.people import PASSWORD, sign_in

CYCLE = "Progress report (test)"
ICSE = "Connect the victim identification unit to ICSE"
AWARENESS = "Run a school awareness campaign"
SAVES = re.compile(r"/submissions/\d+/updates/\d+/$")


def open_report(page: Page) -> None:
    page.get_by_role("link", name=f"Open {CYCLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"France: {CYCLE}")
    expect(page.locator("form[data-autosave-ready='true']")).to_have_count(2)


def card(page: Page, title: str) -> Locator:
    return page.get_by_role("article", name=title)


def narrative_of(submission: Submission, title: str) -> str | None:
    update = ProgressUpdate.objects.filter(submission=submission, commitment__title=title).first()
    return update.narrative if update else None


def is_save(request: Request) -> bool:
    return request.method == "POST" and bool(SAVES.search(request.url))


@pytest.fixture
def shot(screenshots: Path) -> Callable[[Page, str], None]:
    def take(page: Page, name: str) -> None:
        page.screenshot(path=str(screenshots / f"editor-{name}.png"), full_page=True)

    return take


# --- 1. The session ends mid-edit -------------------------------------------------------------


def test_text_typed_after_signing_out_elsewhere_is_saved_once_signed_in_again(
    page: Page, contact: User, draft: Submission, shot: Callable[[Page, str], None]
) -> None:
    sign_in(page, contact)
    open_report(page)
    slow_down(page, cpu=6)
    awareness = card(page, AWARENESS)
    awareness.get_by_label("Narrative").fill("First words.")
    awareness.get_by_role("button", name="Save").click()
    expect(awareness.locator(".save-status")).to_contain_text("Saved at")

    # Signed out in another tab of the same browser.
    other = page.context.new_page()
    other.goto("/reporting/")
    other.get_by_role("button", name="Sign out").click()
    expect(other.get_by_role("heading", name="Sign in", level=1)).to_be_visible()

    text = "Words typed after the session ended must reach the server."
    awareness.get_by_label("Narrative").fill(text)
    awareness.get_by_role("button", name="Save").click()
    banner = page.locator("#session-lost")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("You have been signed out")
    expect(awareness.locator(".save-status")).to_contain_text("kept on this device")
    assert narrative_of(draft, AWARENESS) == "First words."
    audit(page, "the editor after the session ended")
    shot(page, "signed-out")

    # Signing in again in the other tab (a new CSRF token) is enough: the page sends what it kept.
    other.get_by_label("Email address").fill(contact.email)
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_role("navigation", name="Main")).to_contain_text(contact.email)
    page.bring_to_front()
    expect(awareness.locator(".save-status")).to_contain_text("Saved at", timeout=20_000)
    expect(banner).to_be_hidden()
    assert narrative_of(draft, AWARENESS) == text
    shot(page, "signed-in-again")


def test_after_an_idle_timeout_the_sign_in_link_opens_a_tab_and_the_text_is_saved(
    page: Page, contact: User, draft: Submission, settings: LazySettings
) -> None:
    sign_in(page, contact)
    open_report(page)
    slow_down(page, cpu=6)
    settings.SESSION_IDLE_TIMEOUT = 1
    page.wait_for_timeout(2_000)  # idle for longer than the timeout

    text = "Typed after the idle timeout."
    icse = card(page, ICSE)
    icse.get_by_label("Narrative").fill(text)
    expect(page.locator("#session-lost")).to_be_visible(timeout=15_000)
    assert narrative_of(draft, ICSE) is None
    settings.SESSION_IDLE_TIMEOUT = 1800

    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Sign in again (opens a new tab)").click()
    login = opened.value
    login.get_by_label("Email address").fill(contact.email)
    login.get_by_label("Password").fill(PASSWORD)
    login.get_by_role("button", name="Sign in").click()
    expect(login.get_by_role("heading", level=1)).to_have_text("You are signed in again")
    audit(login, "the signed-in-again page")
    page.bring_to_front()
    page.get_by_role("button", name="I have signed in again").click()
    expect(icse.locator(".save-status")).to_contain_text("Saved at", timeout=20_000)
    assert narrative_of(draft, ICSE) == text


# --- 2. A reload within the autosave delay ------------------------------------------------------


def test_reloading_within_the_autosave_delay_keeps_the_text_and_blames_nobody(
    page: Page, contact: User, draft: Submission
) -> None:
    sign_in(page, contact)
    open_report(page)
    slow_down(page, cpu=6)
    for attempt in range(4):
        text = f"Typed just before reloading, attempt {attempt}."
        card(page, AWARENESS).get_by_label("Narrative").fill(text)
        page.reload()  # well within the 1.2 s autosave delay
        expect(page.locator("form[data-autosave-ready='true']")).to_have_count(2)
        awareness = card(page, AWARENESS)
        expect(awareness.get_by_label("Narrative")).to_have_value(text)
        # The next edit saves without a conflict, and the text on the server is the last typed.
        more = f"{text} And more."
        awareness.get_by_label("Narrative").fill(more)
        awareness.get_by_role("button", name="Save").click()
        expect(awareness.locator(".save-status")).to_contain_text("Saved at")
        expect(awareness.locator(".conflict-live")).to_be_hidden()
        assert narrative_of(draft, AWARENESS) == more


class HeldSaves:
    """The live server holds back the next save it receives until released: a save that lands
    late, whatever the browser does meanwhile (a request sent as a page closes cannot be held
    in the browser itself)."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.armed = False
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.answered = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        held = self.armed and environ["REQUEST_METHOD"] == "POST" and SAVES.search(environ["PATH_INFO"])
        if not held:
            return self.app(environ, start_response)
        self.armed = False
        self.arrived.set()
        self.release.wait(timeout=60)
        try:
            return self.app(environ, start_response)
        finally:
            self.answered.set()


@pytest.fixture
def held_saves(live_server: LiveServer, site: str) -> Iterator[HeldSaves]:
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    assert app is not None
    holder = HeldSaves(app)
    httpd.set_app(holder)
    yield holder
    holder.release.set()
    httpd.set_app(app)


def test_a_save_that_lands_after_the_reload_is_recognised_as_the_pages_own(
    page: Page, contact: User, draft: Submission, held_saves: HeldSaves, shot: Callable[[Page, str], None]
) -> None:
    """The save sent as the page closed lands only after the reloaded page has shown the old
    text: the page puts the typed text back, and the late save is not taken for someone else's."""
    sign_in(page, contact)
    open_report(page)
    slow_down(page, cpu=6)
    awareness = card(page, AWARENESS)
    awareness.get_by_label("Narrative").fill("Saved before.")
    awareness.get_by_role("button", name="Save").click()
    expect(awareness.locator(".save-status")).to_contain_text("Saved at")

    held_saves.armed = True
    text = "Typed, then the page was reloaded at once."
    awareness.get_by_label("Narrative").fill(text)
    page.reload()
    expect(page.locator("form[data-autosave-ready='true']")).to_have_count(2)
    assert held_saves.arrived.wait(timeout=10), "the closing page sent its save"
    awareness = card(page, AWARENESS)
    expect(awareness.get_by_label("Narrative")).to_have_value(text)
    expect(awareness.locator(".restored")).to_contain_text("Restored text you typed")
    assert narrative_of(draft, AWARENESS) == "Saved before."  # the held save has not landed
    held_saves.release.set()  # the old page's save lands now, after the reload
    assert held_saves.answered.wait(timeout=15)
    expect(awareness.locator(".save-status")).to_contain_text("Saved at", timeout=15_000)
    expect(awareness.locator(".conflict-live")).to_be_hidden()
    awareness.get_by_label("Narrative").fill(text + " Edited after.")
    awareness.get_by_role("button", name="Save").click()
    expect(awareness.locator(".save-status")).to_contain_text("Saved at")
    expect(awareness.locator(".conflict-live")).to_be_hidden()
    assert narrative_of(draft, AWARENESS) == text + " Edited after."
    audit(page, "the editor after a restored draft")
    shot(page, "restored")


def test_a_real_conflict_still_shows_the_other_persons_version(
    page: Page, contact: User, colleague: User, draft: Submission
) -> None:
    sign_in(page, contact)
    open_report(page)
    from commitments import services

    commitment = draft.member_state.commitments.get(title=AWARENESS)
    services.progress_update_save(
        submission=draft,
        commitment=commitment,
        actor=colleague,
        values={"narrative": "The colleague's text."},
        expected_version=0,
    )
    awareness = card(page, AWARENESS)
    awareness.get_by_label("Narrative").fill("My text.")
    awareness.get_by_role("button", name="Save").click()
    conflict = awareness.locator(".conflict-live")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text(f"{colleague.full_name} saved this update")
    expect(conflict).to_contain_text("The colleague's text.")
    expect(awareness.get_by_label("Narrative")).to_have_value("My text.")
    assert narrative_of(draft, AWARENESS) == "The colleague's text."
    audit(page, "the editor showing a conflict")


# --- 3. Save pressed while an autosave is on its way ----------------------------------------------


def test_save_pressed_during_a_refused_autosave_saves_the_last_content(
    page: Page, contact: User, draft: Submission, shot: Callable[[Page, str], None]
) -> None:
    sign_in(page, contact)
    open_report(page)
    slow_down(page, cpu=6, latency_ms=300, kbps=256)
    icse = card(page, ICSE)
    held: list[Route] = []

    def hold_half_typed(route: Route) -> None:
        body = route.request.post_data or ""
        if not held and "2026-03-31" in body and "First ICSE match" not in body:
            held.append(route)  # the autosave of the half-typed milestone stays on its way
        else:
            route.continue_()

    page.route(SAVES, hold_half_typed)
    icse.get_by_label("Status").select_option(label="On track")
    icse.get_by_label("Completion (%)").fill("40")
    icse.get_by_label("Date", exact=True).fill("2026-03-31")  # the title is not typed yet
    for _ in range(50):  # the autosave delay passes: the half-typed row is sent
        if held:
            break
        page.wait_for_timeout(200)
    assert held, "the half-typed milestone was autosaved"
    icse.get_by_label("Milestone", exact=True).fill("First ICSE match confirmed")
    icse.get_by_role("button", name="Save").click()
    page.wait_for_timeout(2_500)  # longer than the autosave delay: every timer has fired meanwhile
    held[0].continue_()  # the autosave is answered now: 400 (no title); the Save must still go
    expect(icse.locator(".save-status")).to_contain_text("Saved at", timeout=20_000)
    expect(icse.locator(".error-message")).to_have_count(0)
    update = ProgressUpdate.objects.get(submission=draft, commitment__title=ICSE)
    assert update.completion_percent == 40
    assert list(Milestone.objects.filter(update=update).values_list("title", flat=True)) == [
        "First ICSE match confirmed"
    ]
    shot(page, "save-after-refused-autosave")


def test_autosave_errors_are_marked_on_their_fields(page: Page, contact: User, draft: Submission) -> None:
    sign_in(page, contact)
    open_report(page)
    icse = card(page, ICSE)
    icse.get_by_label("Completion (%)").fill("140")
    icse.get_by_role("button", name="Save").click()
    field = icse.get_by_label("Completion (%)")
    expect(icse.locator(".save-status")).to_contain_text("check the highlighted fields")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(icse.locator(".error-message")).to_have_count(1)
    expect(icse.locator(".error-message")).to_contain_text("less than or equal to 100")
    audit(page, "the editor with a refused autosave")
    field.fill("60")
    icse.get_by_role("button", name="Save").click()
    expect(icse.locator(".save-status")).to_contain_text("Saved at")
    expect(field).not_to_have_attribute("aria-invalid", "true")


def test_submitting_waits_for_the_last_autosave(
    page: Page, contact: User, draft: Submission, held_saves: HeldSaves
) -> None:
    sign_in(page, contact)
    open_report(page)
    slow_down(page, cpu=6, latency_ms=300)
    card(page, ICSE).get_by_label("Narrative").fill(f"Written for {ICSE}.")
    card(page, ICSE).get_by_role("button", name="Save").click()
    expect(card(page, ICSE).locator(".save-status")).to_contain_text("Saved at")
    held_saves.armed = True  # the last autosave is slow to land
    last = "The very last words before submitting."
    card(page, AWARENESS).get_by_label("Narrative").fill(last)
    page.get_by_role("button", name="Submit the report").click()
    assert held_saves.arrived.wait(timeout=10)
    page.wait_for_timeout(1_000)
    held_saves.release.set()
    expect(page.get_by_role("status")).to_contain_text("Submitted.", timeout=20_000)
    draft.refresh_from_db()
    assert draft.status == Submission.Status.SUBMITTED
    assert narrative_of(draft, AWARENESS) == last


# --- 4. A refused return keeps the reviewer's comment -------------------------------------------


def test_a_refused_return_keeps_the_comment_on_the_review_page(
    page: Page, reviewer: User, submitted: Submission, shot: Callable[[Page, str], None]
) -> None:
    sign_in(page, reviewer)
    page.goto(f"/review/submissions/{submitted.pk}/")
    comment = "Please give the number of schools reached so far."
    page.get_by_label("What should change (sent with the return)").first.fill(comment)
    page.get_by_role("button", name="Return the chosen updates").click()  # nothing ticked
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Choose at least one update to return")
    expect(page).to_have_url(re.compile(rf"/review/submissions/{submitted.pk}/(#review-errors)?$"))
    expect(page.get_by_label("What should change (sent with the return)").first).to_have_value(comment)
    audit(page, "the review page with a refused return")
    shot(page, "refused-return")
    # Ticking the update and returning again works from what was kept.
    page.get_by_role("checkbox", name=re.compile("^Return ")).first.check()
    page.get_by_role("button", name="Return the chosen updates").click()
    expect(page.get_by_role("status")).to_contain_text("Returned 1 update(s)")
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.RETURNED
    assert submitted.updates.filter(comments__body=comment).count() == 1
