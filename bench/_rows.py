"""The rows of bench/datagen.py's copies, made fast: each template row compiled once into what every
column of a copy is, ids reserved from the tables' sequences in advance, rows written with COPY.

A template row becomes a list of operations, one a column (a constant, a new id, a person, a moved
time, a text with the template's strings cut out, an id written in a URL…). A copy of the row is
those operations run with the case's own values; `CaseState.adjust` then gives evidence its file,
a document its serial and an audit event its ids, signature and place in the chain, as before. Ids are known before any row is written — each table's sequence is
advanced once per chunk by the number of rows the chunk takes (`setval(nextval(…) + n - 1)`) — so a
row's foreign keys are filled in without reading anything back, and every table of a chunk goes in
with one `COPY … FROM STDIN` (PostgreSQL; binary for the table with a bytea column) or one
`executemany` (SQLite, for the tests). A COPY is either streamed while its rows are made
(`table_writer`) or formatted into buffers (`table_buffer`) that a loader thread sends later (`load_tables`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from psycopg.copy import Writer

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


class Row(NamedTuple):
    """A template row's operations, grouped so that a copy is its constants with the other columns
    filled in place, one loop a kind of operation (most columns are constants, ids, times, people)."""

    old: Any  # the template row
    consts: list  # every column's constant (None where an operation fills it)
    ids: tuple[tuple[int, Any], ...]  # (column, key in the case's ids): NEW_ID and REF
    times: tuple[tuple[int, datetime], ...]  # TIME
    users: tuple[tuple[int, str], ...]  # USER
    texts: tuple[tuple[int, tuple[str, ...]], ...]  # TEXT
    others: tuple[tuple[int, int, Any], ...]  # (column, code, argument): the rest


def _row(old, ops: list[tuple[int, Any]]) -> Row:
    consts = [arg if code == CONST else None for code, arg in ops]
    grouped: dict[int, list] = {code: [(i, arg) for i, (c, arg) in enumerate(ops) if c == code] for code in (NEW_ID, REF, TIME, USER, TEXT)}
    others = tuple((i, code, arg) for i, (code, arg) in enumerate(ops) if code not in grouped and code != CONST)
    return Row(old, consts, tuple(sorted(grouped[NEW_ID] + grouped[REF])), tuple(grouped[TIME]), tuple(grouped[USER]),
               tuple(grouped[TEXT]), others)


class Compiled:
    """A stage's template as operations: table → (model, fields, [Row of operations per template row])."""

    def __init__(self, copier, cloned_tables: list[str], process_children: set[str], template_amount: Decimal) -> None:
        self.copier, self.template_amount = copier, template_amount
        self.cloned = set(cloned_tables)
        self.tables: list[tuple[str, Any, list, list]] = []
        self.counts: dict[str, int] = {}
        self.keys: list[tuple[str, list[tuple[str, Any]]]] = []  # table → its rows' keys in a case's ids, parents first
        for table in cloned_tables:
            rows = copier.template.rows[table]
            self.counts[table] = len(rows)
            self.keys.append((table, [(table, old.pk) for old in rows]))
            if not rows:
                continue
            model = type(rows[0])
            fields = model._meta.local_concrete_fields if table in process_children else model._meta.concrete_fields
            self.tables.append((table, model, list(fields),
                                [_row(old, [self._op(table, old, f, getattr(old, f.attname)) for f in fields]) for old in rows]))
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
        table = table_entry[0]
        for old, consts, id_columns, time_columns, user_columns, text_columns, others in table_entry[3]:
            values = consts.copy()
            for i, key in id_columns:
                values[i] = ids[key]
            for i, key in time_columns:
                values[i] = times[key]
            for i, key in user_columns:
                values[i] = people[key]
            for i, parts in text_columns:
                values[i] = _join(parts, strings)
            for i, code, arg in others:
                if code == GROUP:
                    value = groups[arg]
                elif code == AGENCY:
                    value = agencies[arg].pk
                elif code == JSON:
                    value = _join(arg, strings)
                    if table == "agencies_auditevent":  # adjust maps its ids and signs it
                        value = json.loads(value) if value != "{}" else {}
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
                values[i] = value
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
            statement, types = _copy_statement(connection, model, fields)
            with raw.copy(statement, writer=QueuedLibpqWriter(raw)) as copy:
                if types:
                    copy.set_types(types)
                yield copy.write_row
            return
        rows: list = []
        yield rows.append
        prepared = [[_prepare(f, value, connection) for f, value in zip(fields, row)] for row in rows]
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", prepared)


@dataclass
class TableCopy:
    """One table's rows of a chunk as `COPY … FROM STDIN` reads them, made but not yet sent."""

    statement: str
    pieces: list[bytes]  # psycopg's buffers, about 32 kB each


class _Kept(Writer):
    """A psycopg copy writer that keeps the formatted buffers instead of sending them."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []

    def write(self, data) -> None:
        self.pieces.append(data)  # psycopg hands over a fresh buffer each time

    def finish(self, exc: BaseException | None = None) -> None:
        pass


@contextmanager
def table_buffer(connection, model, fields: list, out: list[TableCopy]) -> Iterator:
    """write(row) for one table's rows of a chunk, formatted now by psycopg exactly as `table_writer`
    sends them (the same Copy.write_row on a cursor of the same connection), kept in `out` for
    `load_tables` to send later from another connection. PostgreSQL only."""
    from psycopg import Copy

    kept = _Kept()
    statement, types = _copy_statement(connection, model, fields)
    with connection.cursor() as cursor:
        with Copy(cursor.cursor, binary=bool(types), writer=kept) as copy:  # a Copy made by hand sends nothing
            if types:
                copy.set_types(types)
            yield copy.write_row
    out.append(TableCopy(statement, kept.pieces))


def load_tables(connection, tables: list[TableCopy]) -> None:
    """Send tables made by `table_buffer`, one `COPY … FROM STDIN` each, in `connection`'s transaction."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for table in tables:
            with raw.copy(table.statement) as copy:
                for piece in table.pieces:
                    copy.write(piece)


def _copy_statement(connection, model, fields: list) -> tuple[str, list[int]]:
    """The COPY of a table's columns, and the columns' types when it goes in binary: a table with a
    bytea column (the letters, 40 kB .docx files) — as text each byte would be written as two hex
    digits by psycopg and read back by PostgreSQL (0.37 s of Python a chunk for the letters alone);
    in binary the bytes go as they are. Binary COPY needs every column's exact type: taken from the catalog."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    if not any(f.get_internal_type() == "BinaryField" for f in fields):
        return f"COPY {table} ({columns}) FROM STDIN", []
    with connection.cursor() as cursor:
        cursor.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                       [model._meta.db_table])
        types = dict(cursor.fetchall())
    return f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)", [types[f.column] for f in fields]


def _prepare(f, value, connection):
    """SQLite's form of the values that have one of their own (the rest are ready: see Compiled._op)."""
    if isinstance(value, (datetime, date, Decimal)):
        return f.get_db_prep_save(value, connection)
    return value
