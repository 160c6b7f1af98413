"""Member codes are two capital letters again (ISO 3166-1 alpha-2, or XK for Kosovo)."""

from django.db import migrations, models


def refuse_longer_codes(apps, schema_editor):
    # Only made-up copies of members (FR07) could have a longer code: neither the reference data nor
    # the admin takes one. Their rows reach into submissions, history and accounts, so they are not
    # deleted here, where a mistake would take real data with them: the database is for a person
    # to clean (or drop, when it holds nothing else).
    MemberState = apps.get_model("commitments", "MemberState")
    longer = list(MemberState.objects.exclude(iso_code__regex=r"^[A-Z]{2}$").values_list("iso_code", flat=True))
    if longer:
        raise RuntimeError(
            f"{len(longer)} member states have a code other than two capital letters ({', '.join(sorted(longer)[:5])}"
            f"{', ...' if len(longer) > 5 else ''}). Delete them and their data, or drop the database if it holds "
            "nothing else, then migrate again."
        )


class Migration(migrations.Migration):

    dependencies = [
        ('commitments', '0010_changed_xid'),
    ]

    operations = [
        migrations.RunPython(refuse_longer_codes, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='memberstate',
            name='commitments_memberstate_iso_code_format',
        ),
        migrations.AlterField(
            model_name='memberstate',
            name='iso_code',
            field=models.CharField(help_text='Kosovo, which has no ISO code, uses the user-assigned code XK.', max_length=2, unique=True, verbose_name='ISO 3166-1 alpha-2 code'),
        ),
        migrations.AddConstraint(
            model_name='memberstate',
            constraint=models.CheckConstraint(condition=models.Q(('iso_code__regex', '^[A-Z]{2}$')), name='commitments_memberstate_iso_code_format', violation_error_message='The ISO code is two capital letters.'),
        ),
    ]
