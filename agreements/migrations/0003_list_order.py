"""The lists' orders, each served by an index (agreements.selectors); the scope copy of 0002 made required."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0002_scope_copy'),
    ]

    operations = [
        migrations.AlterField(
            model_name='practitioner',
            name='institution_agency',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
        migrations.AlterField(
            model_name='practitioner',
            name='institution_region',
            field=models.CharField(editable=False, max_length=6),
        ),
        migrations.AddIndex(
            model_name='designationapplication',
            index=models.Index(fields=['agency', '-received_on', '-id'], name='application_held_order'),
        ),
        migrations.AddIndex(
            model_name='designationapplication',
            index=models.Index(fields=['-received_on', '-id'], name='application_order'),
        ),
        migrations.AddIndex(
            model_name='institution',
            index=models.Index(fields=['agency', 'region_code', 'name', 'id'], name='institution_held_order'),
        ),
        migrations.AddIndex(
            model_name='institution',
            index=models.Index(fields=['region_code', 'name', 'id'], name='institution_region_order'),
        ),
        migrations.AddIndex(
            model_name='practitioner',
            index=models.Index(fields=['institution_agency', 'name', 'id'], name='practitioner_held_order'),
        ),
        migrations.AddIndex(
            model_name='practitioner',
            index=models.Index(fields=['name', 'id'], name='practitioner_name_order'),
        ),
    ]
