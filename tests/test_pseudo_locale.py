"""No unmarked English on any page: every page rendered in French with a pseudo-locale, in which
every marked string reads ⟦as marked⟧, shows no English word outside those brackets.

The pseudo-locale is built from the strings marked in today's code (extracted again, as for the
translators: tests/catalogues.py), so a string marked since the last translation pass is in it.
What a placeholder brings into a marked string (a name, a date, a code) stays outside the
brackets and is checked too. Data in its own language is marked as such on the page (`lang`, as
WCAG 3.1.2 asks: the official English wording of the targets, goals and declarations, their
unofficial translations, the narratives), and left out of the check with anything marked
`translate="no"`; Django's own French (month names, its
forms' messages) comes from Django's catalogue and is French."""

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Invitation, User, token_digest
from commitments.models import Commitment, MemberState, ReportingCycle, Submission
from commitments.services import submission_accept, submission_start, submission_submit
from reports.models import CompiledReport
from reports.services import report_compile, report_fail, report_request
from tests.catalogues import CLOSE, OPEN, build_pseudo_locale
from tests.conftest import VerifiedClient, fill_all
from tests.factories import CommitmentFactory, ReportingCycleFactory

# Common English words that a page could show without any message holding them.
COMMON_WORDS = """
    the and of for to with your you this that not are was were has have had will would can could
    should from into over under about after before all any each every more most other some such
    only own same than too very just but his her its our their them they what which who whom why
    how when where there here then now yes one two three four five six seven eight nine ten new
    old first last next previous page date none true false null error errors please click submit
    save cancel back home open close edit delete remove add update view show hide search filter
    sign log out login logout account password email name status draft report reports member
    members state states target targets goal goals progress review returned accepted submitted due
    since until between against without within per
    """
COMMON_ENGLISH = frozenset(COMMON_WORDS.split())

# Language-neutral: units, formats and abbreviations people read as they are.
NEUTRAL = {"sha", "pdf", "csv", "json", "html", "xlsx", "atom", "iso", "api", "url", "utc", "icse"}

WORD = re.compile(r"[A-Za-z]{3,}")
# Addresses and identifiers shown as they are: emails, URLs, hex digests.
VERBATIM = re.compile(r"\S+@\S+|\bhttps?://\S+|\b[0-9a-f]{16,}\b")
HUMAN_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder", "aria-description", "aria-roledescription")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BRACKETED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")


@dataclass(frozen=True)
class PseudoLocale:
    path: Path
    english: frozenset[str]


@pytest.fixture(scope="module")
def pseudo_locale(tmp_path_factory: pytest.TempPathFactory) -> PseudoLocale:
    path, messages = build_pseudo_locale(tmp_path_factory.mktemp("pseudo"))
    words = set(COMMON_ENGLISH)
    for message in messages:
        for text in (message.msgid, message.msgid_plural or ""):
            words |= {word.lower() for word in WORD.findall(re.sub(r"<[^>]*>|%\([^)]*\)\w|\{\w+\}", " ", text))}
    return PseudoLocale(path, frozenset(words - NEUTRAL))


@pytest.fixture
def pseudo_french(pseudo_locale: PseudoLocale, settings: LazySettings) -> PseudoLocale:
    """French pages speak the pseudo-locale (Django resets its catalogues when LOCALE_PATHS
    changes, and again when the test ends)."""
    settings.LOCALE_PATHS = [pseudo_locale.path]
    return pseudo_locale


class VisibleText(HTMLParser):
    """The text a person reads or hears: text nodes and human-facing attributes, without scripts
    and styles, and without what is marked as in another language or as not to translate."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page_language = ""
        self.stack: list[tuple[str, bool]] = []  # (tag, left out)
        self.texts: list[str] = []

    @property
    def left_out(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.page_language = attributes.get("lang", "")
        # A `lang` below the page's root declares data in its language (the official English of a
        # target, an unofficial translation, a narrative): not the templates' text.
        other_language = tag != "html" and "lang" in attributes
        left_out = (
            self.left_out
            or tag in ("script", "style", "template")
            or other_language
            or attributes.get("translate") == "no"
        )
        if not left_out:
            self.texts += [attributes[name] for name in HUMAN_ATTRIBUTES if attributes.get(name)]
            self.texts += [value for name, value in attributes.items() if name.startswith("data-text-")]
            if tag == "input" and attributes.get("type") in ("submit", "button", "reset") and attributes.get("value"):
                self.texts.append(attributes["value"])
        if tag not in VOID:
            self.stack.append((tag, left_out))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for position in range(len(self.stack) - 1, -1, -1):
            if self.stack[position][0] == tag:
                del self.stack[position:]
                return

    def handle_data(self, data: str) -> None:
        if not self.left_out and data.strip():
            self.texts.append(data)


def unmarked_english(html: str, english: frozenset[str], names: tuple[str, ...] = ()) -> list[str]:
    """The bits of text on the page, outside every ⟦marked string⟧, that hold an English word
    (`names`: proper names from the data, left out)."""
    parser = VisibleText()
    parser.feed(html)
    found = []
    for text in parser.texts:
        rest = VERBATIM.sub(" ", BRACKETED.sub(" ", text))
        for name in names:
            rest = rest.replace(name, " ")
        words = [word for word in WORD.findall(rest) if word.lower() in english and not word.isupper()]
        if words:
            found.append(" ".join(rest.split())[:120])
    return found


class Pages:
    """Visits pages in French and collects what they show unmarked."""

    def __init__(self, locale: PseudoLocale) -> None:
        self.locale = locale
        self.found: dict[str, list[str]] = {}
        self.visited: list[str] = []

    @staticmethod
    def names() -> tuple[str, ...]:
        """Data, not template text: the member states' names (proper names, as the record has
        them) and the reporting cycles' names (as the secretariat wrote them)."""
        names = [
            *MemberState.objects.values_list("name", flat=True),
            *ReportingCycle.objects.values_list("name", flat=True),
        ]
        return tuple(sorted(names, key=len, reverse=True))

    def check(self, label: str, response: object, status: int = 200) -> None:
        code = getattr(response, "status_code", None)
        assert code == status, f"{label}: {code}, expected {status}"
        html = response.content.decode()  # type: ignore[attr-defined]
        assert '<html lang="fr">' in html, f"{label}: not in French"
        assert OPEN in html, f"{label}: no string of the pseudo-locale"
        self.visited.append(label)
        unmarked = unmarked_english(html, self.locale.english, self.names())
        if unmarked:
            self.found[label] = unmarked

    def get(self, client: Client, url: str, status: int = 200) -> None:
        self.check(f"GET {url}", client.get(url, HTTP_ACCEPT_LANGUAGE="fr"), status)

    def post(self, client: Client, url: str, data: dict[str, object], status: int = 200) -> None:
        self.check(f"POST {url}", client.post(url, data, HTTP_ACCEPT_LANGUAGE="fr"), status)

    def assert_none_found(self) -> None:
        report = "\n".join(
            f"{page}:\n" + "\n".join(f"    {text!r}" for text in texts) for page, texts in self.found.items()
        )
        assert not self.found, f"Unmarked English text (mark it for translation, or mark data's language):\n{report}"


@pytest.fixture
def pages(pseudo_french: PseudoLocale) -> Pages:
    return Pages(pseudo_french)


def french_speaking(user: User) -> User:
    user.language = "fr"
    user.save(update_fields=["language"])
    return user


def signed_in(user: User) -> VerifiedClient:
    client = VerifiedClient()
    client.force_login(french_speaking(user))
    return client


@pytest.fixture
def fast_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compiles without WeasyPrint: the check reads the pages, not the PDF."""
    monkeypatch.setattr("reports.services.render_pdf", lambda html: b"%PDF-1.7\n%%EOF\n")


@pytest.fixture
def accepted_cycle(
    contact: User, reviewer: User, data: dict[str, object], fast_pdf: None
) -> tuple[Submission, CompiledReport]:
    """A closed cycle whose French report was accepted, its public edition published."""
    today = timezone.localdate()
    cycle = ReportingCycleFactory.create(
        name="Cycle 2",
        period_start=today - timedelta(days=665),
        period_end=today - timedelta(days=305),
        opens_on=today - timedelta(days=395),
        due_on=today - timedelta(days=305),
    )
    draft = submission_start(member_state=contact.member_state, cycle=cycle, actor=contact)  # type: ignore[arg-type]
    fill_all(draft, contact, confidentiality="public", narrative="Lorem ipsum dolor sit amet.")
    submitted = submission_submit(submission=draft, actor=contact)
    accepted = submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)
    report = report_compile(report=report_request(cycle=cycle, edition=CompiledReport.Edition.PUBLIC, actor=reviewer))
    CompiledReport.objects.filter(pk=report.pk).update(published_at=timezone.now() - timedelta(days=2))
    report.refresh_from_db()
    return accepted, report


@pytest.fixture
def data(contact: User, reviewer: User, alliance: None) -> dict[str, object]:
    """France's pledges, an open cycle with France's draft and a submitted report of Germany."""
    france = MemberState.objects.get(iso_code="FR")
    today = timezone.localdate()
    cycle = ReportingCycleFactory.create(
        name="Cycle 3",
        period_start=today - timedelta(days=300),
        period_end=today + timedelta(days=60),
        opens_on=today - timedelta(days=30),
        due_on=today + timedelta(days=60),
    )
    for number in (1, 2):
        CommitmentFactory.create(member_state=france, title=f"Engagement {number}")
    return {"cycle": cycle, "france": france}


def test_the_public_pages_and_sign_in_show_no_unmarked_english(
    pages: Pages, accepted_cycle: tuple[Submission, CompiledReport], data: dict[str, object]
) -> None:
    _, report = accepted_cycle
    visitor = Client()
    for url in (
        "/",
        "/members/FR/",
        "/alliance/",
        "/alliance/map/",
        "/alliance/members/FR/",
        "/alliance/members/DE/",
        "/alliance/reports/",
        f"/alliance/reports/{report.pk}/",
        "/alliance/data/",
        "/accounts/login/",
        "/accounts/password/reset/",
        "/accounts/password/reset/sent/",
        "/accounts/password/reset/done/",
    ):
        pages.get(visitor, url)
    pages.check(
        "password reset link used",
        visitor.get("/accounts/password/reset/MQ/bad-token/", follow=True, HTTP_ACCEPT_LANGUAGE="fr"),
    )
    pages.post(visitor, "/accounts/login/", {"username": "nobody@example.org", "password": "wrong"})
    pages.post(visitor, "/accounts/password/reset/", {"email": "not an address"})
    pages.get(visitor, "/nowhere/", status=404)
    pages.get(visitor, "/reports/999999/", status=404)
    pages.get(visitor, "/accounts/invitations/unknown/", status=404)
    pages.assert_none_found()


def test_the_contacts_pages_show_no_unmarked_english(pages: Pages, contact: User, data: dict[str, object]) -> None:
    client = signed_in(contact)
    cycle = data["cycle"]
    assert isinstance(cycle, ReportingCycle)
    pages.get(client, "/reporting/")
    started = client.post(f"/reporting/cycles/{cycle.pk}/start", HTTP_ACCEPT_LANGUAGE="fr")
    assert started.status_code == 302, started
    submission = Submission.objects.get(cycle=cycle, member_state=contact.member_state)
    commitment = Commitment.objects.filter(member_state=contact.member_state).first()
    assert commitment is not None
    pages.get(client, f"/submissions/{submission.pk}/")
    pages.post(client, f"/submissions/{submission.pk}/submit", {}, status=400)
    pages.post(
        client,
        f"/submissions/{submission.pk}/updates/{commitment.pk}/",
        {"status": "nonsense", "completion_percent": "200"},
        status=400,
    )
    pages.post(client, f"/submissions/{submission.pk}/updates/{commitment.pk}/evidence/", {}, status=400)
    pages.get(client, f"/submissions/{submission.pk}/pledges/new")
    pages.post(client, f"/submissions/{submission.pk}/pledges/new", {}, status=400)
    # The report filled offline: the upload page, a bad file, and the preview of a file with an error.
    pages.get(client, f"/submissions/{submission.pk}/spreadsheet/")
    text = SimpleUploadedFile("report.xlsx", b"Status;Completion\nOn track;50\n")
    pages.post(client, f"/submissions/{submission.pk}/spreadsheet/", {"file": text}, status=400)
    downloaded = client.get(f"/submissions/{submission.pk}/spreadsheet.xlsx", HTTP_ACCEPT_LANGUAGE="fr")
    book = load_workbook(io.BytesIO(downloaded.content))
    sheet = book.worksheets[0]
    sheet.cell(row=2, column=9).value = 120  # completion: an error
    sheet.cell(row=3, column=9).value = 40  # a change
    filled = io.BytesIO()
    book.save(filled)
    uploaded = client.post(
        f"/submissions/{submission.pk}/spreadsheet/",
        {"file": SimpleUploadedFile("report.xlsx", filled.getvalue())},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert uploaded.status_code == 302, uploaded.content.decode()[:1000]
    pages.get(client, uploaded["Location"])
    pages.get(client, "/reports/")
    pages.get(client, "/accounts/")
    pages.post(client, "/accounts/api-keys/", {}, status=400)
    pages.get(client, "/accounts/password/")
    pages.post(client, "/accounts/password/", {"old_password": "wrong", "new_password1": "a", "new_password2": "b"})
    pages.get(client, "/review/", status=403)
    pages.assert_none_found()


def test_the_secretariats_pages_show_no_unmarked_english(
    pages: Pages, reviewer: User, contact: User, data: dict[str, object], fast_pdf: None
) -> None:
    cycle = data["cycle"]
    assert isinstance(cycle, ReportingCycle)
    draft = submission_start(member_state=contact.member_state, cycle=cycle, actor=contact)  # type: ignore[arg-type]
    fill_all(draft, contact, narrative="Lorem ipsum dolor sit amet.")
    submitted = submission_submit(submission=draft, actor=contact)
    client = signed_in(reviewer)
    pages.get(client, "/review/")
    pages.get(client, "/review/completeness/")
    pages.get(client, f"/review/submissions/{submitted.pk}/")
    refused = client.post(
        f"/review/submissions/{submitted.pk}/extension", {"due_on": "tomorrow"}, follow=True, HTTP_ACCEPT_LANGUAGE="fr"
    )
    pages.check("refused extension", refused)
    pages.get(client, "/reports/")
    pages.post(client, "/reports/compile", {"cycle": "", "edition": "xyz"}, status=400)
    queued = report_request(cycle=cycle, edition=CompiledReport.Edition.SECRETARIAT, actor=reviewer)
    pages.get(client, f"/reports/{queued.pk}/")
    CompiledReport.objects.filter(pk=queued.pk).update(status=CompiledReport.Status.RUNNING, progress=40)
    pages.get(client, f"/reports/{queued.pk}/")
    report_fail(report_id=queued.pk, reason="Échec")
    pages.get(client, f"/reports/{queued.pk}/")
    public = report_compile(report=report_request(cycle=cycle, edition=CompiledReport.Edition.PUBLIC, actor=reviewer))
    pages.get(client, f"/reports/{public.pk}/")
    pages.get(client, f"/reports/{public.pk}/publish")
    pages.get(client, "/accounts/")
    pages.get(client, "/accounts/two-factor/")
    pages.post(client, "/accounts/two-factor/", {"token": "000000"}, status=400)
    pages.assert_none_found()


def test_a_published_reports_withdrawal_and_the_sign_in_steps_show_no_unmarked_english(
    pages: Pages, reviewer: User, accepted_cycle: tuple[Submission, CompiledReport]
) -> None:
    _, report = accepted_cycle
    client = signed_in(reviewer)
    pages.get(client, f"/reports/{report.pk}/")
    pages.get(client, f"/reports/{report.pk}/withdraw")
    pages.post(client, f"/reports/{report.pk}/withdraw", {"reason": ""}, status=400)
    # The second factor's step, after the password.
    browser = Client()
    french_speaking(reviewer)
    browser.post("/accounts/login/", {"username": reviewer.email, "password": "correct horse battery staple"})
    pages.get(browser, "/accounts/verify/")
    pages.post(browser, "/accounts/verify/", {"token": "000000"}, status=400)
    # An invitation, open and expired.
    token = "an-invitation-token"
    invitation = Invitation.objects.create(
        email="nouveau@ministere.example.org",
        member_state=MemberState.objects.get(iso_code="IE"),
        role=User.Role.NATIONAL_CONTACT,
        token_digest=token_digest(token),
        created_by=reviewer,
        expires_at=timezone.now() + timedelta(days=3),
    )
    visitor = Client()
    pages.get(visitor, f"/accounts/invitations/{token}/")
    pages.post(visitor, f"/accounts/invitations/{token}/", {"password1": "a", "password2": "b"}, status=400)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))
    pages.check("expired invitation", visitor.get(f"/accounts/invitations/{token}/", HTTP_ACCEPT_LANGUAGE="fr"), 410)
    # A form sent without its security token.
    strict = Client(enforce_csrf_checks=True)
    pages.check("CSRF failure", strict.post("/accounts/login/", {}, HTTP_ACCEPT_LANGUAGE="fr"), 403)
    pages.assert_none_found()
