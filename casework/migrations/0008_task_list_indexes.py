"""Indexes on viewflow's task table for the officer's lists (casework.tasklists).

viewflow ships single-column indexes (status, created, owner). The queue asks "new tasks whose
permission pair is one of mine, newest first", the inbox "my assigned tasks, newest first", the
archive "my finished tasks, newest first" (casework.tasklists): each gets an index that serves the filter and the order,
so the first page reads a page of rows whatever the table holds. Plain SQL, because the table
belongs to viewflow; partial indexes work on PostgreSQL and SQLite alike.
"""

from django.db import migrations

INDEXES = {
    "lianban_task_queue": "viewflow_task (owner_permission_obj_pk, created, id) WHERE status = 'NEW'",
    "lianban_task_inbox": "viewflow_task (owner_id, created, id) WHERE status = 'ASSIGNED'",
    "lianban_task_archive": "viewflow_task (owner_id, created, id) WHERE finished IS NOT NULL",
}


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0007_penalty_decision"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}", f"DROP INDEX IF EXISTS {name}")
        for name, definition in INDEXES.items()
    ]
