"""What the reporting and review pages share: the person, and the cards of a submission's commitments."""

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from accounts.models import User

from .. import permissions, selectors
from ..forms import (
    EvidenceForm,
    MilestoneFormSet,
    ProgressUpdateForm,
    ReviewCommentForm,
)
from ..models import (
    Commitment,
    PolicyTarget,
    ProgressUpdate,
    Submission,
)


def user_of(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@dataclass
class Card:
    """One commitment on the submission page, with its update and the forms to change it."""

    commitment: Commitment
    update: ProgressUpdate | None
    editable: bool
    form: ProgressUpdateForm | None = None
    milestones: Any = None
    evidence_form: EvidenceForm | None = None
    conflict: ProgressUpdate | None = None
    diff: Any = None
    diff_accepted: Any = None
    comment_form: ReviewCommentForm | None = None
    return_chosen: bool = False
    return_comment: str = ""


@dataclass
class TargetGroup:
    target: PolicyTarget
    cards: list[Card] = field(default_factory=list)


def cards_of(
    request: HttpRequest,
    submission: Submission,
    bound: dict[int, dict[str, Any]] | None = None,
) -> tuple[list[TargetGroup], list[Card]]:
    viewer = request.user
    commitments, updates = selectors.submission_page_data(submission, viewer=viewer)
    groups: dict[int, TargetGroup] = {}
    cards = []
    for commitment in commitments:
        update = updates.get(commitment.pk)
        card = Card(commitment, update, permissions.can_edit_update(viewer, submission, update))
        if card.editable:
            prefix = f"c{commitment.pk}"
            extra = (bound or {}).get(commitment.pk, {})
            card.form = extra.get("form") or ProgressUpdateForm(instance=update, commitment=commitment, prefix=prefix)
            card.milestones = extra.get("milestones") or MilestoneFormSet(
                prefix=f"{prefix}-ms",
                initial=[{"due_on": m.due_on, "title": m.title, "done": m.done} for m in update.milestones.all()]
                if update
                else [],
            )
            card.evidence_form = extra.get("evidence_form") or EvidenceForm(prefix=f"e{commitment.pk}")
            card.conflict = extra.get("conflict")
        groups.setdefault(commitment.target.number, TargetGroup(commitment.target)).cards.append(card)
        cards.append(card)
    return [groups[n] for n in sorted(groups)], cards


def error_links(cards: list[Card]) -> list[tuple[str, str]]:
    """The error summary of a page whose forms were refused: one link per error to its field."""
    links: list[tuple[str, str]] = []
    for card in cards:
        rows = list(card.milestones.forms) if card.milestones is not None and card.milestones.is_bound else []
        for form in [card.form, card.evidence_form, *rows]:
            if form is None or not form.is_bound:
                continue
            for name, errors in form.errors.items():
                field = form.fields.get(name)
                anchor = form[name].auto_id if field is not None else f"c{card.commitment.pk}"
                label = f"{field.label}: " if field is not None and field.label else ""
                links += [(anchor, f"{card.commitment.title} — {label}{error}") for error in errors]
        if rows:
            anchor = card.milestones.prefix
            links += [(anchor, f"{card.commitment.title} — {error}") for error in card.milestones.non_form_errors()]
    return links
