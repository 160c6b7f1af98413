"""The cleanup of expired idempotency keys in the database schedule with the other jobs: every hour
(keys expire after IDEMPOTENCY_KEY_HOURS; an expired key is also forgotten when it is sent again)."""

from django.db import migrations

NAME = "Delete expired idempotency keys"
TASK = "idempotency.tasks.delete_expired_idempotency_keys"
EVERY_HOURS = 1


def add_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=EVERY_HOURS, period="hours")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": interval,
            "expire_seconds": EVERY_HOURS * 3600,
            "description": "Deletes the Idempotency-Key records of API requests older than IDEMPOTENCY_KEY_HOURS.",
        },
    )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("idempotency", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedules, remove_schedules)]
