"""The language a person reads in: the one they chose (kept on their account), else the tracker's
default. Emails are written in it wherever they are sent from (requests, workers, beat)."""

from django.conf import settings
from django.utils import translation


def is_language(code: str) -> bool:
    """Whether `code` is one of the tracker's languages (settings.LANGUAGES)."""
    return code in dict(settings.LANGUAGES)


def in_language_of(language: str) -> translation.override:
    """Write for a person whose chosen language is `language` (blank: none chosen)."""
    return translation.override(language or settings.LANGUAGE_CODE)
