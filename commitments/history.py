"""Recording history: who changed what, when, with the values before and after."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from accounts.models import User

from .models import HistoryEntry, MemberState, Submission


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


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value differs (a missing side counts as None)."""
    names = list(after) + [name for name in before if name not in after]
    return {name: [before.get(name), after.get(name)] for name in names if before.get(name) != after.get(name)}


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
