"""The copy of each inspected institution's 经办机构 and region, so that an index serves the list of whoever
sees the institution. 0003 makes it required and adds the indexes in a transaction of its own (PostgreSQL
does not alter a table while the copy's foreign-key checks are still pending)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_institution_scope(apps, schema_editor):
    Institution, Inspection = apps.get_model("agreements", "Institution"), apps.get_model("inspections", "Inspection")
    institution = Institution.objects.filter(pk=OuterRef("institution"))
    Inspection.objects.update(
        institution_agency=Subquery(institution.values("agency")[:1]),
        institution_region=Subquery(institution.values("region_code")[:1]),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0001_initial'),
        ('agreements', '0001_initial'),
        ('inspections', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='inspection',
            name='institution_agency',
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
        migrations.AddField(
            model_name='inspection',
            name='institution_region',
            field=models.CharField(editable=False, max_length=6, null=True),
        ),
        migrations.RunPython(copy_institution_scope, migrations.RunPython.noop),
    ]
