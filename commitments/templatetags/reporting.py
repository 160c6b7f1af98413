from typing import Any

from django import template

from commitments.diffs import display_label, display_value
from commitments.history import action_label, subject_label
from commitments.models import HistoryEntry
from commitments.models.wording import Worded

register = template.Library()


@register.filter
def change_rows(entry: HistoryEntry) -> list[tuple[str, str, str]]:
    """A history entry's changes as (label, before, after), in words rather than field values."""
    rows = []
    for name, pair in entry.changes.items():
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        rows.append((display_label(name), display_value(name, old), display_value(name, new)))
    return rows


@register.filter
def action_words(action: str) -> str:
    """A history entry's action as a reader says it."""
    return action_label(action)


@register.filter
def subject_words(entry: HistoryEntry) -> str:
    """What a history entry is about, as a reader says it."""
    return subject_label(entry)


@register.filter
def as_words(value: Any, name: str) -> str:
    return display_value(name, value)


@register.inclusion_tag("includes/wording.html")
def wording(obj: Worded, field: str, beside: bool = False) -> dict[str, Any]:
    """A reference text in the page's language, marked as an unofficial translation when it is one;
    `beside=True` also shows the official English wording (for full texts, not titles)."""
    return {"wording": obj.wording(field), "beside": beside}
