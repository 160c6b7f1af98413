"""Publishing a cycle's report: the secretariat's deliberate act that makes a public edition the
Alliance's report of its cycle, visible to everyone (`permissions.reports_for`); and withdrawing it.

The rules, here and nowhere else:

- Only a finished, final public edition is published: built (done), and built after the cycle's
  due date (`is_final`: an open cycle's edition is stamped "Draft" inside).
- One published report per cycle (also a database constraint). Publishing a report of a cycle
  whose report is published *replaces* it: the earlier one is withdrawn in the same transaction,
  so that the cycle is never without its report in between, and a reason is required (kept as the
  earlier report's withdrawal reason and in the history). Publishing again after a withdrawal (the
  same report or another) also needs a reason; a cycle's first publication needs none.
- Withdrawing needs a reason. The report keeps who withdrew it, when and why, and is hidden again.
- Each act is written to the history (`commitments.HistoryEntry`, its subject the report) and
  bumps the data version (cached pages and API answers show it at once).
- Once a publication commits, every active national contact of every member state in the report
  (the members of the Alliance on the cycle's due date, as the report's content has them) gets one
  email, sent through the outbox by `notify_report_published`, once per publication however often
  the job runs (`PublicationNoticeSent`).
"""

from datetime import datetime
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.languages import in_language_of
from accounts.models import User
from commitments import dataversion
from commitments.history import record
from commitments.models import ReportingCycle
from commitments.selectors import member_states_on
from commitments.services import WorkflowError
from webhooks.services import report_event_record

from .models import CompiledReport, PublicationNoticeSent
from .permissions import can_publish
from .selectors import published_reports

REASON_LENGTH = 2000


def publication_problem(report: CompiledReport) -> str | None:
    """Why `report` cannot be published as it is, or None if it can."""
    if report.edition != CompiledReport.Edition.PUBLIC:
        return _("Only a public edition is published: the secretariat's edition stays with the secretariat.")
    built = report.built
    if report.status != CompiledReport.Status.DONE or built.status != CompiledReport.Status.DONE:
        return _("This report is not finished: it can be published once it is built.")
    if not built.is_final:
        return _(
            "This report was built while the cycle was still open: publish the final report, built after the "
            "cycle's due date."
        )
    if report.is_published:
        return _("This report is published already.")
    return None


def reason_needed(report: CompiledReport) -> bool:
    """A publication needs a reason when a report of the cycle is, or was, published: it replaces
    that report, or publishes the cycle's report again after a withdrawal."""
    return CompiledReport.objects.filter(cycle_id=report.cycle_id, published_at__isnull=False).exists()


def members_in(report: CompiledReport) -> int:
    """How many member states the report covers (whose contacts a publication tells)."""
    return member_states_on(day=report.cycle.due_on).count()


def _require_publisher(actor: User) -> None:
    if not can_publish(actor):
        raise PermissionDenied(_("Only the secretariat publishes and withdraws reports."))


def _locked(report: CompiledReport) -> CompiledReport:
    # The cycle first: publications and withdrawals of one cycle's reports happen one at a time.
    ReportingCycle.objects.select_for_update().filter(pk=report.cycle_id).first()
    return CompiledReport.objects.select_for_update(of=("self",)).select_related("cycle", "same_as").get(pk=report.pk)


def _clean_reason(reason: str, *, required: str | None) -> str:
    reason = reason.strip()
    if required and not reason:
        raise ValidationError({"reason": required})
    if len(reason) > REASON_LENGTH:
        raise ValidationError({"reason": _("Keep the reason under %(n)d characters.") % {"n": REASON_LENGTH}})
    return reason


def _withdraw(report: CompiledReport, *, actor: User, reason: str, at: datetime) -> None:
    report.withdrawn_at = at
    report.withdrawn_by = actor
    report.withdrawal_reason = reason
    report.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    record(
        actor=actor,
        action="withdrawn",
        subject=report,
        changes={"withdrawn_at": [None, at.isoformat()], "reason": [None, reason]},
    )


@transaction.atomic
def report_publish(
    *, report: CompiledReport, actor: User, reason: str = "", request: HttpRequest | None = None
) -> CompiledReport:
    """Publish `report` as its cycle's report (see the rules above); `request`, when there is one,
    gives the address of the report in the emails (else SITE_URL)."""
    _require_publisher(actor)
    locked = _locked(report)
    problem = publication_problem(locked)
    if problem is not None:
        raise WorkflowError(problem)
    replaced = published_reports().filter(cycle_id=locked.cycle_id).first()
    if replaced is not None:
        required: str | None = _("Say why this report replaces the published one: the reason is kept with both.")
    elif reason_needed(locked):
        required = _("Say why the cycle's report is published again after its withdrawal.")
    else:
        required = None
    reason = _clean_reason(reason, required=required)
    now = timezone.now()
    if replaced is not None:
        replacement = _("Replaced by report %(report)s: %(reason)s") % {"report": locked.pk, "reason": reason}
        _withdraw(replaced, actor=actor, reason=replacement, at=now)
    before = locked.published_at
    locked.published_at, locked.published_by = now, actor
    locked.withdrawn_at, locked.withdrawn_by, locked.withdrawal_reason = None, None, ""
    locked.save(update_fields=["published_at", "published_by", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    changes: dict[str, Any] = {"published_at": [before.isoformat() if before else None, now.isoformat()]}
    if reason:
        changes["reason"] = [None, reason]
    if replaced is not None:
        changes["replaces"] = [None, replaced.pk]
    record(actor=actor, action="published", subject=locked, changes=changes)
    dataversion.data_changed()
    _notify_published(locked, request)
    report_event_record(report=locked, event="report.published")
    return locked


@transaction.atomic
def report_withdraw(*, report: CompiledReport, actor: User, reason: str) -> CompiledReport:
    """Withdraw a published report, saying why: it is hidden again from everyone outside the
    secretariat, and may be published again (with a reason) or replaced by another."""
    _require_publisher(actor)
    locked = _locked(report)
    if not locked.is_published:
        raise WorkflowError(_("This report is not published: there is nothing to withdraw."))
    reason = _clean_reason(reason, required=_("Say why the report is withdrawn: the reason is kept with it."))
    _withdraw(locked, actor=actor, reason=reason, at=timezone.now())
    dataversion.data_changed()
    return locked


# --- Telling the contacts ----------------------------------------------------------------------


def _notify_published(report: CompiledReport, request: HttpRequest | None) -> None:
    from jobs import outbox

    assert report.published_at is not None
    path = reverse("reports:detail", args=[report.pk])
    link = request.build_absolute_uri(path) if request is not None else f"{settings.SITE_URL}{path}"
    published_at = report.published_at.isoformat()
    # Kept with the publication and sent once it commits (jobs.outbox): a rolled-back publication
    # tells no one; a broker that is down delays the emails.
    outbox.send(
        notify_report_published, report.pk, published_at, link, task_id=f"report-published-{report.pk}-{published_at}"
    )


def publication_recipients(report: CompiledReport) -> list[tuple[str, str, str]]:
    """(email, member state name, chosen language) of each active national contact of a member in
    the report."""
    members = member_states_on(day=report.cycle.due_on).values("pk")
    contacts = User.objects.filter(is_active=True, role=User.Role.NATIONAL_CONTACT, member_state__in=members)
    return list(contacts.order_by("email").values_list("email", "member_state__name", "language"))


def publication_notice_send(*, report_id: int, published_at: datetime, link: str) -> int:
    """Email the contacts of the members in the report of its publication at `published_at`; how
    many emails went. Nothing if the report was withdrawn (or published again: that publication
    has its own notice) since, or if this publication's notice went already."""
    report = (
        CompiledReport.objects.select_related("cycle")
        .filter(pk=report_id, published_at=published_at, withdrawn_at__isnull=True)
        .first()
    )
    if report is None:
        return 0
    messages = []
    for email, state, language in publication_recipients(report):
        with in_language_of(language):  # each in their own language
            subject = _("Progress report published: %(cycle)s") % {"cycle": report.cycle.name}
            body = _(
                "The Global Alliance Against Child Sexual Abuse Online has published its progress report for "
                "%(cycle)s. It includes the report of %(state)s.\n\nRead it and download its files:\n%(link)s\n"
            ) % {"cycle": report.cycle.name, "state": state, "link": link}
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [email]))
    try:
        # The notice's row and the emails together: a failure to send rolls the row back (the job
        # is tried again); a second run of the job waits for the first and then finds its row.
        with transaction.atomic():
            PublicationNoticeSent.objects.create(report=report, published_at=published_at, recipients=len(messages))
            return send_mass_mail(messages, fail_silently=False) if messages else 0
    except IntegrityError:
        return 0  # told already


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def notify_report_published(self: Any, report_id: int, published_at: str, link: str) -> int:
    """After a publication commits: one email to each contact of the members in the report."""
    try:
        return publication_notice_send(
            report_id=report_id, published_at=datetime.fromisoformat(published_at), link=link
        )
    except OSError as error:  # the mail server is unreachable: try again later
        raise self.retry(exc=error) from error
