"""The rows of bench/datagen.py's copies, made fast: each template row compiled once into what every
column of a copy is, ids reserved from the tables' sequences in advance, rows written with COPY.

A template row becomes a list of operations, one a column (a constant, a new id, a person, a moved
time, a text with the template's strings cut out, an id written in a URL…). A copy of the row is
those operations run with the case's own values; `CaseState.adjust` then gives evidence its file,
a document its serial and an audit event its ids, signature and place in the chain, as before. Ids are known before any row is written — each table's sequence is
advanced once per chunk by the number of rows the chunk takes (`setval(nextval(…) + n - 1)`) — so a
row's foreign keys are filled in without reading anything back, and every table of a chunk goes in
with one `COPY … FROM STDIN` (PostgreSQL) or one `executemany` (SQLite, for the tests).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# Operation codes: what a column of a copy is.
CONST, NEW_ID, REF, USER, AGENCY, GROUP, TIME, DATE, AMOUNT, TEXT, JSON, URL, REF_TEXT, AGENCY_TEXT, SOURCE, PROVISIONAL = range(16)
# Tables whose copies CaseState.adjust finishes (files, numbers, the audit chain); the others are done by their operations.
ADJUSTED = {"casework_evidence", "referral_issueddocument", "agencies_auditevent"}
URL_OR_THREAD = re.compile(r"(/cases/|/referrals/|case:|referral:)(\d+)")


def _parts(pattern, value: str) -> tuple[str, ...]:
    """`value` cut at the template's strings: literal, string, literal, string, …, literal."""
    parts, end = [], 0
    for match in pattern.finditer(value):
        parts += [value[end:match.start()], match.group(0)]
        end = match.end()
    parts.append(value[end:])
    return tuple(parts)


def _join(parts: tuple[str, ...], strings: dict[str, str]) -> str:
    if len(parts) == 1:
        return parts[0]
    out = list(parts)
    for i in range(1, len(out), 2):
        out[i] = strings.get(out[i], out[i])
    return "".join(out)


class Compiled:
    """A stage's template as operations: table → (model, fields, [(template row, [operation per field])])."""

    def __init__(self, copier, cloned_tables: list[str], process_children: set[str], template_amount: Decimal) -> None:
        self.copier, self.template_amount = copier, template_amount
        self.cloned = set(cloned_tables)
        self.tables: list[tuple[str, Any, list, list]] = []
        self.counts: dict[str, int] = {}
        for table in cloned_tables:
            rows = copier.template.rows[table]
            self.counts[table] = len(rows)
            if not rows:
                continue
            model = type(rows[0])
            fields = model._meta.local_concrete_fields if table in process_children else model._meta.concrete_fields
            self.tables.append((table, model, list(fields),
                                [(old, [self._op(table, old, f, getattr(old, f.attname)) for f in fields]) for old in rows]))
        self.by_table = {entry[0]: entry for entry in self.tables}

    def _op(self, table: str, old, f, value) -> tuple[int, Any]:
        copier = self.copier
        if value is None:
            return CONST, None
        if f.attname in ("url", "thread") and isinstance(value, str) and URL_OR_THREAD.search(value):
            if len(_parts(copier.pattern, value)) > 1:
                raise RuntimeError(f"{table}.{f.attname} {value!r} holds both an id and a template string")
            parts = URL_OR_THREAD.split(value)  # literal, prefix, id, literal, prefix, id, …, literal
            return URL, [(None, ("casework_case" if "case" in parts[i - 1] else "referral_referral", int(p))) if i % 3 == 2
                         else (p, None) for i, p in enumerate(parts)]
        if f.attname == "target_id" and table in ("casework_deadline", "agencies_auditevent"):
            from django.apps import apps

            return REF_TEXT, (apps.get_model(old.target_type)._meta.db_table, int(value))
        if table == "casework_case" and f.attname == "source":
            return SOURCE, None
        if table == "viewflow_task" and f.attname == "owner_permission_obj_pk":
            return AGENCY_TEXT, copier.agency_keys[int(value)]
        if table == "casework_deadline" and f.attname == "provisional":
            return PROVISIONAL, old.pk
        if f.primary_key and not f.is_relation:
            return NEW_ID, (table, value)
        if f.get_internal_type() == "FileField":
            return CONST, value.name  # CaseState.adjust gives evidence its own file
        if f.get_internal_type() == "JSONField":
            return JSON, _parts(copier.pattern, json.dumps(value, ensure_ascii=False))
        if f.is_relation:
            model = f.related_model
            if model._meta.db_table in self.cloned:
                return REF, (model._meta.db_table, value)
            if model is copier.user_model:
                return USER, copier.user_keys[value]
            if model is copier.agency_model:
                return AGENCY, copier.agency_keys[value]
            if model is copier.group_model:
                return GROUP, copier.group_keys[value]
            return CONST, value  # content types, permissions
        if isinstance(value, datetime):
            return TIME, value
        if isinstance(value, date):
            return DATE, value
        if isinstance(value, Decimal) and value == self.template_amount:
            return AMOUNT, None
        if isinstance(value, str):
            parts = _parts(copier.pattern, value)
            if len(parts) > 1:
                return TEXT, parts
        if type(value) not in (str, int, float, bool, bytes, Decimal):
            value = f.get_prep_value(value)  # viewflow's flows, nodes and tokens as the text the column holds
        return CONST, value

    def table(self, table: str):
        return self.by_table.get(table)

    def rows(self, table_entry, state, people: dict[str, int], agencies: dict[str, Any], groups: dict[tuple, int]):
        """The copies of one table's template rows for one case: (template row, values in field order)."""
        ids, times, strings = state.ids, state.times, state.strings
        table, _, _, rows = table_entry
        for old, ops in rows:
            values = []
            for code, arg in ops:
                if code == CONST:
                    value = arg
                elif code == NEW_ID or code == REF:
                    value = ids[arg]
                elif code == TIME:
                    value = times[arg]
                elif code == TEXT:
                    value = _join(arg, strings)
                elif code == USER:
                    value = people[arg]
                elif code == GROUP:
                    value = groups[arg]
                elif code == AGENCY:
                    value = agencies[arg].pk
                elif code == JSON:
                    value = _join(arg, strings)
                    if table == "agencies_auditevent":
                        value = json.loads(value)  # adjust maps its ids and signs it
                elif code == URL:
                    value = "".join(text if ref is None else str(ids[ref]) for text, ref in arg)
                elif code == REF_TEXT:
                    value = str(ids[arg])
                elif code == AGENCY_TEXT:
                    value = str(agencies[arg].pk)
                elif code == DATE:
                    value = arg + state.days
                elif code == SOURCE:
                    value = state.plan.source
                elif code == PROVISIONAL:
                    value = state.provisional[arg]
                else:  # AMOUNT
                    value = state.plan.amount
                values.append(value)
            yield old, values


# --- ids and writing --------------------------------------------------------------------------------


def reserve_ids(connection, needed: dict[str, int]) -> dict[str, int]:
    """The first of `n` consecutive new ids of each table, taken from its sequence in one step each
    (all tables in one statement); SQLite has no sequences: ids go on from the largest one."""
    tables = [t for t, n in needed.items() if n]
    if not tables:
        return {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = ", ".join(
                f"setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + {int(needed[t])} - 1)"
                for t in tables)
            cursor.execute(f"SELECT {columns}", [v for t in tables for v in (connection.ops.quote_name(t), connection.ops.quote_name(t))])
            last = cursor.fetchone()
            return {t: last[i] - needed[t] + 1 for i, t in enumerate(tables)}
        first = {}
        for t in tables:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(t)}")
            first[t] = cursor.fetchone()[0] + 1
        return first


@contextmanager
def table_writer(connection, model, fields: list) -> Iterator:
    """write(row) for one table's rows of a chunk: a COPY streamed while the rows are made (a thread
    sends them, so PostgreSQL stores one batch while Python makes the next); on SQLite one executemany."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg.copy import QueuedLibpqWriter

            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN", writer=QueuedLibpqWriter(raw)) as copy:
                yield copy.write_row
            return
        rows: list = []
        yield rows.append
        prepared = [[_prepare(f, value, connection) for f, value in zip(fields, row)] for row in rows]
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", prepared)


def _prepare(f, value, connection):
    """SQLite's form of the values that have one of their own (the rest are ready: see Compiled._op)."""
    if isinstance(value, (datetime, date, Decimal)):
        return f.get_db_prep_save(value, connection)
    return value
