"""Snapshots record each pledge's policy target code, operational goal and 2014 action (a cycle's
report reads them from the accepted snapshot, as they were). Snapshots taken before get them from
the commitment as it is now, the best record there is of what it was."""

from typing import Any

from django.db import migrations


def add_codes(apps: Any, schema_editor: Any) -> None:
    Snapshot = apps.get_model("commitments", "SubmissionSnapshot")
    Commitment = apps.get_model("commitments", "Commitment")
    for snapshot in Snapshot.objects.all().iterator():
        updates = snapshot.data.get("updates", {})
        if all("target_code" in item for item in updates.values()):
            continue
        found = Commitment.objects.filter(pk__in=[int(key) for key in updates]).select_related("target", "goal", "action")
        known = {str(c.pk): c for c in found}
        for key, item in updates.items():
            commitment = known.get(key)
            item.setdefault("target_code", commitment.target.code if commitment else "")
            item.setdefault("goal", commitment.goal.code if commitment and commitment.goal else None)
            item.setdefault("action", commitment.action.code if commitment and commitment.action else None)
        snapshot.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [("commitments", "0007_reference_labels")]

    operations = [migrations.RunPython(add_codes, migrations.RunPython.noop)]
