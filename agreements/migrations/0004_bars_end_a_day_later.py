"""The bars and suspensions recorded before this migration ended one day early.

They were computed as "the same day N years (months) later", which is the period's *last* day under
民法典 Art. 201–202 (the start day is not counted), yet stored as the first day the institution or
person may apply (register, be paid) again. Every stored date was computed that way (the fields are
not editable in any form), so each moves one day later; casework.clocks.first_day_after computes
them from now on.
"""

from datetime import timedelta

from django.db import migrations
from django.db.models import F

DAY = timedelta(days=1)


def shift(apps, days: timedelta) -> None:
    Institution = apps.get_model("agreements", "Institution")
    Practitioner = apps.get_model("agreements", "Practitioner")
    Institution.objects.filter(barred_until__isnull=False).update(barred_until=F("barred_until") + days)
    Practitioner.objects.filter(registration_barred_until__isnull=False).update(
        registration_barred_until=F("registration_barred_until") + days
    )
    Practitioner.objects.filter(suspended_until__isnull=False).update(suspended_until=F("suspended_until") + days)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0003_list_order")]

    operations = [
        migrations.RunPython(lambda apps, schema_editor: shift(apps, DAY), lambda apps, schema_editor: shift(apps, -DAY)),
    ]
