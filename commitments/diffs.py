"""What changed between two versions of a submission, update by update, for the reviewer."""

import difflib
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alliance.formats import long_date

from .models import FIGURE_FIELDS, Commitment, Confidentiality, Submission

LABELS = {
    "status": _("Status"),
    "completion_percent": _("Completion (%)"),
    "narrative": _("Narrative"),
    "confidentiality": _("Confidentiality"),
    "icse_victims_identified": _("Victims identified (ICSE)"),
    "takedown_median_hours": _("Median hours to takedown"),
    "figures_source": _("Source of the figures"),
    "milestones": _("Milestones"),
    "evidence": _("Evidence files"),
    "extended_due_on": _("Extended due date"),
    "round": _("Round"),
    "returned updates": _("Returned updates"),
    "comment": _("Comment"),
    "planned_start": _("Planned start"),
    "planned_end": _("Planned end"),
    "file": _("Spreadsheet"),
    "updates": _("Updates saved"),
    "title": _("Title"),
    "description": _("Description"),
    "target": _("Policy target"),
    "goal": _("Operational goal"),
    "action": _("Potential action"),
    "reason": _("Reason"),
}
CHOICES = {"status": dict(Commitment.Status.choices), "confidentiality": dict(Confidentiality.choices)}
STATUS_LABELS = {**dict(Commitment.Status.choices), **dict(Submission.Status.choices)}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str
    inline: SafeString | None = None  # word-level diff for long text


@dataclass
class UpdateDiff:
    commitment_id: int
    title: str
    kind: str  # "added", "changed", "unchanged"
    changes: list[FieldChange] = field(default_factory=list)


def display_value(name: str, value: Any) -> str:
    """A field's value as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if name == "status":
        return str(STATUS_LABELS.get(value, value))
    if name in CHOICES:
        return str(CHOICES[name].get(value, value))
    if isinstance(value, list) and name not in ("milestones", "evidence"):
        return ", ".join(str(v) for v in value)
    if name == "milestones" and isinstance(value, list):
        return "; ".join(
            (gettext("%(date)s: %(title)s (done)") if done else gettext("%(date)s: %(title)s"))
            % {"date": long_date(day), "title": title}
            for day, title, done in value
        )
    if name == "evidence" and isinstance(value, list):
        return ", ".join(value)
    if name in FIGURE_FIELDS or name == "completion_percent":
        # Figures as people write them in the reader's language (46,6 in French).
        with suppress(ValueError, ArithmeticError):
            return number_format(Decimal(str(value)), use_l10n=True, force_grouping=True)
    return str(value)


def display_label(name: str) -> str:
    return str(LABELS.get(name, name.replace("_", " ").capitalize()))


def word_diff(old: str, new: str) -> SafeString:
    """The new text with removed words struck through and added words marked, HTML-escaped."""
    a, b = old.split(), new.split()
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(escape(" ".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(' '.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(' '.join(b[j1:j2]))}</ins>")
    return mark_safe(" ".join(parts))  # noqa: S308 - every piece of text above is escaped


def diff_snapshots(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[int, UpdateDiff]:
    """Per commitment id, how the update in `new` differs from the one in `old`."""
    old_updates = (old or {}).get("updates", {})
    result: dict[int, UpdateDiff] = {}
    for key, after in new.get("updates", {}).items():
        before = old_updates.get(key)
        diff = UpdateDiff(int(key), after.get("commitment", ""), "added" if before is None else "unchanged")
        for name, label in LABELS.items():
            old_value = (before or {}).get(name)
            new_value = after.get(name)
            if before is not None and old_value == new_value:
                continue
            if before is None and new_value in (None, "", []):
                continue
            inline = word_diff(old_value or "", new_value or "") if name == "narrative" and before else None
            diff.changes.append(
                FieldChange(str(label), display_value(name, old_value), display_value(name, new_value), inline)
            )
        if before is not None and diff.changes:
            diff.kind = "changed"
        result[int(key)] = diff
    return result
