"""The lists' orders, each served by an index (inspections.selectors); the scope copy of 0002 made required."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inspections', '0002_scope_copy'),
    ]

    operations = [
        migrations.AlterField(
            model_name='inspection',
            name='institution_agency',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
        migrations.AlterField(
            model_name='inspection',
            name='institution_region',
            field=models.CharField(editable=False, max_length=6),
        ),
        migrations.AddIndex(
            model_name='inspection',
            index=models.Index(fields=['institution_agency', '-inspected_on', '-id'], name='inspection_held_order'),
        ),
        migrations.AddIndex(
            model_name='inspection',
            index=models.Index(fields=['-inspected_on', '-id'], name='inspection_order'),
        ),
    ]
