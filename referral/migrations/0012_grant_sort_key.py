"""Referral grants carry the referral's creation time (agencies.visibility.SortedGrant), indexed for the referral list."""

from django.db import migrations, models

from agencies.grant_migrations import copy_sort_keys


def copy_creation_time(apps, schema_editor):
    copy_sort_keys(apps, "referral", "Referral", "created_at", ("ReferralUserObjectPermission", "ReferralGroupObjectPermission"))


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
