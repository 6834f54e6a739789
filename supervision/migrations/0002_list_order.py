"""Indexes that serve the list newest first, one per way an agency sees a row (see the selectors)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('supervision', '0001_initial'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='supervision',
            index=models.Index(fields=['supervisor', '-proposed_at', '-id'], name='supervision_held_order'),
        ),
        migrations.AddIndex(
            model_name='supervision',
            index=models.Index(fields=['co_supervisor', '-proposed_at', '-id'], name='supervision_coheld_order'),
        ),
        migrations.AddIndex(
            model_name='supervision',
            index=models.Index(fields=['case', '-proposed_at', '-id'], name='supervision_case_order'),
        ),
    ]
