"""API keys get a scope and an end.

Existing keys: read-only keys read; a contact's writing key writes its country's reports; a
secretariat key that could write is reduced to reading, because it was issued without the second
factor that review keys now require. Keys without an expiry end 90 days after this migration.
"""

from datetime import timedelta
from typing import Any

from django.db import migrations, models
from django.utils import timezone

SECRETARIAT_ROLES = ("secretariat_reviewer", "secretariat_admin")


def scope_and_expiry(apps: Any, schema_editor: Any) -> None:
    ApiKey = apps.get_model("accounts", "ApiKey")
    ApiKey.objects.filter(read_only=False).exclude(user__role__in=SECRETARIAT_ROLES).update(scope="report")
    ApiKey.objects.filter(expires_at__isnull=True).update(expires_at=timezone.now() + timedelta(days=90))


def back(apps: Any, schema_editor: Any) -> None:
    ApiKey = apps.get_model("accounts", "ApiKey")
    ApiKey.objects.exclude(scope="read").update(read_only=False)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_apikey")]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="scope",
            field=models.CharField(
                choices=[
                    ("read", "Read published data"),
                    ("report", "Write my country's reports"),
                    ("review", "Secretariat review"),
                ],
                default="read",
                max_length=16,
            ),
        ),
        migrations.RunPython(scope_and_expiry, back),
        migrations.RemoveField(model_name="apikey", name="read_only"),
        migrations.AlterField(model_name="apikey", name="expires_at", field=models.DateTimeField()),
    ]
