"""`key__any_of=ids`: a key among many, sent to PostgreSQL as one array.

`key__in=ids` writes one placeholder a value: for the hundreds of ids 我的工作's walk passes from one
query to the next (cases, their processes, their tasks), building that statement — each value
prepared by Django, the long text split and each value quoted by psycopg — cost more Python than
PostgreSQL took to run it. `any_of` writes `key = ANY(%s::bigint[])` with the ids as one parameter;
on SQLite, which has no arrays, it is `IN`. Registered on the integer and foreign key fields
(AgenciesConfig.ready).
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import Lookup
from django.db.models.lookups import In


class AnyOf(Lookup):
    lookup_name = "any_of"

    def get_prep_lookup(self):
        return sorted({int(value) for value in self.rhs})  # keys only: an id that is not an int is a mistake

    def as_sql(self, compiler, connection):
        return In(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet  # as `IN ()`: nothing matches, and the query is not sent
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        column_type = self.lhs.output_field.cast_db_type(connection)  # a key's type, or the key a foreign key refers to
        return f"{lhs_sql} = ANY(%s::{column_type}[])", (*lhs_params, self.rhs)
