"""What a delivery says: the event, its id and time, and the identifiers of the object it is about
with its API address. Nothing else: no narrative text, nothing confidential; a receiver that wants
more reads the object through the API with its own key, under the API's own access rules."""

import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse

if TYPE_CHECKING:
    from commitments.models import Submission
    from reports.models import CompiledReport


def _api_url(name: str, pk: int) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse(name, args=[pk])}"


def envelope(*, event: str, event_id: uuid.UUID, occurred_at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"event": event, "id": str(event_id), "occurred_at": occurred_at.isoformat(), "data": data}


def submission(submission: "Submission") -> dict[str, Any]:
    return {
        "submission": {
            "id": submission.pk,
            "member": submission.member_state.iso_code,
            "cycle": submission.cycle_id,
            "status": submission.status,
            "round": submission.round,
            "url": _api_url("submission-detail", submission.pk),
        }
    }


def report(report: "CompiledReport") -> dict[str, Any]:
    return {
        "report": {
            "id": report.pk,
            "cycle": report.cycle_id,
            "edition": report.edition,
            "published_at": report.published_at.isoformat() if report.published_at else None,
            "url": _api_url("report-detail", report.pk),
        }
    }


def encode(payload: dict[str, Any]) -> bytes:
    """The body posted: compact JSON with sorted keys (PostgreSQL's jsonb keeps no key order, and
    each attempt should post the same bytes)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
