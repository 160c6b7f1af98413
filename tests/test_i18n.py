"""The tracker in English, French and Spanish: complete catalogues, the language of the browser
before any choice, the person's own choice (the chooser on every page, kept on their account),
and cached answers kept apart by language."""

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from tests.catalogues import LOCALE, extract

TRANSLATED = ("fr", "es")


def statistics(po: Path) -> str:
    """msgfmt's count of translated, fuzzy and untranslated messages; --check also fails a
    translation whose placeholders (%(name)s) differ from its message's."""
    checked = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    return checked.stderr


@pytest.mark.slow
def test_every_marked_string_is_translated_in_french_and_spanish(tmp_path: Path) -> None:
    """The strings marked in today's code, extracted again into a copy of the sources and merged
    with the catalogues there (msgmerge): a string marked since the last extraction shows as
    untranslated, a changed one as fuzzy."""
    extracted = extract(tmp_path, TRANSLATED)
    for language in TRANSLATED:
        stats = statistics(extracted / language / "LC_MESSAGES" / "django.po")
        assert "untranslated" not in stats, f"{language}: {stats}"
        assert "fuzzy" not in stats, f"{language}: {stats}"
        translated = int(re.match(r"(\d+) translated", stats)[1])  # type: ignore[index]
        assert translated > 600, stats
        # And the catalogue in git holds exactly these.
        assert statistics(LOCALE / language / "LC_MESSAGES" / "django.po") == stats


def test_the_browsers_language_is_spoken_before_any_choice(db: None) -> None:
    with translation.override("fr"):
        sign_in = gettext("Sign in")
    assert sign_in != "Sign in"
    page = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr-CH, fr;q=0.9, en;q=0.5")
    html = page.content.decode()
    assert '<html lang="fr">' in html
    assert sign_in in html
    assert page["Content-Language"] == "fr"
    english = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert '<html lang="en-gb">' in english
    assert "Sign in" in english


def test_the_chooser_keeps_a_visitors_choice_in_the_language_cookie(db: None) -> None:
    visitor = Client()
    chosen = visitor.get("/accounts/language/", {"lang": "es", "next": "/alliance/"})
    assert chosen.status_code == 302
    assert chosen["Location"] == "/alliance/"
    assert visitor.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = visitor.get("/alliance/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="es">' in page  # the choice before the browser's language
    assert 'aria-current="true">Español</a>' in page


def test_the_chooser_refuses_an_unknown_language_and_a_foreign_address(db: None) -> None:
    refused = Client().get("/accounts/language/", {"lang": "xx", "next": "/alliance/"})
    assert refused.status_code == 400
    assert refused.content.decode().startswith("lang:")
    elsewhere = Client().get("/accounts/language/", {"lang": "fr", "next": "https://evil.example/"})
    assert elsewhere.status_code == 302
    assert elsewhere["Location"] == "/"


def test_a_persons_choice_is_kept_on_their_account_and_follows_them(client: Client, contact: User) -> None:
    client.force_login(contact)
    client.get("/accounts/language/", {"lang": "fr", "next": "/reporting/"})
    contact.refresh_from_db()
    assert contact.language == "fr"
    # Another browser, signed in, whose own language is English: the person's choice wins.
    other = Client()
    other.force_login(contact)
    page = other.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en-GB")
    assert '<html lang="fr">' in page.content.decode()


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_every_page_offers_the_three_languages_each_named_in_itself(db: None, language: str) -> None:
    html = Client().get("/alliance/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for code, name in (("en-gb", "English"), ("fr", "Français"), ("es", "Español")):
        assert f'lang="{code}" hreflang="{code}"' in html
        assert f">{name}</a>" in html


def test_cached_pages_and_answers_are_kept_apart_by_language(alliance: None) -> None:
    visitor = Client()
    french = visitor.get("/alliance/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = visitor.get("/alliance/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr">' in french
    assert '<html lang="en-gb">' in english
    with translation.override("fr"):
        progress = gettext("Alliance progress")
    assert progress not in english
    tags = {
        language: Client().get("/api/v1/members/", HTTP_ACCEPT_LANGUAGE=language)["ETag"] for language in ("fr", "es")
    }
    assert tags["fr"] != tags["es"]
    refused = Client().get("/api/v1/members/?page=999", HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 404
    with translation.override("fr"):
        assert refused.json()["detail"] == gettext("Invalid page.")
    assert refused.json()["detail"] != "Invalid page."


def test_a_password_only_session_changes_its_language_but_not_the_account(reviewer: User) -> None:
    """During the sign-in steps the chooser sets the cookie only: the account waits for the
    second factor."""
    browser = Client()
    signed = browser.post("/accounts/login/", {"username": reviewer.email, "password": "correct horse battery staple"})
    assert signed.status_code == 302
    assert browser.get("/review/").status_code == 302  # password only: not through yet
    chosen = browser.get("/accounts/language/", {"lang": "es", "next": "/accounts/verify/"})
    assert chosen.status_code == 302
    assert browser.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    reviewer.refresh_from_db()
    assert reviewer.language == ""
