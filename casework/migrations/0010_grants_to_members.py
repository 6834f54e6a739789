"""Case grants held by an agency's five role groups become one grant of its members group."""

from django.db import migrations

from agencies.grant_migrations import move_role_grants_to_members


def forwards(apps, schema_editor):
    move_role_grants_to_members(apps, "casework", "CaseGroupObjectPermission")


class Migration(migrations.Migration):
    dependencies = [("casework", "0009_grant_sort_key"), ("agencies", "0002_agency_members")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
