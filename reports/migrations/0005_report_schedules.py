"""The report jobs in the database schedule, where the secretariat can change them."""

from django.db import migrations

SCHEDULES = [
    # name, task, (minute, hour, day of week), description
    (
        "Draft reports of open cycles (nightly)",
        "reports.tasks.compile_open_cycles",
        ("30", "1", "*"),
        "Compiles both editions of each open cycle's report when its data changed since the last one.",
    ),
    (
        "Final reports of closed cycles (daily)",
        "reports.tasks.compile_closed_cycles",
        ("30", "2", "*"),
        "Compiles the final report (both editions) of each cycle past its due date that has none yet.",
    ),
    (
        "Completeness summary to the secretariat (weekly)",
        "reports.tasks.send_completeness_summary",
        ("0", "8", "1"),
        "Emails the secretariat who has reported, who is late and who has not reported, every Monday.",
    ),
]


def add_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, (minute, hour, day_of_week), description in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week=day_of_week, day_of_month="*", month_of_year="*", timezone="UTC"
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "description": description}
        )


def remove_schedules(apps, schema_editor):
    names = [name for name, *_ in SCHEDULES]
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_report_idempotency_and_summary"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedules, remove_schedules)]
