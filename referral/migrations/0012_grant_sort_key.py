"""Referral grants carry the referral's creation time (agencies.visibility.SortedGrant), indexed for the referral list."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_creation_time(apps, schema_editor):
    Referral = apps.get_model("referral", "Referral")
    created = Subquery(Referral.objects.filter(pk=OuterRef("content_object_id")).values("created_at")[:1])
    for name in ("ReferralUserObjectPermission", "ReferralGroupObjectPermission"):
        apps.get_model("referral", name).objects.update(sort_key=created)


class Migration(migrations.Migration):
    dependencies = [("referral", "0011_referral_final_report")]

    operations = [
        migrations.AddField("referraluserobjectpermission", "sort_key", models.DateTimeField("排序键", editable=False, null=True)),
        migrations.AddField("referralgroupobjectpermission", "sort_key", models.DateTimeField("排序键", editable=False, null=True)),
        migrations.RunPython(copy_creation_time, migrations.RunPython.noop),
        migrations.AlterField("referraluserobjectpermission", "sort_key", models.DateTimeField("排序键", editable=False)),
        migrations.AlterField("referralgroupobjectpermission", "sort_key", models.DateTimeField("排序键", editable=False)),
        migrations.AddIndex(
            "referraluserobjectpermission",
            models.Index(fields=["user", "permission", "-sort_key", "-content_object"], name="referral_user_grant_order"),
        ),
        migrations.AddIndex(
            "referralgroupobjectpermission",
            models.Index(fields=["group", "permission", "-sort_key", "-content_object"], name="referral_group_grant_order"),
        ),
    ]
