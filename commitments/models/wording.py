"""Reference texts in the reader's language: the official English wording of the sources, or an
unofficial translation kept beside it as data (the secretariat corrects it in the admin).

Each translation is a column `<field>_<language>` declared next to the official text: reading one
adds no query, and the admin shows every wording of an object on one page.
"""

from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import models
from django.utils import translation
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _


class TextLanguage(models.TextChoices):
    """The languages a text is written in: the tracker's languages without their region (a test
    checks them against settings.LANGUAGES)."""

    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    SPANISH = "es", _("Spanish")


# The language of the sources and of the record.
OFFICIAL_LANGUAGE = TextLanguage.ENGLISH.value

# The languages reference texts are translated into, each with a column `<field>_<code>` per text.
TRANSLATED_LANGUAGES = tuple(code for code in TextLanguage.values if code != OFFICIAL_LANGUAGE)

UNOFFICIAL_HELP = _(
    "An unofficial translation, shown to readers of this language. Empty: they read the official English."
)


@dataclass(frozen=True)
class Wording:
    """A reference text as shown: its words, their language, and whether they are the official text."""

    text: str
    language: str
    official: bool
    official_text: str

    def __str__(self) -> str:
        return self.text


def language_base(language: str | None) -> str:
    """`fr` of `fr-ca`, `en` of `en-gb`: the language a text is written in."""
    return (language or OFFICIAL_LANGUAGE).split("-")[0].lower()


def speaking(language: str) -> translation.override:
    """Write in `language` (`en`, `fr`, `es`): the tracker's variant of it (English is British)."""
    return translation.override(translation.get_supported_language_variant(language))


def wording_of(obj: object, field: str, language: str | None = None) -> Wording:
    """The text of `field` in `language` (the active one by default): its unofficial translation
    when one is recorded, otherwise the official English wording."""
    official = str(getattr(obj, field))
    base = language_base(language or get_language())
    if base in TRANSLATED_LANGUAGES:
        translated = str(getattr(obj, f"{field}_{base}", "") or "")
        if translated.strip():
            return Wording(text=translated, language=base, official=False, official_text=official)
    return Wording(text=official, language=OFFICIAL_LANGUAGE, official=True, official_text=official)


class Worded:
    """Reference objects whose texts have unofficial translations."""

    # The field that names the object in a list of choices.
    worded_as: ClassVar[str] = "title"

    def wording(self, field: str, language: str | None = None) -> Wording:
        return wording_of(self, field, language)


# Whole sentences per language: a language's name inflects differently within a sentence in French
# and Spanish ("en français", "en francés") from on its own.
_WRITTEN_IN = {
    TextLanguage.ENGLISH: _("Written in English."),
    TextLanguage.FRENCH: _("Written in French."),
    TextLanguage.SPANISH: _("Written in Spanish."),
}


def written_in(language: str) -> str:
    """The sentence that says which language a text is in ("" for a language not known)."""
    base = language_base(language)
    return str(_WRITTEN_IN[TextLanguage(base)]) if base in TextLanguage.values else ""


def marked_text(wording: Wording) -> str:
    """A reference text in plain text (a choice in a list): its words, said to be an unofficial
    translation when they are one."""
    if wording.official:
        return wording.text
    return gettext("%(text)s (unofficial translation)") % {"text": wording.text}


def mark_option_language(option: dict[str, Any]) -> dict[str, Any]:
    """A select's option whose choice is a reference object, marked with the language of its words."""
    instance = getattr(option["value"], "instance", None)
    if isinstance(instance, Worded):
        option["attrs"]["lang"] = instance.wording(instance.worded_as).language
    return option
