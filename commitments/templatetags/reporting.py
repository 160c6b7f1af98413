from typing import Any

from django import template

from commitments.diffs import display_label, display_value
from commitments.models import HistoryEntry

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
def as_words(value: Any, name: str) -> str:
    return display_value(name, value)
