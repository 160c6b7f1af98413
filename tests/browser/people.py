"""People signing in and out through the real login page (with their authenticator's code).

The pages' words are English unless `say` gives them in the page's language (a function from the
English message to the text the page shows, as tests/browser/test_languages.py's catalogues do)."""

from collections.abc import Callable

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.conftest import current_code

# The password the factories give everyone.
PASSWORD = "correct horse battery staple"

Say = Callable[[str], str]


def english(message: str) -> str:
    return message


def sign_in(page: Page, user: User, say: Say = english) -> None:
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name=say("Sign in"), level=1)).to_be_visible()
    page.get_by_label(say("Email address")).fill(user.email)
    page.get_by_label(say("Password")).fill(PASSWORD)
    page.get_by_role("button", name=say("Sign in")).click()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if user.is_secretariat:
        # Secretariat staff give a code from their authenticator app (computed here from its key).
        assert device is not None, "secretariat accounts have an authenticator"
        expect(page.get_by_role("heading", name=say("Confirm it is you"))).to_be_visible()
        page.get_by_label(say("Code")).fill(current_code(device))
        page.get_by_role("button", name=say("Continue")).click()
    expect(page.get_by_role("navigation", name=say("Main"))).to_contain_text(user.email)


def sign_out(page: Page, say: Say = english) -> None:
    page.get_by_role("button", name=say("Sign out")).click()
    expect(page.get_by_role("heading", name=say("Sign in"), level=1)).to_be_visible()
    expect(page.get_by_role("button", name=say("Sign out"))).to_have_count(0)
