"""A queryset's statement compiled once, run again with other values.

Django compiles a queryset to SQL every time it is read: it resolves the filters, joins and
selected columns anew, and a list page whose statement has a few branches spent more on that than
the database spent answering it. A statement that a page runs in the same shape on every request
(the same tables, columns and conditions, only the user, the cursor and such values changing) is
compiled here once, with stand-ins for those values, and afterwards only run: the stand-ins'
places in its parameters are remembered, and each run puts the real values in them. Its rows are
built into models as Django builds them (`from_db`, the related objects of `select_related`, each
field's converters from the database).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


class NotPreparable(Exception):
    """The queryset cannot be run again from its compiled statement (see `Prepared.of`)."""


@dataclass(frozen=True)
class Prepared:
    """One queryset's statement and what builds its rows, for any values of its stand-ins."""

    db: str
    sql: str
    params: tuple[tuple[bool, Any], ...]  # each parameter: (True, a stand-in's name) or (False, its constant value)
    model: type[Model]
    fields: tuple[int, int]  # the model's own columns in a row: [start, end)
    attnames: tuple[str, ...]
    populators: tuple
    converters: tuple

    @classmethod
    def of(cls, queryset: QuerySet, stand_ins: Mapping[Hashable, str]) -> Prepared:
        """Compile `queryset`, whose values given by the caller are the keys of `stand_ins` (each naming the
        value a run will give in its place; a list of ids, as `key__any_of=[stand_in]` sends it to PostgreSQL
        in one parameter, stands in as the tuple `(stand_in,)`). A parameter that is not a stand-in is kept as
        compiled: whoever keeps the result for later must know that it does not vary (e.g. by keying on it)."""
        query = queryset.query
        if query.annotation_select or query.extra_select or queryset._known_related_objects or queryset._prefetch_related_lookups:
            raise NotPreparable("only plain rows, with their select_related objects, are built here")
        compiler = query.get_compiler(using=queryset.db)
        sql, compiled = compiler.as_sql()
        params = tuple((True, stand_ins[_looked_up(value)]) if _looked_up(value) in stand_ins else (False, value) for value in compiled)
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
        return cls(
            db=queryset.db, sql=sql, params=params, model=klass_info["model"], fields=(start, end),
            attnames=tuple(column[0].target.attname for column in select[start:end]),
            populators=tuple(get_related_populators(klass_info, select, queryset.db)),
            converters=tuple((position, tuple(functions), expression) for position, (functions, expression) in converters.items()),
        )

    def rows(self, values: Mapping[str, Any]) -> list[Model]:
        """The statement run with `values` (by stand-in name), its rows built into models."""
        connection = connections[self.db]
        params = [values[value] if named else value for named, value in self.params]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        start, end = self.fields
        objects = []
        for row in fetched:
            if self.converters:
                row = list(row)
                for position, functions, expression in self.converters:
                    for convert in functions:
                        row[position] = convert(row[position], expression, connection)
            obj = self.model.from_db(self.db, self.attnames, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects


_kept: dict[Hashable, Prepared] = {}


def kept(key: Hashable, build: Callable[[], tuple[QuerySet, Mapping[Hashable, str]]]) -> Prepared:
    """The statement kept for the process under `key`: compiled from `build()` (the queryset and its
    stand-ins, as `Prepared.of` takes them) the first time it is asked. The key must name everything the
    statement's text depends on besides the stand-ins' values (the values kept as compiled included)."""
    if key not in _kept:
        queryset, stand_ins = build()
        _kept[key] = Prepared.of(queryset, stand_ins)
    return _kept[key]


def forget() -> None:
    """Drop every kept statement (after a migration: tables and permissions may have changed)."""
    _kept.clear()


def _looked_up(value):
    """A parameter as the stand-ins are keyed: a list (the ids of `any_of`, agencies.lookups) as a tuple; a
    value that cannot be a key as None (no stand-in is None)."""
    if isinstance(value, list):
        value = tuple(value)
    try:
        hash(value)
    except TypeError:
        return None
    return value
