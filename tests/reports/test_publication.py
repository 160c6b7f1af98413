"""Publishing a cycle's public edition: the secretariat's deliberate act, with a confirmation, a
history and notifications; nothing unpublished is ever shown outside the secretariat."""

import hashlib
from datetime import date
from functools import partial
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from commitments.models import HistoryEntry, MemberState, ReportingCycle
from commitments.services import WorkflowError
from jobs import outbox
from jobs.models import OutboxMessage
from reports.models import CompiledReport, ReportFile
from reports.services import report_publish, report_withdraw
from tests.api.conftest import ApiClient, key_for
from tests.conftest import VerifiedClient
from tests.factories import ReportingCycleFactory, UserFactory

DRAFT_MARK = "Draft — not published"
V1 = "/api/v1/reports"
JSON = "application/json"


def _report(cycle: ReportingCycle, **values: Any) -> CompiledReport:
    fields: dict[str, Any] = {
        "edition": CompiledReport.Edition.PUBLIC,
        "status": CompiledReport.Status.DONE,
        "progress": 100,
        "is_final": True,
        "finished_at": timezone.now(),
        **values,
    }
    report = CompiledReport.objects.create(cycle=cycle, **fields)
    if report.status == CompiledReport.Status.DONE:
        content = f"cycle,{cycle.name}\n".encode()
        entry = ReportFile(report=report, format="csv", sha256=hashlib.sha256(content).hexdigest(), size=len(content))
        entry.file.save("report.csv", ContentFile(content), save=False)
        entry.save()
    return report


@pytest.fixture
def closed_cycle(alliance: None) -> ReportingCycle:
    """The initial report's cycle, due on 1 April 2013: the 48 founding members report in it (the
    six that joined by September 2014 do not)."""
    return ReportingCycleFactory.create(
        name="Initial report (test)",
        period_start=date(2012, 12, 5),
        period_end=date(2013, 3, 31),
        opens_on=date(2013, 1, 1),
        due_on=date(2013, 4, 1),
    )


@pytest.fixture
def draft_edition(closed_cycle: ReportingCycle) -> CompiledReport:
    """The cycle's final public edition, built and not published."""
    return _report(closed_cycle)


def _viewers(contact: User, reviewer: User) -> dict[str, tuple[Client, ApiClient]]:
    """A page client and an API client for each kind of reader outside the secretariat."""
    contact_page = Client()
    contact_page.force_login(contact)
    return {
        "anonymous": (Client(), ApiClient()),
        "contact": (contact_page, ApiClient(key_for(contact))),
        # A reading key reads as the public, whoever owns it (here the reviewer).
        "reading key": (Client(), ApiClient(key_for(reviewer, read_only=True))),
    }


def _seen(page: Client, api: ApiClient, report: CompiledReport) -> dict[str, Any]:
    listing = api.get(f"{V1}/").json()
    return {
        "detail page": page.get(f"/reports/{report.pk}/").status_code,
        "file": page.get(f"/reports/{report.pk}/files/csv").status_code,
        "listed on the page": f"/reports/{report.pk}/" in page.get("/reports/").content.decode(),
        "api detail": api.get(f"{V1}/{report.pk}/").status_code,
        "api file": api.get(f"{V1}/{report.pk}/files/csv/").status_code,
        "listed by the api": report.pk in [row["id"] for row in listing["results"]],
    }


HIDDEN = {
    "detail page": 404,
    "file": 404,
    "listed on the page": False,
    "api detail": 404,
    "api file": 404,
    "listed by the api": False,
}
SHOWN = {
    "detail page": 200,
    "file": 200,
    "listed on the page": True,
    "api detail": 200,
    "api file": 200,
    "listed by the api": True,
}


def test_a_draft_public_edition_is_404_outside_the_secretariat(
    contact: User, reviewer: User, draft_edition: CompiledReport
) -> None:
    for name, (page, api) in _viewers(contact, reviewer).items():
        assert _seen(page, api, draft_edition) == HIDDEN, name


def test_the_secretariat_sees_a_draft_marked_as_a_draft(
    client: Client, reviewer: User, draft_edition: CompiledReport
) -> None:
    client.force_login(reviewer)
    listing = client.get("/reports/").content.decode()
    assert f"/reports/{draft_edition.pk}/" in listing
    assert DRAFT_MARK in listing
    detail = client.get(f"/reports/{draft_edition.pk}/").content.decode()
    assert DRAFT_MARK in detail
    assert "<script>" not in detail
    body = ApiClient(key_for(reviewer)).get(f"{V1}/{draft_edition.pk}/").json()
    assert body["published_at"] is None


def test_publishing_from_the_pages_takes_a_confirmation_step(
    client: Client, reviewer: User, draft_edition: CompiledReport
) -> None:
    client.force_login(reviewer)
    detail = client.get(f"/reports/{draft_edition.pk}/").content.decode()
    # The detail page only links to the confirmation; it has no form that publishes.
    assert f'href="/reports/{draft_edition.pk}/publish"' in detail
    assert f'action="/reports/{draft_edition.pk}/publish"' not in detail
    confirmation = client.get(f"/reports/{draft_edition.pk}/publish")
    assert confirmation.status_code == 200
    html = confirmation.content.decode()
    assert "Publish this report?" in html
    assert "everyone, without signing in" in html
    assert "48 member states" in html  # whose contacts are told
    assert "No report of this cycle is published" in html
    assert f'action="/reports/{draft_edition.pk}/publish"' in html

    unconfirmed = client.post(f"/reports/{draft_edition.pk}/publish", {})
    assert unconfirmed.status_code == 400
    assert 'id="id_confirm_error"' in unconfirmed.content.decode()
    draft_edition.refresh_from_db()
    assert not draft_edition.is_published

    published = client.post(f"/reports/{draft_edition.pk}/publish", {"confirm": "on"})
    assert published.status_code == 302
    assert published["Location"] == f"/reports/{draft_edition.pk}/"
    draft_edition.refresh_from_db()
    assert draft_edition.is_published
    assert draft_edition.published_by == reviewer
    page = client.get(f"/reports/{draft_edition.pk}/").content.decode()
    assert DRAFT_MARK not in page
    assert "Published on" in page


def test_once_published_a_report_is_visible_to_everyone(
    contact: User, reviewer: User, draft_edition: CompiledReport
) -> None:
    report_publish(report=draft_edition, actor=reviewer)
    for name, (page, api) in _viewers(contact, reviewer).items():
        assert _seen(page, api, draft_edition) == SHOWN, name
        assert api.get(f"{V1}/{draft_edition.pk}/").json()["published_at"] is not None


def test_pages_and_the_api_list_the_same_reports_for_each_reader(
    contact: User, reviewer: User, closed_cycle: ReportingCycle, draft_edition: CompiledReport
) -> None:
    published = _report(closed_cycle)
    report_publish(report=published, actor=reviewer)
    secretariat = _report(closed_cycle, edition=CompiledReport.Edition.SECRETARIAT)
    reviewer_page = VerifiedClient()  # the secretariat's pages need the second factor
    reviewer_page.force_login(reviewer)
    readers = {**_viewers(contact, reviewer), "reviewer": (reviewer_page, ApiClient(key_for(reviewer)))}
    everything = {draft_edition.pk, published.pk, secretariat.pk}
    for name, (page, api) in readers.items():
        listing = page.get("/reports/").content.decode()
        on_page = {pk for pk in everything if f"/reports/{pk}/" in listing}
        by_api = {row["id"] for row in api.get(f"{V1}/").json()["results"]}
        assert on_page == by_api, name
        assert by_api == (everything if name == "reviewer" else {published.pk}), name


def test_publishing_writes_a_history_entry_naming_the_actor(reviewer: User, draft_edition: CompiledReport) -> None:
    report_publish(report=draft_edition, actor=reviewer)
    entry = HistoryEntry.objects.get(subject_type="compiledreport", subject_id=draft_edition.pk)
    assert entry.action == "published"
    assert entry.actor == reviewer
    assert entry.actor_label == reviewer.email


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"edition": CompiledReport.Edition.SECRETARIAT}, "Only a public edition"),
        ({"status": CompiledReport.Status.QUEUED, "progress": 0}, "not finished"),
        ({"status": CompiledReport.Status.FAILED}, "not finished"),
        ({"is_final": False}, "still open"),
    ],
)
def test_only_a_finished_final_public_edition_can_be_published(
    reviewer: User, closed_cycle: ReportingCycle, values: dict[str, Any], message: str
) -> None:
    report = _report(closed_cycle, **values)
    with pytest.raises(WorkflowError, match=message):
        report_publish(report=report, actor=reviewer)
    refused = ApiClient(key_for(reviewer)).post(f"{V1}/{report.pk}/publish/", {}, content_type=JSON)
    assert refused.status_code == 409
    assert message in refused.json()["detail"]
    report.refresh_from_db()
    assert report.published_at is None
    assert not HistoryEntry.objects.filter(subject_type="compiledreport").exists()


def test_only_the_secretariat_publishes_and_withdraws(
    contact: User, reviewer: User, secretariat_admin: User, closed_cycle: ReportingCycle, draft_edition: CompiledReport
) -> None:
    with pytest.raises(PermissionDenied):
        report_publish(report=draft_edition, actor=contact)
    contact_api = ApiClient(key_for(contact))
    # A draft is not even confirmed to exist; a published report is visible, and refused.
    assert contact_api.post(f"{V1}/{draft_edition.pk}/publish/", {}, content_type=JSON).status_code == 404
    report_publish(report=draft_edition, actor=secretariat_admin)
    assert (
        contact_api.post(f"{V1}/{draft_edition.pk}/withdraw/", {"reason": "No."}, content_type=JSON).status_code == 403
    )
    with pytest.raises(PermissionDenied):
        report_withdraw(report=draft_edition, actor=contact, reason="No.")
    reading = ApiClient(key_for(reviewer, read_only=True))
    assert reading.post(f"{V1}/{draft_edition.pk}/withdraw/", {"reason": "No."}, content_type=JSON).status_code == 403
    contact_page = Client()
    contact_page.force_login(contact)
    assert contact_page.get(f"/reports/{draft_edition.pk}/withdraw").status_code == 403
    assert contact_page.post(f"/reports/{draft_edition.pk}/withdraw", {"reason": "No."}).status_code == 403
    draft_edition.refresh_from_db()
    assert draft_edition.is_published


def test_withdrawing_without_a_reason_is_refused_with_the_field_named(
    client: Client, reviewer: User, draft_edition: CompiledReport
) -> None:
    report_publish(report=draft_edition, actor=reviewer)
    with pytest.raises(ValidationError) as refused:
        report_withdraw(report=draft_edition, actor=reviewer, reason="  ")
    assert "reason" in refused.value.message_dict

    client.force_login(reviewer)
    detail = client.get(f"/reports/{draft_edition.pk}/").content.decode()
    assert f'href="/reports/{draft_edition.pk}/withdraw"' in detail
    page = client.post(f"/reports/{draft_edition.pk}/withdraw", {"reason": ""})
    assert page.status_code == 400
    html = page.content.decode()
    assert 'id="id_reason_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'href="#id_reason"' in html  # the error summary links to the field

    api = ApiClient(key_for(reviewer)).post(f"{V1}/{draft_edition.pk}/withdraw/", {}, content_type=JSON)
    assert api.status_code == 400
    assert "reason" in api.json()["errors"]
    draft_edition.refresh_from_db()
    assert draft_edition.is_published


def test_withdrawing_hides_the_report_again_and_is_recorded(
    client: Client, contact: User, reviewer: User, draft_edition: CompiledReport
) -> None:
    report_publish(report=draft_edition, actor=reviewer)
    client.force_login(reviewer)
    done = client.post(f"/reports/{draft_edition.pk}/withdraw", {"reason": "A figure of Malta was wrong."})
    assert done.status_code == 302
    draft_edition.refresh_from_db()
    assert not draft_edition.is_published
    assert draft_edition.withdrawn_by == reviewer
    assert draft_edition.withdrawal_reason == "A figure of Malta was wrong."
    for name, (page, api) in _viewers(contact, reviewer).items():
        assert _seen(page, api, draft_edition) == HIDDEN, name
    entry = HistoryEntry.objects.get(subject_type="compiledreport", subject_id=draft_edition.pk, action="withdrawn")
    assert entry.actor == reviewer
    assert entry.changes["reason"] == [None, "A figure of Malta was wrong."]
    detail = client.get(f"/reports/{draft_edition.pk}/").content.decode()
    assert "Withdrawn on" in detail
    assert "A figure of Malta was wrong." in detail
    # Published again, with the reason why.
    with pytest.raises(ValidationError) as refused:
        report_publish(report=draft_edition, actor=reviewer)
    assert "reason" in refused.value.message_dict
    report_publish(report=draft_edition, actor=reviewer, reason="Malta's figure corrected.")
    draft_edition.refresh_from_db()
    assert draft_edition.is_published


def test_publishing_over_a_published_report_replaces_it_only_with_a_reason(
    client: Client, reviewer: User, closed_cycle: ReportingCycle, draft_edition: CompiledReport
) -> None:
    report_publish(report=draft_edition, actor=reviewer)
    newer = _report(closed_cycle)
    client.force_login(reviewer)
    confirmation = client.get(f"/reports/{newer.pk}/publish").content.decode()
    assert "It replaces" in confirmation
    assert f'href="/reports/{draft_edition.pk}/"' in confirmation
    refused = client.post(f"/reports/{newer.pk}/publish", {"confirm": "on", "reason": ""})
    assert refused.status_code == 400
    assert 'id="id_reason_error"' in refused.content.decode()
    newer.refresh_from_db()
    assert not newer.is_published

    done = client.post(f"/reports/{newer.pk}/publish", {"confirm": "on", "reason": "Late reports of two members."})
    assert done.status_code == 302
    newer.refresh_from_db()
    draft_edition.refresh_from_db()
    assert newer.is_published
    assert not draft_edition.is_published
    assert "Late reports of two members." in draft_edition.withdrawal_reason
    actions = set(HistoryEntry.objects.filter(subject_type="compiledreport").values_list("subject_id", "action"))
    assert actions == {(draft_edition.pk, "published"), (draft_edition.pk, "withdrawn"), (newer.pk, "published")}


def test_contacts_of_the_members_in_the_report_get_one_email_each_after_commit(
    contact: User,
    colleague: User,
    foreign_contact: User,
    reviewer: User,
    draft_edition: CompiledReport,
    django_capture_on_commit_callbacks: Any,
) -> None:
    UserFactory.create(email="former@france.example.org", is_active=False)
    # Armenia joined after the cycle's due date: its report is not in it.
    UserFactory.create(email="contact@armenia.example.org", member_state=MemberState.objects.get(iso_code="AM"))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        report_publish(report=draft_edition, actor=reviewer)
    # Handed to the broker once the publication commits (with the data version's bump).
    assert [c.func for c in queued if isinstance(c, partial)] == [outbox.deliver]
    assert not mail.outbox
    message = OutboxMessage.objects.get(task="reports.publication.notify_report_published")

    # The worker's part, run here from the message as stored (JSON arguments).
    from reports.publication import notify_report_published

    assert notify_report_published.apply(args=message.args, kwargs=message.kwargs).get() == 3
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        [contact.email, colleague.email, foreign_contact.email]
    )
    assert all(len(m.to) == 1 for m in mail.outbox)
    to_germany = next(m for m in mail.outbox if m.to == [foreign_contact.email])
    assert "Germany" in to_germany.body
    assert draft_edition.cycle.name in to_germany.subject
    assert f"/reports/{draft_edition.pk}/" in to_germany.body
    # Delivered twice (the outbox sends at least once): nobody is told twice.
    assert notify_report_published.apply(args=message.args, kwargs=message.kwargs).get() == 0
    assert len(mail.outbox) == 3


def test_a_withdrawn_or_rolled_back_publication_emails_no_one(
    contact: User, reviewer: User, draft_edition: CompiledReport
) -> None:
    def publish_then_fail() -> None:
        with transaction.atomic():
            report_publish(report=draft_edition, actor=reviewer)
            raise RuntimeError("the request failed after the publication")

    with pytest.raises(RuntimeError):
        publish_then_fail()
    assert not OutboxMessage.objects.filter(task="reports.publication.notify_report_published").exists()
    draft_edition.refresh_from_db()
    assert draft_edition.published_at is None

    report_publish(report=draft_edition, actor=reviewer)
    message = OutboxMessage.objects.get(task="reports.publication.notify_report_published")
    report_withdraw(report=draft_edition, actor=reviewer, reason="Published by mistake.")
    from reports.publication import notify_report_published

    assert notify_report_published.apply(args=message.args, kwargs=message.kwargs).get() == 0
    assert not mail.outbox


def test_the_api_publishes_and_withdraws_for_the_secretariat(reviewer: User, draft_edition: CompiledReport) -> None:
    api = ApiClient(key_for(reviewer))
    published = api.post(f"{V1}/{draft_edition.pk}/publish/", {}, content_type=JSON)
    assert published.status_code == 200
    assert published.json()["published_at"] is not None
    again = api.post(f"{V1}/{draft_edition.pk}/publish/", {}, content_type=JSON)
    assert again.status_code == 409
    withdrawn = api.post(f"{V1}/{draft_edition.pk}/withdraw/", {"reason": "Published by mistake."}, content_type=JSON)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["published_at"] is None
    assert withdrawn.json()["withdrawn_at"] is not None
    assert ApiClient().get(f"{V1}/{draft_edition.pk}/").status_code == 404


def test_the_publication_notice_is_in_each_contacts_language(
    contact: User, colleague: User, foreign_contact: User, reviewer: User, draft_edition: CompiledReport
) -> None:
    User.objects.filter(pk=contact.pk).update(language="fr")
    User.objects.filter(pk=foreign_contact.pk).update(language="es")
    report_publish(report=draft_edition, actor=reviewer)
    message = OutboxMessage.objects.get(task="reports.publication.notify_report_published")
    from reports.publication import notify_report_published

    assert notify_report_published.apply(args=message.args, kwargs=message.kwargs).get() == 3
    cycle = draft_edition.cycle.name
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    for person, language in ((contact, "fr"), (foreign_contact, "es")):
        with translation.override(language):
            expected = gettext("Progress report published: %(cycle)s") % {"cycle": cycle}
        assert expected != f"Progress report published: {cycle}"
        assert subjects[person.email] == expected
    assert subjects[colleague.email] == f"Progress report published: {cycle}"  # no choice: the default
