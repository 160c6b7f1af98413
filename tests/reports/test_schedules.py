"""The report jobs in the database schedule: nightly drafts, final reports, the weekly summary."""

from datetime import timedelta

import time_machine
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.models import User
from alliance.celery import app
from commitments.models import ReportingCycle, Submission
from reports.models import CompiledReport, CompletenessSummarySent
from reports.selectors import cycles_closed_without_final_report, cycles_open_on
from reports.services import report_compile, report_fail, report_schedule
from reports.summary import completeness_summary_send


def test_the_report_jobs_are_in_the_schedule_and_the_secretariat_can_change_them(
    client, secretariat_admin: User
) -> None:
    tasks = {task.task: task for task in PeriodicTask.objects.filter(task__startswith="reports.tasks.")}
    assert set(tasks) == {
        "reports.tasks.compile_open_cycles",
        "reports.tasks.compile_closed_cycles",
        "reports.tasks.send_completeness_summary",
        "reports.tasks.recover_stalled_compiles",
    }
    app.loader.import_default_modules()  # what a worker imports as it starts (the apps' tasks modules)
    for name in tasks:
        assert name in app.tasks  # each schedule names a task the worker knows
    assert all(task.enabled for task in tasks.values())
    assert tasks["reports.tasks.send_completeness_summary"].crontab.day_of_week == "1"  # Mondays

    nightly = tasks["reports.tasks.compile_open_cycles"]
    client.force_login(secretariat_admin)
    url = f"/admin/django_celery_beat/periodictask/{nightly.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = {
        "name": nightly.name,
        "regtask": nightly.task,
        "task": "",
        "crontab": nightly.crontab_id,
        "args": "[]",
        "kwargs": "{}",
        "enabled": "",  # switched off
        "priority": "",
        "queue": "",
        "exchange": "",
        "routing_key": "",
        "headers": "{}",
        "expire_seconds": "",
        "description": nightly.description,
        "_save": "Save",
    }
    saved = client.post(url, form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    nightly.refresh_from_db()
    assert not nightly.enabled


def test_a_scheduled_compile_is_queued_once_per_data_version(
    submitted: Submission, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as queued:
        first = report_schedule(cycle=submitted.cycle, edition="secretariat")
        again = report_schedule(cycle=submitted.cycle, edition="secretariat")
    assert again == first
    assert len(queued) == 1  # one compile sent, not two
    assert first.data_version
    assert first.status == "queued"
    done = report_compile(report=first)
    assert done.status == "done"
    assert not done.is_final
    with django_capture_on_commit_callbacks() as queued:
        assert report_schedule(cycle=submitted.cycle, edition="secretariat") == first
    assert queued == []
    assert CompiledReport.objects.filter(cycle=submitted.cycle, edition="secretariat").count() == 1


def test_a_failed_scheduled_compile_is_tried_again_by_the_next_schedule(
    submitted: Submission, django_capture_on_commit_callbacks
) -> None:
    report = report_schedule(cycle=submitted.cycle, edition="public")
    report_fail(report_id=report.pk, reason="OperationalError: the database went away")
    with django_capture_on_commit_callbacks() as queued:
        again = report_schedule(cycle=submitted.cycle, edition="public")
    assert again.pk == report.pk
    assert len(queued) == 1
    again.refresh_from_db()
    assert again.status == "queued"
    assert again.error == ""


def test_open_cycles_get_drafts_and_closed_cycles_a_final_report_once(submitted: Submission) -> None:
    cycle = submitted.cycle
    today = timezone.localdate()
    assert cycle in cycles_open_on(today)
    assert cycle not in cycles_closed_without_final_report(today)
    after = cycle.due_on + timedelta(days=1)
    assert cycle not in cycles_open_on(after)
    assert cycle in cycles_closed_without_final_report(after)
    for edition in ("secretariat", "public"):
        report = report_schedule(cycle=cycle, edition=edition, today=after)
        assert report.is_final
        with time_machine.travel(after):
            report_compile(report=report)
    assert cycle not in cycles_closed_without_final_report(after)
    final = CompiledReport.objects.get(cycle=cycle, edition="secretariat")
    assert b'"final": true' in final.files.get(format="json").file.read()


def test_the_weekly_summary_tells_the_secretariat_who_has_not_reported(
    reviewer: User, secretariat_admin: User, contact: User, submitted: Submission
) -> None:
    monday = submitted.cycle.due_on + timedelta(days=(7 - submitted.cycle.due_on.weekday()))
    assert monday.weekday() == 0
    sent = completeness_summary_send(today=monday)
    assert sent == 2
    assert sorted(address for m in mail.outbox for address in m.to) == sorted([reviewer.email, secretariat_admin.email])
    body = mail.outbox[0].body
    assert submitted.cycle.name in body
    assert "Submitted: 1 (1 on time)" in body
    assert "Germany (late)" in body  # not submitted, past the due date
    assert "France" not in body.split("Not yet submitted:")[1]
    assert contact.email not in [a for m in mail.outbox for a in m.to]
    # Once a week, however often the job runs.
    assert completeness_summary_send(today=monday + timedelta(days=2)) == 0
    assert len(mail.outbox) == 2
    assert CompletenessSummarySent.objects.get().week_of == monday
    assert completeness_summary_send(today=monday + timedelta(days=7)) == 2


def test_no_summary_when_no_cycle_is_open_or_recent(reviewer: User, cycle: ReportingCycle) -> None:
    long_after = cycle.due_on + timedelta(days=400)
    assert completeness_summary_send(today=long_after) == 0
    assert mail.outbox == []
