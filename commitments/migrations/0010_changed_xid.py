"""The change feed's column: the id of the transaction that last wrote each commitment, submission
and progress update, set by a trigger on every insert and update, whatever writes the row."""

from django.db import migrations, models

TABLES = ("commitments_commitment", "commitments_submission", "commitments_progressupdate")
XID = "pg_current_xact_id()::text::bigint"

FUNCTION = f"""
CREATE FUNCTION commitments_set_changed_xid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_xid := {XID};
    RETURN NEW;
END
$$;
"""

FORWARD = [FUNCTION] + [
    sql
    for table in TABLES
    for sql in (
        f"UPDATE {table} SET changed_xid = {XID};",
        f"CREATE TRIGGER {table}_changed_xid BEFORE INSERT OR UPDATE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION commitments_set_changed_xid();",
    )
]
REVERSE = [f"DROP TRIGGER IF EXISTS {table}_changed_xid ON {table};" for table in TABLES] + [
    "DROP FUNCTION IF EXISTS commitments_set_changed_xid();"
]


def _on_postgresql(statements: list[str]):  # type: ignore[no-untyped-def]
    """The statements on PostgreSQL only: the embedded SQLite of `make run` has no transaction ids
    (the change feed is not offered there)."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


def _field() -> models.BigIntegerField:
    return models.BigIntegerField(db_index=True, default=0, editable=False)


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0009_membership_change"),
    ]

    operations = [
        migrations.AddField(model_name="commitment", name="changed_xid", field=_field()),
        migrations.AddField(model_name="submission", name="changed_xid", field=_field()),
        migrations.AddField(model_name="progressupdate", name="changed_xid", field=_field()),
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(REVERSE)),
    ]
