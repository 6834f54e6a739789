"""Each agency gets a members group holding all its officers: visibility is granted to it once,
instead of once to each of the five role groups (casework 0010 and referral 0013 move the grants)."""

from django.db import migrations, models
import django.db.models.deletion


def create_members_groups(apps, schema_editor):
    Agency = apps.get_model("agencies", "Agency")
    Group = apps.get_model("auth", "Group")
    Officer = apps.get_model("agencies", "Officer")
    for agency in Agency.objects.filter(members__isnull=True):
        agency.members, _ = Group.objects.get_or_create(name=f"{agency.code}:members")
        agency.save(update_fields=["members"])
        agency.members.user_set.add(*Officer.objects.filter(agency=agency).values_list("user_id", flat=True))


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.AddField(
            model_name="agency",
            name="members",
            field=models.OneToOneField(
                editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="agency_members",
                to="auth.group", verbose_name="全体人员组",
            ),
        ),
        migrations.RunPython(create_members_groups, migrations.RunPython.noop),
    ]
