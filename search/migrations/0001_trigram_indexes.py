"""Trigram indexes for 搜索 on PostgreSQL (pg_trgm), one per searched text column.

Django's `icontains` is `UPPER(col::text) LIKE UPPER('%…%')` on PostgreSQL, so each index is on that
very expression: a word of three characters or more is then found from the index instead of by reading
every row. pg_trgm cuts Chinese text into characters as it does Latin (the database's LC_CTYPE is
UTF-8), so 常州市第一人民医院 is served like any name; a word shorter than three characters gives the
index nothing to look up, and is searched as before (search.matching).

pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it. On SQLite this
migration does nothing; the same searches run as LIKE over the rows.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [  # (index name, table, column)
    ("search_case_number_trgm", "casework_case", "number"),
    ("search_case_title_trgm", "casework_case", "title"),
    ("search_subject_name_trgm", "casework_subject", "name"),
    ("search_referral_title_trgm", "referral_referral", "case_title"),
    ("search_document_number_trgm", "referral_issueddocument", "number"),
    ("search_institution_name_trgm", "agreements_institution", "name"),
    ("search_institution_uscc_trgm", "agreements_institution", "uscc"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0020_payment_agency"),
        ("referral", "0013_grants_to_members"),
        ("agreements", "0004_bars_end_a_day_later"),
    ]

    operations = [TrigramExtension(), migrations.RunPython(create, drop)]
