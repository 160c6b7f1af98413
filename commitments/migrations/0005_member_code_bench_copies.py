"""Member codes may end in two digits: made-up copies of members for benchmarks (FR07)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('commitments', '0004_reminder_schedule'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='memberstate',
            name='commitments_memberstate_iso_code_format',
        ),
        migrations.AlterField(
            model_name='memberstate',
            name='iso_code',
            field=models.CharField(help_text='Kosovo, which has no ISO code, uses the user-assigned code XK. Made-up copies of a member for benchmarks add two digits to its code (FR07); the reference data uses two letters only.', max_length=4, unique=True, verbose_name='ISO 3166-1 alpha-2 code'),
        ),
        migrations.AddConstraint(
            model_name='memberstate',
            constraint=models.CheckConstraint(condition=models.Q(('iso_code__regex', '^[A-Z]{2}([0-9]{2})?$')), name='commitments_memberstate_iso_code_format', violation_error_message='The ISO code is two capital letters (and two digits for a benchmark copy).'),
        ),
    ]
