"""The menu's 待认领 badge counts from an index by agency and permission.

The badge asks how many of the bureau's new tasks carry a permission the user holds (up to 100). The
queue's index (0008, covering on PostgreSQL since 0019) is ordered by agency and then by time, so the
count walked every new task of the user's agency and checked each one's permission: an officer who may
take none of a bureau's 28,459 waiting tasks (they wait for the head) walked all of them to count 0,
3.1 ms on every workflow page at 1M cases. Ordered by agency and then permission, the same count is an
index range per permission the user holds: 0.025 ms. 待认领's list of a queue the badge counted short
is read whole from it too (casework.tasklists.QueueKeys); a long queue is still read in order from
0008/0019's index, whose order is the list's (newest first).
"""

from django.db import migrations

COLUMNS = "viewflow_task (owner_permission_obj_pk, owner_permission, created, id)"
CREATE = {
    "postgresql": f"CREATE INDEX IF NOT EXISTS lianban_task_queue_pair ON {COLUMNS} INCLUDE (flow_task_type, process_id) WHERE status = 'NEW'",
    "sqlite": f"CREATE INDEX IF NOT EXISTS lianban_task_queue_pair ON {COLUMNS} WHERE status = 'NEW'",
}


def create(apps, schema_editor):
    if sql := CREATE.get(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS lianban_task_queue_pair")


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0021_screening_import"),
    ]

    operations = [migrations.RunPython(create, drop)]
