"""Writing many rows at once on PostgreSQL without building a model instance for each (the clock worker's).

`bulk_create` prepares every field of every instance in Python (~1 ms a row for a viewflow task);
here a column is one array bound once and unpacked by `unnest`, and a value shared by every row is
bound once. The ids are reserved from the table's sequence first, so that rows of several tables
can point at each other in the same batch.

    ids = reserve_ids(Task, 200)
    insert_columns(Task, ids=ids, rows={"process_id": process_ids}, same={"status": "NEW", ...})

Callers pass the database's values (ids, strings); `same` values go through the field's own
preparation, once. PostgreSQL only: the callers keep their `bulk_create` path for SQLite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections, models


def reserve_ids(model: type[models.Model], count: int, *, using: str = "default") -> list[int]:
    """`count` fresh primary keys from `model`'s sequence (one round trip)."""
    if count <= 0:
        return []
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_columns(
    model: type[models.Model],
    *,
    ids: Sequence[int],
    rows: Mapping[str, Sequence[Any]] | None = None,
    same: Mapping[str, Any] | None = None,
    using: str = "default",
) -> None:
    """INSERT one row of `model` per id, in one statement.

    `rows` gives a column's value for each row (attnames such as ``process_id``, database values),
    `same` one value for every row (prepared by its field); any other non-null field takes its
    default (text without one: ""), and nullable fields stay NULL. A JSON column's rows are JSON
    texts (`json.dumps`).
    """
    rows, same = dict(rows or {}), dict(same or {})
    connection = connections[using]
    fields = {field.attname: field for field in model._meta.local_concrete_fields}
    unknown = (rows.keys() | same.keys()) - fields.keys()
    if unknown:
        raise ValueError(f"{model.__name__} has no column {sorted(unknown)}")
    for attname, values in rows.items():
        if len(values) != len(ids):
            raise ValueError(f"{model.__name__}.{attname}: {len(values)} values for {len(ids)} rows")
    pk = model._meta.pk.attname
    rows[pk] = list(ids)
    for attname, field in fields.items():
        if attname not in rows and attname not in same and not field.null:
            same[attname] = field.get_default()  # as bulk_create would: the default, "" for text without one

    quote = connection.ops.quote_name
    per_row = list(rows.items())
    columns, select, params = [], [], []
    for attname, values in per_row:
        columns.append(quote(fields[attname].column))
        select.append(f"r.c{len(select)}")
    for attname, value in same.items():
        field = fields[attname]
        columns.append(quote(field.column))
        select.append(f"%s::{field.db_type(connection)}")
        params.append(field.get_db_prep_save(value, connection))
    arrays = ", ".join(f"%s::{fields[attname].db_type(connection)}[]" for attname, _ in per_row)
    aliases = ", ".join(f"c{n}" for n in range(len(per_row)))
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(select)} FROM unnest({arrays}) AS r({aliases})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + [list(values) for _, values in per_row])  # the select list's values come first
