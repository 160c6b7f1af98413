"""Labels faithful to the sources: inferred titles, publishers and dates of source documents are
flagged with their reason; dates may be inferred, announced, or before the records begin."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('commitments', '0006_progressupdate_save_id'),
    ]

    operations = [
        migrations.AddField(
            model_name='sourcedocument',
            name='published_on_inferred',
            field=models.BooleanField(default=False, help_text='The text gives no date: this one is inferred (the date note says how).'),
        ),
        migrations.AddField(
            model_name='sourcedocument',
            name='publisher_inferred',
            field=models.BooleanField(default=False, help_text='The text does not name its publisher: this one is inferred.'),
        ),
        migrations.AddField(
            model_name='sourcedocument',
            name='publisher_note',
            field=models.CharField(blank=True, help_text='How the publisher is known, when the text does not say it plainly.', max_length=300),
        ),
        migrations.AddField(
            model_name='sourcedocument',
            name='title_inferred',
            field=models.BooleanField(default=False, help_text="The text states no title: this one is the tracker's description of it."),
        ),
        migrations.AddField(
            model_name='sourcedocument',
            name='title_note',
            field=models.CharField(blank=True, help_text='Why the title is what it is, when inferred.', max_length=300),
        ),
        migrations.AlterField(
            model_name='eumembership',
            name='started_on_basis',
            field=models.CharField(choices=[('exact', 'On this date'), ('no_later_than', 'By this date at the latest (exact date not in the sources)'), ('inferred', 'Inferred (the sources do not state this date)'), ('announced', 'Announced in the source for this date (not reported as done)'), ('before_records', "Before the Alliance's records begin (date not in the sources)")], default='exact', max_length=16),
        ),
        migrations.AlterField(
            model_name='membership',
            name='joined_on_basis',
            field=models.CharField(choices=[('exact', 'On this date'), ('no_later_than', 'By this date at the latest (exact date not in the sources)'), ('inferred', 'Inferred (the sources do not state this date)'), ('announced', 'Announced in the source for this date (not reported as done)'), ('before_records', "Before the Alliance's records begin (date not in the sources)")], default='exact', max_length=16),
        ),
        migrations.AlterField(
            model_name='secretariattenure',
            name='ended_on',
            field=models.DateField(blank=True, help_text='Empty when no source says the tenure ended.', null=True),
        ),
        migrations.AlterField(
            model_name='secretariattenure',
            name='started_on_basis',
            field=models.CharField(choices=[('exact', 'On this date'), ('no_later_than', 'By this date at the latest (exact date not in the sources)'), ('inferred', 'Inferred (the sources do not state this date)'), ('announced', 'Announced in the source for this date (not reported as done)'), ('before_records', "Before the Alliance's records begin (date not in the sources)")], default='exact', max_length=16),
        ),
        migrations.AddConstraint(
            model_name='sourcedocument',
            constraint=models.CheckConstraint(condition=models.Q(('title_inferred', False), models.Q(('title_note', ''), _negated=True), _connector='OR'), name='commitments_sourcedocument_inferred_title_has_reason', violation_error_message='Say why the title is inferred.'),
        ),
        migrations.AddConstraint(
            model_name='sourcedocument',
            constraint=models.CheckConstraint(condition=models.Q(('publisher_inferred', False), models.Q(('publisher_note', ''), _negated=True), _connector='OR'), name='commitments_sourcedocument_inferred_publisher_has_reason', violation_error_message='Say why the publisher is inferred.'),
        ),
        migrations.AddConstraint(
            model_name='sourcedocument',
            constraint=models.CheckConstraint(condition=models.Q(('published_on_inferred', False), models.Q(('published_on__isnull', False), models.Q(('date_note', ''), _negated=True)), _connector='OR'), name='commitments_sourcedocument_inferred_date_has_reason', violation_error_message='An inferred date is a date, with the reason in the date note.'),
        ),
    ]
