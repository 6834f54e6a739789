"""我的工作 by due date finds the open tasks of a chunk's processes from an index of open tasks by process.

The walk from the agency's clocks (casework.worklist_due) turns each chunk's cases into their processes
and those into the user's tasks. Asked as "the user's queue, of these processes", PostgreSQL read the
user's queue from its index by agency and permission (0022) and checked each entry's process: for a
head whose bureau has 28,459 waiting tasks, all of them, 4 ms a chunk. The processes' open tasks
(new or assigned: the only ones a user's 我的待办 or 待认领 holds) are now read from this index, a
probe a process, and the user's lists asked about those tasks by key: 0.9 ms a chunk.
"""

from django.db import migrations

COLUMNS = "viewflow_task (process_id)"
OPEN = "WHERE status IN ('NEW', 'ASSIGNED')"
CREATE = {
    "postgresql": f"CREATE INDEX IF NOT EXISTS lianban_task_open_process ON {COLUMNS} INCLUDE (id) {OPEN}",
    "sqlite": f"CREATE INDEX IF NOT EXISTS lianban_task_open_process ON {COLUMNS} {OPEN}",
}


def create(apps, schema_editor):
    if sql := CREATE.get(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS lianban_task_open_process")


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0022_task_queue_pair_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
