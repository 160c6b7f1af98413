"""A compile's heartbeat and attempts, and the job that requeues compiles whose worker died.

The recovery job is in the database schedule with the others; every 15 s, so that with a heartbeat
stale after 40 s a dead worker's compile is requeued within a minute. Each run expires when the
next one is due: runs that waited in the queue behind busy workers would only repeat each other."""

from django.db import migrations, models

NAME = "Recover stalled report compiles"
TASK = "reports.tasks.recover_stalled_compiles"
EVERY_SECONDS = 15


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
            "description": "Requeues the report compiles whose worker stopped (no heartbeat, no lock held), "
            "without waiting for the broker's visibility timeout.",
        },
    )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_compile_timings"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="compiledreport",
            name="heartbeat_at",
            field=models.DateTimeField(
                blank=True,
                help_text="The running compile's last sign of life (its progress, or a beat every few seconds); "
                "while it waits for a retry, the time the retry is due.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="compiledreport",
            name="attempts",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="Compiles started: a retry after an error, or a requeue after a worker died, is one more.",
            ),
        ),
        migrations.AddField(
            model_name="compiledreport",
            name="requeued_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When its compile was last found stalled (its worker gone) and requeued.",
                null=True,
            ),
        ),
        migrations.RunPython(add_schedules, remove_schedules),
    ]
