"""Recording history: who changed what, when, with the values before and after."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .models import HistoryEntry, MemberState, Submission

# What the entries' actions (kept in the record as written, in English) say to a reader.
ACTION_LABELS = {
    "created": _("Created"),
    "updated": _("Updated"),
    "submitted": _("Submitted"),
    "returned": _("Returned"),
    "accepted": _("Accepted"),
    "commented": _("Commented"),
    "extended": _("Extended"),
    "pledged": _("Pledged"),
    "attached": _("Attached"),
    "removed file": _("Removed file"),
    "published": _("Published"),
    "withdrawn": _("Withdrawn"),
    "updated in admin": _("Updated in the administration"),
    "deleted in admin": _("Deleted in the administration"),
    "imported": _("Imported from a spreadsheet"),
}


def action_label(action: str) -> str:
    """An entry's action in the reader's language (an action not known here as recorded)."""
    return str(ACTION_LABELS.get(action, action.capitalize()))


# What an entry is about is recorded as it was named then, in English (`str()` of the object): the
# framing words of an update and of a comment are said again in the reader's language.
_SUBJECT_FRAMES = (
    ("Comment on Update on ", _("Comment on the update on %(commitment)s")),
    ("Update on ", _("Update on %(commitment)s")),
)


def subject_label(entry: HistoryEntry) -> str:
    """What an entry is about, in the reader's language where the tracker framed it."""
    for prefix, frame in _SUBJECT_FRAMES:
        if entry.subject_label.startswith(prefix):
            return str(frame) % {"commitment": entry.subject_label.removeprefix(prefix)}
    return entry.subject_label


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def field_values(obj: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value differs (a missing side counts as empty)."""
    names = list(after) + [name for name in before if name not in after]
    return {
        name: [before.get(name), after.get(name)]
        for name in names
        if before.get(name) != after.get(name) and not (_blank(before.get(name)) and _blank(after.get(name)))
    }


# A person's successive saves of one thing within this window make one entry (autosave would
# otherwise write one per pause in typing); the entry keeps the first old and the last new value.
MERGE_WINDOW = timedelta(minutes=10)


def record_edit(
    *,
    actor: User,
    subject: models.Model,
    changes: dict[str, list[Any]],
    member_state: MemberState,
    submission: Submission,
) -> HistoryEntry:
    now = timezone.now()
    latest = (
        HistoryEntry.objects.filter(subject_type=subject._meta.model_name, subject_id=subject.pk)
        .order_by("-at", "-pk")
        .first()
    )
    if latest is None or latest.actor_id != actor.pk or latest.action != "updated" or now - latest.at > MERGE_WINDOW:
        return record(
            actor=actor,
            action="updated",
            subject=subject,
            changes=changes,
            member_state=member_state,
            submission=submission,
        )
    merged = dict(latest.changes)
    for name, (old, new) in changes.items():
        first_old = merged[name][0] if name in merged else old
        merged[name] = [first_old, new]
    latest.changes = {name: pair for name, pair in merged.items() if pair[0] != pair[1]}
    latest.at = now
    latest.save(update_fields=["changes", "at"])
    return latest


def record(
    *,
    actor: User | None,
    action: str,
    subject: models.Model,
    changes: dict[str, Any] | None = None,
    member_state: MemberState | None = None,
    submission: Submission | None = None,
    actor_label: str = "",
) -> HistoryEntry:
    return HistoryEntry.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_label=actor_label or (actor.email if actor else "system"),
        member_state=member_state,
        submission=submission,
        subject_type=subject._meta.model_name or "",
        subject_id=subject.pk,
        subject_label=str(subject)[:300],
        action=action,
        changes=changes or {},
    )
