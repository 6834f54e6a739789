"""Case grants carry the case's registration time (agencies.visibility.SortedGrant), indexed for the case list."""

from django.db import migrations, models

from agencies.grant_migrations import copy_sort_keys


def copy_registration_time(apps, schema_editor):
    copy_sort_keys(apps, "casework", "Case", "registered_at", ("CaseUserObjectPermission", "CaseGroupObjectPermission"))


class Migration(migrations.Migration):
    dependencies = [("casework", "0008_task_list_indexes")]

    operations = [
        migrations.AddField("caseuserobjectpermission", "sort_key", models.DateTimeField("排序键", editable=False, null=True)),
        migrations.AddField("casegroupobjectpermission", "sort_key", models.DateTimeField("排序键", editable=False, null=True)),
        migrations.RunPython(copy_registration_time, migrations.RunPython.noop),
        migrations.AlterField("caseuserobjectpermission", "sort_key", models.DateTimeField("排序键", editable=False)),
        migrations.AlterField("casegroupobjectpermission", "sort_key", models.DateTimeField("排序键", editable=False)),
        migrations.AddIndex(
            "caseuserobjectpermission",
            models.Index(fields=["user", "permission", "-sort_key", "-content_object"], name="case_user_grant_order"),
        ),
        migrations.AddIndex(
            "casegroupobjectpermission",
            models.Index(fields=["group", "permission", "-sort_key", "-content_object"], name="case_group_grant_order"),
        ),
    ]
