"""Indexes that serve the list newest first, one per way an agency sees a row (see the selectors)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0001_initial'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='meeting',
            index=models.Index(fields=['mechanism', '-held_at', '-id'], name='meeting_mechanism_order'),
        ),
    ]
