from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def language_choices() -> list[tuple[str, str]]:
    """The languages of the chooser, each named in itself ("Français" on an English page too):
    Django's get_available_languages translates the names into the page's language."""
    return list(settings.LANGUAGES)
