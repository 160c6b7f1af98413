"""In a real browser, in French and in Spanish (issue 19): a French contact point reads and files
France's report in French, with dates and numbers written the French way, and a Spanish reviewer
returns one of its updates in Spanish.

Every word the test looks for on a page is the translation that the tracker's catalogue
(alliance/locale/<language>/LC_MESSAGES/django.po, compiled by bin/compile-messages; Django's own
after it) gives the English message: a message no catalogue translates fails the test at the step
that needs it, naming the message. Screenshots of each step are kept in var/screenshots/languages/.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import trans_real
from playwright.sync_api import Browser, Locator, Page, Response, expect

from accounts.models import User
from commitments.models import (
    MemberState,
    OperationalGoal,
    PolicyTarget,
    ProgressUpdate,
    ReportingCycle,
    ReviewComment,
    Submission,
)
from commitments.services import submission_start
from tests.browser.audit import screenshot_taker
from tests.browser.conftest import slow_down
from tests.browser.people import sign_in, sign_out
from tests.factories import CommitmentFactory, ReportingCycleFactory

pytestmark = pytest.mark.browser

CYCLE = "Cycle 2026 (test)"
DUE = date(2027, 4, 1)
# The due date as each language writes it in full (alliance.formats.long_date).
DUE_IN_FRENCH = "1er avril 2027"  # French writes the first of a month as an ordinal
DUE_IN_SPANISH = "1 de abril de 2027"

# France's pledges, titled in French as a French contact point writes them.
ICSE = "Connecter l'unité d'identification des victimes à ICSE"
TAKEDOWN = "Réduire le délai de retrait des contenus signalés"
ICSE_NARRATIVE = "L'unité d'identification est connectée à ICSE."
ICSE_SOURCE = "Statistiques annuelles de la police nationale"
TAKEDOWN_NARRATIVE = "Le délai médian entre le signalement et le retrait a baissé de moitié en un an."
# The median as typed into the number field, and as a French or Spanish page writes it.
TAKEDOWN_HOURS = "46.6"
TAKEDOWN_HOURS_WRITTEN = "46,6"
REVIEW_COMMENT = "Indiquen cómo se ha calculado la mediana de 46,6 horas."

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "languages"
PICTURES = [
    "01-fr-sign-in.png",
    "02-fr-contact-home.png",
    "03-fr-editor.png",
    "04-fr-updates-filled.png",
    "05-fr-submitted.png",
    "06-es-sign-in.png",
    "07-es-review-queue.png",
    "08-es-review.png",
    "09-es-update-returned.png",
    "10-fr-return-read.png",
]


# --- The tracker's words in a language ---------------------------------------------------------


class Catalogue:
    """The translations the pages in one language are written with: the tracker's catalogue
    (alliance/locale), then Django's own, as Django merges them.

    `say("Submit the report")` is the text a page in that language shows for the message; a
    message that no catalogue translates (no entry, an empty or a fuzzy msgstr) fails the test."""

    NAMES = {"fr": "French", "es": "Spanish"}

    def __init__(self, language: str) -> None:
        self.language = language
        self.translations = trans_real.translation(language)
        self.entries = vars(self.translations)["_catalog"]

    def __call__(self, message: str, context: str = "", **values: object) -> str:
        if context:
            key = f"{context}\x04{message}"  # how gettext keys a message with a context
            assert key in self.entries, f"not translated into {self.NAMES[self.language]}: “{message}” ({context})"
            text = self.translations.pgettext(context, message)
            return text % values if values else text
        # A form's label may come from a model field's name, which Django writes in lower case
        # ("median hours from notice to takedown") and capitalises on the page.
        lower = message[:1].lower() + message[1:]
        if message not in self.entries and lower in self.entries:
            text = capfirst(self.translations.gettext(lower))
        else:
            assert message in self.entries, (
                f"not translated into {self.NAMES[self.language]}: “{message}” "
                f"(alliance/locale/{self.language}/LC_MESSAGES/django.po)"
            )
            text = self.translations.gettext(message)
        return text % values if values else text


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def cycle(alliance: None) -> ReportingCycle:
    """A cycle open today and due on a fixed day (1 April 2027), so that the pages' dates are known."""
    today = timezone.localdate()
    assert today < DUE, "the test's cycle must still be open today: move DUE on"
    return ReportingCycleFactory.create(
        name=CYCLE,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        opens_on=min(today, date(2026, 12, 31)) - timedelta(days=30),
        due_on=DUE,
    )


@pytest.fixture
def french_contact(contact: User) -> User:
    """France's contact point, who reads the tracker in French."""
    contact.language = "fr"
    contact.save(update_fields=["language"])
    return contact


@pytest.fixture
def spanish_reviewer(reviewer: User) -> User:
    """A secretariat reviewer (with an authenticator) who reads the tracker in Spanish."""
    reviewer.language = "es"
    reviewer.save(update_fields=["language"])
    return reviewer


@pytest.fixture
def draft(french_contact: User, cycle: ReportingCycle) -> Submission:
    """France's draft for the cycle, on two pledges whose operational goals ask for figures."""
    france = MemberState.objects.get(iso_code="FR")
    CommitmentFactory.create(
        member_state=france,
        target=PolicyTarget.objects.get(code="victims"),
        goal=OperationalGoal.objects.get(code="icse-identified-victims"),
        title=ICSE,
    )
    CommitmentFactory.create(
        member_state=france,
        target=PolicyTarget.objects.get(code="availability"),
        goal=OperationalGoal.objects.get(code="notice-and-takedown-speed"),
        title=TAKEDOWN,
    )
    return submission_start(member_state=france, cycle=cycle, actor=french_contact)


@pytest.fixture
def browse(chromium: Browser, site: str) -> Iterator[Callable[[str], Page]]:
    """A tab in a browser of its own (own cookies) whose language is `locale` (its Accept-Language)."""
    contexts = []

    def open_tab(locale: str) -> Page:
        context = chromium.new_context(base_url=site, locale=locale, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    expect.set_options(timeout=10_000)
    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture
def shoot() -> Callable[[Page, str], None]:
    """A screenshot of the step, after axe-core has checked the page as it is (this test's pictures
    of an earlier run are removed first)."""
    return screenshot_taker(SCREENSHOTS, PICTURES)


# --- Helpers -------------------------------------------------------------------------------------


def card(page: Page, title: str) -> Locator:
    """The card of one commitment (an <article> named by its title)."""
    return page.get_by_role("article", name=title)


def autosave_of(page: Page, text: str) -> AbstractContextManager[object]:
    """Wait, around typing `text`, for the answer to the autosave request that carries it (see
    test_reporting_flow.autosave_of)."""

    def carries_text(response: Response) -> bool:
        request = response.request
        return (
            request.method == "POST"
            and request.headers.get("x-requested-with") == "fetch"
            and text in (request.post_data or "")
        )

    return page.expect_response(carries_text, timeout=10_000)


def expect_language(page: Page, language: str) -> None:
    """The page says which language it is in, and the chooser marks that language as the current one."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(f"nav.languages a[hreflang='{language}']")).to_have_attribute("aria-current", "true")


def status_badge(page: Page) -> Locator:
    """The submission's status badge, under the page's heading."""
    return page.locator("main > p.meta .badge").first


def cycle_row(page: Page) -> Locator:
    return page.get_by_role("row", name=re.compile(re.escape(CYCLE)))


def percentage(say: Catalogue, number: int) -> str:
    """A percentage as the language writes it (French and Spanish: a no-break space before %)."""
    return say("%(number)s%%", number=number)


# --- The test ------------------------------------------------------------------------------------


def test_a_french_contact_reports_in_french_and_a_spanish_reviewer_returns_it_in_spanish(
    browse: Callable[[str], Page],
    french_contact: User,
    spanish_reviewer: User,
    draft: Submission,
    shoot: Callable[[Page, str], None],
) -> None:
    fr = Catalogue("fr")
    es = Catalogue("es")

    # 1. A browser in French: the sign-in page is in French before anyone signs in.
    contact = browse("fr-FR")
    # The CPU runs 4 times slower than the machine's: the autosave must not depend on speed.
    slow_down(contact, cpu=4)
    contact.goto("/accounts/login/")
    expect_language(contact, "fr")
    expect(contact.get_by_role("heading", level=1)).to_have_text(fr("Sign in"))
    shoot(contact, "01-fr-sign-in.png")
    sign_in(contact, french_contact, say=fr)

    # 2. "My reporting", in French: the cycle's row with its French status and due date.
    expect(contact).to_have_url(re.compile(r"/reporting/$"))
    expect_language(contact, "fr")
    expect(contact.get_by_role("link", name=fr("My reporting"))).to_be_visible()
    heading = contact.get_by_role("heading", level=1)
    expect(heading).to_contain_text("France")
    expect(heading, "the contact's home heading is still in English").not_to_have_text("Reporting for France")
    expect(contact.get_by_role("columnheader", name=fr("Status"))).to_be_visible()
    row = cycle_row(contact)
    expect(row.get_by_text(fr("Draft"), exact=True)).to_be_visible()
    expect(row).to_contain_text(DUE_IN_FRENCH)
    expect(row).not_to_contain_text("Apr")
    shoot(contact, "02-fr-contact-home.png")

    # 3. The report's editor, in French: its status, its due date in full, its labels and buttons.
    row.get_by_role("link", name=f"{fr('Open')} {CYCLE}").click()
    expect(contact.get_by_role("heading", level=1)).to_have_text(f"France: {CYCLE}")
    expect_language(contact, "fr")
    expect(status_badge(contact)).to_have_text(fr("Draft"))
    expect(contact.locator("main > p.meta")).to_contain_text(DUE_IN_FRENCH)
    expect(contact.locator("main > p.meta")).not_to_contain_text("Due")
    expect(contact.get_by_text(fr("Updates written: %(reported)s of %(total)s", reported=0, total=2))).to_be_visible()
    expect(contact.locator("form[data-autosave-ready='true']")).to_have_count(2)  # editor.js is running
    expect(contact.get_by_role("button", name=fr("Submit the report"))).to_be_visible()
    icse = card(contact, ICSE)
    expect(icse.get_by_role("group", name=fr("Figures for the operational goal"))).to_be_visible()
    expect(icse.get_by_role("button", name=fr("Save"), exact=True)).to_be_visible()
    shoot(contact, "03-fr-editor.png")

    # 4. The contact fills both updates in French: the ICSE one saved with its button, the
    #    takedown one by the autosave.
    icse.get_by_label(fr("Status")).select_option(label=fr("On track"))
    icse.get_by_label(fr("Completion (%)")).fill("60")
    icse.get_by_label(fr("Narrative")).fill(ICSE_NARRATIVE)
    icse.get_by_label(fr("Victims identified in the ICSE database in the period")).fill("37")
    icse.get_by_label(fr("Source of the figures")).fill(ICSE_SOURCE)
    icse.get_by_role("button", name=fr("Save"), exact=True).click()
    saved_at = fr("Saved at {time}").split("{time}")[0].strip()
    expect(icse.locator(".save-status")).to_contain_text(saved_at)
    expect(icse.locator(".conflict")).to_have_count(0)

    takedown = card(contact, TAKEDOWN)
    takedown.get_by_label(fr("Status")).select_option(label=fr("Delayed"))
    takedown.get_by_label(fr("Completion (%)")).fill("30")
    takedown.get_by_label(fr("Median hours from notice to takedown")).fill(TAKEDOWN_HOURS)
    with autosave_of(contact, TAKEDOWN_NARRATIVE):
        takedown.get_by_label(fr("Narrative")).fill(TAKEDOWN_NARRATIVE)
    expect(takedown.locator(".save-status")).to_contain_text(saved_at)
    expect(contact.get_by_text(fr("Updates written: %(reported)s of %(total)s", reported=2, total=2))).to_be_visible()
    shoot(contact, "04-fr-updates-filled.png")

    # 5. Submitted with the French button; the report reads back in French, its numbers written
    #    the French way (46,6 hours; 30 %).
    contact.get_by_role("button", name=fr("Submit the report")).click()
    expect(status_badge(contact)).to_have_text(fr("Submitted"))
    expect(contact.get_by_role("note")).to_have_text(fr("Submitted; waiting for the secretariat's review."))
    expect(contact.locator("form[data-autosave]")).to_have_count(0)
    takedown = card(contact, TAKEDOWN)
    expect(takedown).to_contain_text(TAKEDOWN_NARRATIVE)
    expect(takedown.get_by_text(fr("Delayed"), exact=True)).to_be_visible()
    expect(takedown.locator("dl.update-view")).to_contain_text(TAKEDOWN_HOURS_WRITTEN)
    expect(takedown).not_to_contain_text(TAKEDOWN_HOURS)
    expect(takedown).to_contain_text(percentage(fr, 30))
    expect(card(contact, ICSE)).to_contain_text(percentage(fr, 60))
    shoot(contact, "05-fr-submitted.png")
    draft.refresh_from_db()
    assert draft.status == Submission.Status.SUBMITTED

    # 6. A Spanish reviewer signs in, in Spanish, in a browser of their own.
    reviewer = browse("es-ES")
    reviewer.goto("/accounts/login/")
    expect_language(reviewer, "es")
    expect(reviewer.get_by_role("heading", level=1)).to_have_text(es("Sign in"))
    shoot(reviewer, "06-es-sign-in.png")
    sign_in(reviewer, spanish_reviewer, say=es)

    # 7. The review queue, in Spanish, lists France's submitted report.
    expect(reviewer).to_have_url(re.compile(r"/review/$"))
    expect_language(reviewer, "es")
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text(es("Review queue"))
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text(CYCLE)
    expect(reviewer.locator("main > p.meta")).to_contain_text(DUE_IN_SPANISH)
    queue = reviewer.get_by_role("region", name=re.compile("^" + re.escape(es("Submissions"))))
    france = queue.get_by_role("row").filter(has_text="France")
    expect(france).to_have_count(1)
    expect(france.get_by_text(es("Submitted"), exact=True)).to_be_visible()
    shoot(reviewer, "07-es-review-queue.png")

    # 8. The submission, in Spanish: due date in full, numbers the Spanish way.
    france.get_by_role("link", name=f"{es('Review', context='a link to review a submission')} France").click()
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text(f"France, {CYCLE}")
    expect(reviewer.get_by_role("heading", level=1)).not_to_have_text(f"Review: France, {CYCLE}")
    expect_language(reviewer, "es")
    expect(status_badge(reviewer)).to_have_text(es("Submitted"))
    expect(reviewer.locator("main > p.meta")).to_contain_text(DUE_IN_SPANISH)
    returned = card(reviewer, TAKEDOWN)
    expect(returned).to_contain_text(TAKEDOWN_NARRATIVE)
    expect(returned.locator("dl.update-view")).to_contain_text(TAKEDOWN_HOURS_WRITTEN)
    expect(returned).to_contain_text(percentage(es, 30))
    expect(card(reviewer, ICSE)).to_contain_text(ICSE_NARRATIVE)
    shoot(reviewer, "08-es-review.png")

    # 9. The reviewer returns the takedown update with a comment, all through Spanish labels.
    choice = returned.get_by_role("group", name=es("Return for changes"))
    choice.get_by_role("checkbox").check()
    expect(choice.get_by_role("checkbox")).to_have_accessible_name(re.compile(re.escape(TAKEDOWN)))
    choice.get_by_label(es("What should change (sent with the return)")).fill(REVIEW_COMMENT)
    reviewer.get_by_role("button", name=es("Return the chosen updates")).click()
    expect(status_badge(reviewer)).to_have_text(es("Returned for changes"))
    returned = card(reviewer, TAKEDOWN)
    expect(returned.get_by_text(es("Returned for changes"), exact=True)).to_be_visible()
    comments = returned.locator(".comments")
    expect(comments.get_by_role("heading", name=es("Comments"))).to_be_visible()
    expect(comments).to_contain_text(REVIEW_COMMENT)
    shoot(reviewer, "09-es-update-returned.png")
    sign_out(reviewer, say=es)

    # The return, as the database has it.
    draft.refresh_from_db()
    assert draft.status == Submission.Status.RETURNED
    update = ProgressUpdate.objects.get(submission=draft, commitment__title=TAKEDOWN)
    assert update.needs_revision
    assert not ProgressUpdate.objects.get(submission=draft, commitment__title=ICSE).needs_revision
    comment = ReviewComment.objects.get(update=update)
    assert comment.body == REVIEW_COMMENT
    assert comment.author == spanish_reviewer

    # 10. The French contact reads the return in French.
    contact.reload()
    expect_language(contact, "fr")
    expect(status_badge(contact)).to_have_text(fr("Returned for changes"))
    revise = card(contact, TAKEDOWN)
    expect(revise.get_by_text(fr("Returned for changes"), exact=True)).to_be_visible()
    expect(revise.get_by_role("heading", name=fr("Reviewer's comments"))).to_be_visible()
    expect(revise.locator(".comments")).to_contain_text(REVIEW_COMMENT)
    expect(revise.locator("form[data-autosave-ready='true']")).to_have_count(1)
    expect(card(contact, ICSE).locator("form[data-autosave]")).to_have_count(0)
    shoot(contact, "10-fr-return-read.png")

    missing = [name for name in PICTURES if not (SCREENSHOTS / name).is_file()]
    assert not missing, f"screenshots not written: {missing}"
