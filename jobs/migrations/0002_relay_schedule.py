"""The relay in the database schedule with the other jobs: every 30 s, each run expiring when the
next is due (runs that waited behind busy workers would only repeat each other)."""

from django.db import migrations

NAME = "Relay jobs that waited for the broker"
TASK = "jobs.tasks.relay_outbox"
EVERY_SECONDS = 30


def add_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=EVERY_SECONDS, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": interval,
            "expire_seconds": EVERY_SECONDS,
            "description": "Sends the jobs kept in the outbox while the broker was unreachable, and deletes "
            "from the cache the entries whose changes it missed.",
        },
    )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedules, remove_schedules)]
