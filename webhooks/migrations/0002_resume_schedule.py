"""The sweep for stalled deliveries in the database schedule with the other jobs: every minute,
each run expiring when the next is due."""

from django.db import migrations

NAME = "Queue again the webhook deliveries whose job was lost"
TASK = "webhooks.tasks.resume_stalled_deliveries"
EVERY_SECONDS = 60


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
            "description": "Queues again the pending webhook deliveries overdue by ten minutes that no worker is "
            "sending (a retry the broker did not take).",
        },
    )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedules, remove_schedules)]
